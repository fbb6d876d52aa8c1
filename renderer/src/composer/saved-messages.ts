/**
 * The composer's memory: the history of sent messages (newest first, capped) and named
 * templates. Stored as JSON in localStorage; what comes back is checked field by field, so a
 * stale or hand-edited entry is dropped instead of breaking the composer.
 */
import type { SendTestMessageRequest } from '../../../app/bridge/contract';

/** What the composer sends: a bridge request without the timeout. */
export type ComposerDraft = Omit<SendTestMessageRequest, 'timeoutMs'>;
export type SendMode = ComposerDraft['mode'];
export type ClientIdentity = ComposerDraft['processType'];

export interface HistoryEntry extends ComposerDraft {
  readonly sentAtMs: number;
  /** One line: "reply in 1.2 ms", "Connection invalid". */
  readonly outcome: string;
  readonly ok: boolean;
}

export interface Template extends ComposerDraft {
  readonly name: string;
}

export const HISTORY_LIMIT = 50;
export const HISTORY_KEY = 'xpc-inspector.composer.history.v1';
export const TEMPLATES_KEY = 'xpc-inspector.composer.templates.v1';

const MODES: readonly SendMode[] = ['send', 'send-with-reply', 'sync'];
const IDENTITIES: readonly ClientIdentity[] = ['app', 'background'];

/** The newest entry first; older ones beyond the limit fall off. */
export function addToHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...history].slice(0, HISTORY_LIMIT);
}

/** Adds a template, replacing one of the same name; the list stays sorted by name. */
export function putTemplate(templates: readonly Template[], template: Template): Template[] {
  return [...templates.filter((t) => t.name !== template.name), template].sort((a, b) => a.name.localeCompare(b.name));
}

export function removeTemplate(templates: readonly Template[], name: string): Template[] {
  return templates.filter((t) => t.name !== name);
}

export function parseHistory(text: string | null): HistoryEntry[] {
  return parseList(text, (item) => {
    const draft = asDraft(item);
    if (draft === undefined) return undefined;
    const { sentAtMs, outcome, ok } = item;
    if (typeof sentAtMs !== 'number' || !Number.isFinite(sentAtMs) || typeof outcome !== 'string' || typeof ok !== 'boolean') return undefined;
    return { ...draft, sentAtMs, outcome, ok };
  }).slice(0, HISTORY_LIMIT);
}

export function parseTemplates(text: string | null): Template[] {
  const templates = parseList(text, (item) => {
    const draft = asDraft(item);
    if (draft === undefined || typeof item.name !== 'string' || item.name.trim() === '') return undefined;
    return { ...draft, name: item.name };
  });
  // One template per name, the last one stored wins (as putTemplate would have left it).
  return templates.reduce<Template[]>((list, template) => putTemplate(list, template), []);
}

function parseList<T>(text: string | null, read: (item: Record<string, unknown>) => T | undefined): T[] {
  if (text === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: T[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const value = read(item as Record<string, unknown>);
    if (value !== undefined) out.push(value);
  }
  return out;
}

function asDraft(item: Record<string, unknown>): ComposerDraft | undefined {
  const { service, privileged, mode, processType, payload } = item;
  if (typeof service !== 'string' || typeof payload !== 'string' || typeof privileged !== 'boolean') return undefined;
  if (!MODES.includes(mode as SendMode) || !IDENTITIES.includes(processType as ClientIdentity)) return undefined;
  return { service, privileged, mode: mode as SendMode, processType: processType as ClientIdentity, payload };
}
