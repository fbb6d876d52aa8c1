/**
 * The composer's state: whether the panel is open, the draft being edited, the outcome of the
 * last send, and the persisted history and templates. Sending goes through the bridge's
 * sendTestMessage: the host sends it as a real client of the broker, so it is real traffic.
 */
import { create } from 'zustand';
import type { SendTestMessageResult } from '../../../app/bridge/contract';
import { formatDuration } from '../../../app/model';
import { getBridge } from '../bridge';
import { messageOf } from '../state/session';
import { checkPayload, formatPayloadError } from './payload-check';
import {
  addToHistory,
  HISTORY_KEY,
  parseHistory,
  parseTemplates,
  putTemplate,
  removeTemplate,
  TEMPLATES_KEY,
  type ComposerDraft,
  type HistoryEntry,
  type Template,
} from './saved-messages';

export type SendState =
  | { readonly status: 'idle' }
  | { readonly status: 'sending'; readonly draft: ComposerDraft }
  | { readonly status: 'done'; readonly draft: ComposerDraft; readonly result: SendTestMessageResult }
  /** The host refused the request itself (bad argument, lost link): nothing was sent. */
  | { readonly status: 'refused'; readonly draft: ComposerDraft; readonly error: string };

export const DEFAULT_PAYLOAD = '{\n  "text": "hello"\n}';

export interface ComposerState {
  open: boolean;
  draft: ComposerDraft;
  send: SendState;
  history: readonly HistoryEntry[];
  templates: readonly Template[];
  /** Bumped when the draft is replaced from outside the editor, so the editor takes focus. */
  loadedAt: number;
}

export interface ComposerActions {
  openComposer(draft?: ComposerDraft): void;
  closeComposer(): void;
  toggleComposer(): void;
  edit(change: Partial<ComposerDraft>): void;
  sendDraft(): Promise<void>;
  restore(draft: ComposerDraft): void;
  saveTemplate(name: string): void;
  deleteTemplate(name: string): void;
  clearHistory(): void;
}

export const useComposer = create<ComposerState & ComposerActions>()((set, get) => ({
  open: false,
  draft: { service: '', privileged: false, mode: 'send-with-reply', processType: 'app', payload: DEFAULT_PAYLOAD },
  send: { status: 'idle' },
  history: parseHistory(readStorage(HISTORY_KEY)),
  templates: parseTemplates(readStorage(TEMPLATES_KEY)),
  loadedAt: 0,

  openComposer: (draft) => set(draft === undefined ? { open: true } : { open: true, draft, send: { status: 'idle' }, loadedAt: get().loadedAt + 1 }),
  closeComposer: () => set({ open: false }),
  toggleComposer: () => set({ open: !get().open }),
  edit: (change) => set({ draft: { ...get().draft, ...change } }),
  restore: (draft) => set({ draft, send: { status: 'idle' }, loadedAt: get().loadedAt + 1 }),

  sendDraft: async () => {
    const { draft, send } = get();
    if (send.status === 'sending') return;
    if (draft.service.trim() === '') {
      set({ send: { status: 'refused', draft, error: 'Choose a service to send to.' } });
      return;
    }
    const check = checkPayload(draft.payload);
    if (!check.ok) {
      set({ send: { status: 'refused', draft, error: `The payload is not a valid message: ${formatPayloadError(check)}` } });
      return;
    }
    const request = { ...draft, service: draft.service.trim() };
    set({ send: { status: 'sending', draft: request } });
    let result: SendTestMessageResult;
    try {
      result = await getBridge().sendTestMessage(request);
    } catch (error) {
      set({ send: { status: 'refused', draft: request, error: messageOf(error) } });
      return;
    }
    const history = addToHistory(get().history, { ...request, sentAtMs: Date.now(), outcome: outcomeLine(request, result), ok: result.ok });
    writeStorage(HISTORY_KEY, history);
    set({ send: { status: 'done', draft: request, result }, history });
  },

  saveTemplate: (name) => {
    const trimmed = name.trim();
    if (trimmed === '') return;
    const templates = putTemplate(get().templates, { ...get().draft, name: trimmed });
    writeStorage(TEMPLATES_KEY, templates);
    set({ templates });
  },
  deleteTemplate: (name) => {
    const templates = removeTemplate(get().templates, name);
    writeStorage(TEMPLATES_KEY, templates);
    set({ templates });
  },
  clearHistory: () => {
    writeStorage(HISTORY_KEY, []);
    set({ history: [] });
  },
}));

/** One line for the history list: "reply in 1.2 ms", "delivered in 300 µs", "Connection invalid". */
export function outcomeLine(draft: ComposerDraft, result: SendTestMessageResult): string {
  const latency = result.latencyNs === undefined ? '' : ` in ${formatDuration(result.latencyNs)}`;
  if (!result.ok) return result.error;
  return draft.mode === 'send' ? `delivered${latency}` : `reply${latency}`;
}

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: unknown): void {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage may be unavailable or full; history and templates then last for this session only.
  }
}
