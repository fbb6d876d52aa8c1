/**
 * UI state that React renders from: the current view, theme, filter text and its error, the
 * selected timeline row, live-follow, table preferences, session info and notices. Bulk data
 * (rows, services…) lives in the LiveSession's model, not here; `frame` and `tick` are the
 * version numbers components subscribe to in order to re-read it.
 */
import { create } from 'zustand';
import { LIVE_SESSION, type InterruptedCaptureInfo, type OpenCaptureResult, type SessionInfo } from '../../../app/bridge/contract';
import type { JobSummary } from '../../../app/events/schema';
import type { FilterError } from '../../../app/filter';
import type { LinkStatus } from '../bridge';
import { loadPreferences, savePreferences, type Preferences } from './preferences';

export type ViewName = 'timeline' | 'services' | 'connections' | 'transactions';
export type ThemeChoice = 'system' | 'light' | 'dark';

export interface Notice {
  readonly id: number;
  readonly kind: 'info' | 'error';
  readonly text: string;
}

/** A tab of the window: the live session or an opened capture. */
export interface TabSummary {
  readonly id: string;
  readonly title: string;
  readonly mode: SessionInfo['mode'];
  /** While a capture's events are still being read: how many so far, of how many. */
  readonly loading?: { readonly read: number; readonly total: number };
}

/** A file that could not be opened as it is, shown until the user decides. */
export type ImportProblem = Extract<OpenCaptureResult, { status: 'invalid' }> & { readonly format: 'capture' | 'description' };

export interface SortState {
  readonly column: string;
  readonly descending: boolean;
}

export interface UiState {
  view: ViewName;
  theme: ThemeChoice;
  filterText: string;
  filterError: FilterError | undefined;
  /** Absolute timeline row. */
  selectedRow: number | undefined;
  /** Keep the newest row in view as rows stream in. */
  followLive: boolean;
  paused: boolean;
  session: SessionInfo | undefined;
  link: LinkStatus;
  jobs: readonly JobSummary[];
  sort: SortState | undefined;
  hiddenColumns: readonly string[];
  columnWidths: Readonly<Record<string, number>>;
  detailHeight: number;
  /** Service shown in the transactions view ('' = all). */
  focusedService: string;
  notices: readonly Notice[];
  tabs: readonly TabSummary[];
  activeTab: string;
  importProblem: ImportProblem | undefined;
  /** Journals of earlier runs that did not close cleanly, offered for reopening. */
  interrupted: readonly InterruptedCaptureInfo[];
  /** Model version, every applied frame (the timeline follows it). */
  frame: number;
  /** Model version, at most a few times a second (the other views follow it). */
  tick: number;
}

export interface UiActions {
  setView(view: ViewName): void;
  setTheme(theme: ThemeChoice): void;
  setFilter(text: string, error: FilterError | undefined): void;
  select(row: number | undefined): void;
  setFollowLive(follow: boolean): void;
  setPaused(paused: boolean): void;
  setSession(session: SessionInfo): void;
  setLink(link: LinkStatus): void;
  setJobs(jobs: readonly JobSummary[]): void;
  setSort(sort: SortState | undefined): void;
  setHiddenColumns(columns: readonly string[]): void;
  setColumnWidths(widths: Readonly<Record<string, number>>): void;
  setDetailHeight(height: number): void;
  setFocusedService(label: string): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
  setTabs(tabs: readonly TabSummary[]): void;
  setImportProblem(problem: ImportProblem | undefined): void;
  setInterrupted(captures: readonly InterruptedCaptureInfo[]): void;
  setFrame(frame: number): void;
  setTick(tick: number): void;
}

let nextNotice = 1;
const initial: Preferences = loadPreferences();

export const useUi = create<UiState & UiActions>()((set, get) => ({
  view: 'timeline',
  theme: initial.theme,
  filterText: '',
  filterError: undefined,
  selectedRow: undefined,
  followLive: true,
  paused: false,
  session: undefined,
  link: { state: 'connecting', detail: 'connecting to the inspector' },
  jobs: [],
  sort: undefined,
  hiddenColumns: initial.hiddenColumns,
  columnWidths: initial.columnWidths,
  detailHeight: initial.detailHeight,
  focusedService: '',
  notices: [],
  tabs: [],
  activeTab: LIVE_SESSION,
  importProblem: undefined,
  interrupted: [],
  frame: 0,
  tick: 0,

  setView: (view) => set({ view }),
  setTheme: (theme) => {
    set({ theme });
    persist(get());
  },
  setFilter: (filterText, filterError) => set({ filterText, filterError }),
  select: (selectedRow) => set({ selectedRow }),
  setFollowLive: (followLive) => set({ followLive }),
  setPaused: (paused) => set({ paused }),
  setSession: (session) => set({ session, paused: session.paused }),
  setLink: (link) => set({ link }),
  setJobs: (jobs) => set({ jobs }),
  setSort: (sort) => set({ sort }),
  setHiddenColumns: (hiddenColumns) => {
    set({ hiddenColumns });
    persist(get());
  },
  setColumnWidths: (columnWidths) => {
    set({ columnWidths });
    persist(get());
  },
  setDetailHeight: (detailHeight) => {
    set({ detailHeight });
    persist(get());
  },
  setFocusedService: (focusedService) => set({ focusedService }),
  notify: (kind, text) => {
    const id = nextNotice++;
    set({ notices: [...get().notices.slice(-3), { id, kind, text }] });
    setTimeout(() => get().dismiss(id), kind === 'error' ? 8000 : 4000);
  },
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setTabs: (tabs) => set({ tabs }),
  setImportProblem: (importProblem) => set({ importProblem }),
  setInterrupted: (interrupted) => set({ interrupted }),
  setFrame: (frame) => set({ frame }),
  setTick: (tick) => set({ tick }),
}));

function persist(state: UiState): void {
  // The row cap is changed (with a reload) from the status bar, not through this store.
  savePreferences({ theme: state.theme, hiddenColumns: state.hiddenColumns, columnWidths: state.columnWidths, detailHeight: state.detailHeight, viewRows: loadPreferences().viewRows });
}
