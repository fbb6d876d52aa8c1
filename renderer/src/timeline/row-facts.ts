/**
 * Reading one timeline row out of the model's columns, for cells and the detail pane: display
 * names, direction, flags. Cheap enough to call for every visible cell on every frame.
 */
import { NONE, ROW_KINDS, RowFlag, type InspectorModel, type RowKind } from '../../../app/model';
import { EVENT_KINDS, type EventKind } from '../../../app/events/schema';

export type Direction = 'out' | 'in' | 'err' | 'life' | 'output';

export function rowKind(model: InspectorModel, slot: number): RowKind {
  return ROW_KINDS[model.rows.kind[slot]!] ?? 'lifecycle';
}

export function rowEventKind(model: InspectorModel, slot: number): EventKind {
  return EVENT_KINDS[model.rows.eventKind[slot]!] ?? 'message-sent';
}

/** → for client-to-service traffic, ← for service-to-client, ✕ for errors, • for lifecycle. */
export function direction(model: InspectorModel, slot: number): Direction {
  const kind = rowKind(model, slot);
  if (kind === 'error') return 'err';
  if (kind === 'lifecycle') return 'life';
  if (kind === 'output') return 'output';
  const conn = model.connection(model.rows.connection[slot]!);
  if (conn === undefined) return kind === 'reply' ? 'in' : 'out';
  return model.rows.fromPid[slot] === conn.clientPid ? 'out' : 'in';
}

export const DIRECTION_GLYPH: Readonly<Record<Direction, string>> = { out: '→', in: '←', err: '✕', life: '•', output: '›' };

export function endpointName(model: InspectorModel, pid: number): string {
  if (pid === NONE) return '';
  // 0 is what libxpc answers before it knows a connection's peer (the probe passes it on);
  // an imported description text names its one process 0.
  if (pid === 0 && model.process(0) === undefined) return 'peer (pid not known)';
  return `${model.processName(pid)} (${pid})`;
}

export function serviceName(model: InspectorModel, slot: number): string {
  const service = model.rows.service[slot]!;
  const job = model.rows.job[slot]!;
  return model.strings.text(service !== NONE ? service : job);
}

export interface RowFlags {
  readonly sync: boolean;
  readonly boosting: boolean;
  readonly probe: boolean;
  readonly waiting: boolean;
  readonly dropped: boolean;
  readonly failed: boolean;
  readonly error: boolean;
  readonly warning: boolean;
}

export function rowFlags(model: InspectorModel, slot: number): RowFlags {
  const f = model.rows.flags[slot]!;
  const isMessage = model.rows.kind[slot] === 0;
  return {
    sync: (f & RowFlag.sync) !== 0,
    boosting: (f & RowFlag.boosting) !== 0,
    probe: (f & RowFlag.probe) !== 0,
    waiting: isMessage && (f & RowFlag.expectsReply) !== 0 && (f & (RowFlag.answered | RowFlag.failed)) === 0,
    dropped: isMessage && (f & RowFlag.dropped) !== 0,
    failed: (f & RowFlag.failed) !== 0,
    error: (f & RowFlag.error) !== 0,
    warning: (f & RowFlag.warning) !== 0,
  };
}

/** A short description of the message style: sync request, async request, one-way. */
export function messageStyle(model: InspectorModel, slot: number): string {
  const f = model.rows.flags[slot]!;
  if ((f & RowFlag.expectsReply) === 0) return 'one-way';
  return (f & RowFlag.sync) !== 0 ? 'sync request' : 'request';
}
