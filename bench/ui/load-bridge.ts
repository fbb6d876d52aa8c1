/**
 * The bridge the UI benchmark gives the page instead of a host: it streams a synthetic session
 * (app/model/synthetic-session) at a fixed rate through a JSON round trip, as the WebSocket
 * would, or delivers a whole capture at once. Parameters come from `window.__uiBench`.
 */
import type { EventBatch, InspectorBridge, WireEvent } from '../../app/bridge/contract';
import { InspectorModel } from '../../app/model/inspector-model';
import { modelSnapshot } from '../../app/model/snapshot';
import { syntheticSession } from '../../app/model/synthetic-session';

interface LoadParameters {
  readonly mode: 'stream' | 'bulk';
  /** Events per second (stream). */
  readonly rate: number;
  /** Events in total. */
  readonly total: number;
}

interface BenchWindow {
  __uiBench: LoadParameters;
  __uiBenchStats: { generated: number; done: boolean };
  xpcInspector: InspectorBridge;
}

const page = window as unknown as BenchWindow;
const parameters = page.__uiBench;
const stats = { generated: 0, done: false };
page.__uiBenchStats = stats;

function subscribe(onBatch: (batch: EventBatch) => void): () => void {
  const source = syntheticSession({ requests: Number.MAX_SAFE_INTEGER, services: 8, clients: 12, accounting: parameters.mode === 'stream' });
  const send = (count: number): void => {
    const events: WireEvent[] = [];
    for (let i = 0; i < count; i++) events.push(source.next().value as WireEvent);
    stats.generated += count;
    if (stats.generated >= parameters.total) stats.done = true;
    onBatch(JSON.parse(JSON.stringify({ events, lastSeq: events[events.length - 1]!.seq })) as EventBatch);
  };
  if (parameters.mode === 'bulk') {
    const pump = (): void => {
      send(Math.min(4096, parameters.total - stats.generated));
      if (!stats.done) setTimeout(pump, 0);
    };
    setTimeout(pump, 0);
    return () => undefined;
  }
  const started = performance.now();
  // Batches every 12 ms, as the host's event stream sends them.
  const timer = setInterval(() => {
    const due = Math.min(parameters.total, Math.floor(((performance.now() - started) / 1000) * parameters.rate)) - stats.generated;
    if (due > 0) send(due);
    if (stats.done) clearInterval(timer);
  }, 12);
  return () => clearInterval(timer);
}

const session = { id: 'live', mode: parameters.mode === 'bulk' ? 'capture' : 'live', title: 'UI benchmark', startedAtWallMs: Date.now(), paused: false } as const;
/** The benchmark has no host files: capture files and exports are refused. */
const noFiles = (): Promise<never> => Promise.reject(new Error('the UI benchmark has no capture files'));

page.xpcInspector = {
  getSession: async () => session,
  subscribe,
  listJobs: async () => [],
  getSnapshot: async () => modelSnapshot(new InspectorModel()),
  getMessage: async () => undefined,
  clear: async () => undefined,
  setPaused: async () => undefined,
  stopService: async () => undefined,
  sendTestMessage: async () => ({ ok: false, error: 'unavailable', reason: 'the UI benchmark has no broker' }),
  listSessions: async () => [session],
  openCapture: noFiles,
  readCapture: noFiles,
  closeCapture: noFiles,
  exportCapture: noFiles,
  beginTableExport: noFiles,
  appendTableExport: noFiles,
  finishTableExport: noFiles,
  listInterruptedCaptures: async () => [],
  openInterruptedCapture: noFiles,
  dismissInterruptedCapture: noFiles,
};
