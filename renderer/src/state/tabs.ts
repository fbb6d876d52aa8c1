/**
 * The tabs of the window: the live session, always first, and read-only captures opened beside
 * it. Each tab has its own model (a LiveSession fed by the live subscription or by the pages of
 * its capture) and remembers its own view, filter, sort and selection while another tab is shown.
 * `shown` is the session every view reads.
 */
import { LIVE_SESSION, type InspectorBridge, type SessionInfo } from '../../../app/bridge/contract';
import { LiveSession } from '../live/live-session';
import { loadPreferences } from './preferences';
import { useUi, type TabSummary, type UiState } from './ui-store';

type SavedView = Pick<UiState, 'view' | 'filterText' | 'filterError' | 'selectedRow' | 'followLive' | 'sort' | 'focusedService' | 'session' | 'jobs' | 'paused'>;

interface Tab {
  readonly id: string;
  readonly session: LiveSession;
  title: string;
  readonly mode: SessionInfo['mode'];
  loading: { read: number; total: number } | undefined;
  saved: SavedView | undefined;
  closed: boolean;
}

/** Events a capture tab may have waiting to be applied before reading the next page. */
const MAX_LOAD_BACKLOG = 60_000;
/** A capture's model holds all its rows, up to this many. */
const MAX_CAPTURE_ROWS = 1_000_000;

/** The live session of this window. */
export const live = new LiveSession({ rowCapacity: loadPreferences().viewRows });
/** The session the views show: the live one or an opened capture. */
export let shown: LiveSession = live;

const tabs: Tab[] = [];
/** Bumped whenever the shown session changed: the version number views re-render on. */
let stamp = 0;

function watch(session: LiveSession): void {
  session.subscribe(() => {
    if (shown === session) useUi.getState().setFrame(++stamp);
  });
}

addTab({ id: LIVE_SESSION, session: live, title: 'Live', mode: 'live' });

function addTab(tab: Pick<Tab, 'id' | 'session' | 'title' | 'mode'> & { loading?: Tab['loading'] }): Tab {
  const added: Tab = { ...tab, loading: tab.loading, saved: undefined, closed: false };
  tabs.push(added);
  watch(added.session);
  publish();
  return added;
}

function publish(): void {
  const summaries: TabSummary[] = tabs.map((tab) => ({ id: tab.id, title: tab.title, mode: tab.mode, loading: tab.loading ? { ...tab.loading } : undefined }));
  useUi.getState().setTabs(summaries);
}

/** The id of the tab shown (the session id the bridge knows it by). */
export function shownTabId(): string {
  return useUi.getState().activeTab;
}

/** Keeps the live tab's title in step with its session. */
export function setLiveTitle(title: string): void {
  tabs[0]!.title = title;
  publish();
}

export function switchTab(id: string): void {
  const ui = useUi.getState();
  const target = tabs.find((tab) => tab.id === id);
  if (target === undefined || id === ui.activeTab) return;
  const current = tabs.find((tab) => tab.id === ui.activeTab);
  if (current !== undefined) {
    current.saved = {
      view: ui.view,
      filterText: ui.filterText,
      filterError: ui.filterError,
      selectedRow: ui.selectedRow,
      followLive: ui.followLive,
      sort: ui.sort,
      focusedService: ui.focusedService,
      session: ui.session,
      jobs: ui.jobs,
      paused: ui.paused,
    };
  }
  shown = target.session;
  const restored: Partial<UiState> = target.saved ?? {
    view: 'timeline',
    filterText: '',
    filterError: undefined,
    selectedRow: undefined,
    followLive: false,
    sort: undefined,
    focusedService: '',
    jobs: [],
    paused: false,
  };
  stamp++;
  useUi.setState({ ...restored, activeTab: id, frame: stamp, tick: stamp });
}

/** Adds a tab for a capture the host opened, shows it (unless `show` is false), and reads its events in. */
export async function openCaptureTab(bridge: InspectorBridge, info: SessionInfo, show = true): Promise<void> {
  if (tabs.some((tab) => tab.id === info.id)) return;
  const total = info.capture?.events ?? 0;
  const session = new LiveSession({ rowCapacity: Math.min(MAX_CAPTURE_ROWS, Math.max(1024, total)) });
  const tab = addTab({ id: info.id, session, title: info.title, mode: 'capture', loading: { read: 0, total } });
  tab.saved = {
    view: 'timeline',
    filterText: '',
    filterError: undefined,
    selectedRow: undefined,
    followLive: false,
    sort: undefined,
    focusedService: '',
    session: info,
    jobs: [],
    paused: false,
  };
  if (show) switchTab(info.id);
  let fromSeq = 0;
  for (;;) {
    const page = await bridge.readCapture(info.id, fromSeq);
    if (tab.closed) return;
    const last = page.events[page.events.length - 1];
    session.accept({ events: page.events, lastSeq: last?.seq ?? 0 });
    tab.loading = { read: tab.loading!.read + page.events.length, total };
    publish();
    if (page.done) break;
    fromSeq = page.nextSeq;
    // Let the frames apply what is queued before reading more (bounded memory, a responsive window).
    while (session.backlog > MAX_LOAD_BACKLOG && !tab.closed) await nextFrame();
  }
  tab.loading = undefined;
  publish();
}

/** Closes a capture tab (the live tab stays); shows the live tab if it was shown. */
export async function closeCaptureTab(bridge: InspectorBridge, id: string): Promise<void> {
  const index = tabs.findIndex((tab) => tab.id === id);
  if (index <= 0) return;
  const [tab] = tabs.splice(index, 1);
  tab!.closed = true;
  if (shownTabId() === id) {
    useUi.setState({ activeTab: '' });
    switchTab(tabs[Math.min(index, tabs.length - 1)]!.id);
  }
  publish();
  await bridge.closeCapture(id);
}

/** The shown tab's version changed since `last` (for the views that refresh a few times a second). */
export function shownStamp(): number {
  return shown.version + stamp * 1_000_000_000;
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    if (document.visibilityState === 'hidden') setTimeout(resolve, 50);
    else requestAnimationFrame(() => resolve());
  });
}
