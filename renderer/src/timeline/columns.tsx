/**
 * The timeline's columns. Cells read the model's typed columns by row slot: a visible window of
 * rows costs a few dozen array reads per cell, never a per-row object.
 */
import type { ReactNode } from 'react';
import type { ColumnDef } from '@tanstack/react-table';
import { formatBytes, formatDuration, formatSessionTime, NONE } from '../../../app/model';
import { shown } from '../state/tabs';
import { DIRECTION_GLYPH, direction, endpointName, messageStyle, rowFlags, rowKind, serviceName } from './row-facts';
import type { SortKey } from './sort-rows';

/** One visible row as react-table sees it. */
export interface RowRef {
  /** Absolute row number. */
  readonly row: number;
  /** Position in the current ordering. */
  readonly index: number;
  readonly start: number;
}

export type CellRender = (slot: number) => ReactNode;

export interface ColumnMeta {
  readonly className?: string;
  readonly sortKey?: SortKey;
  readonly title: string;
  /** Draws the cell from the model's columns; rows call it directly (see TimelineRow). */
  readonly render?: CellRender;
}

/** The meta of a column whose cell is drawn by `render`. */
function drawn(meta: Omit<ColumnMeta, 'render'>, render: CellRender): { meta: ColumnMeta; cell: (context: { row: { original: RowRef } }) => ReactNode } {
  return { meta: { ...meta, render }, cell: ({ row }) => render(shown.model.rows.slot(row.original.row)) };
}

export const TIMELINE_COLUMNS: ColumnDef<RowRef>[] = [
  {
    id: 'seq',
    header: 'No.',
    size: 58,
    minSize: 40,
    ...drawn({ className: 'num faint', sortKey: 'seq', title: 'Event sequence number' }, (slot) => shown.model.rows.seq[slot]),
  },
  {
    id: 'time',
    header: 'Time',
    size: 86,
    minSize: 60,
    ...drawn(
      { className: 'num', sortKey: 'seq', title: 'Seconds since the session started' },
      (slot) => formatSessionTime(shown.model.rows.t[slot]!),
    ),
  },
  {
    id: 'dir',
    header: '',
    size: 26,
    minSize: 22,
    enableResizing: false,
    ...drawn(
      { className: 'center', title: 'Direction: → client to service, ← service to client, ✕ error, • lifecycle' },
      (slot) => {
        const dir = direction(shown.model, slot);
        return <span className={`dir ${dir}`}>{DIRECTION_GLYPH[dir]}</span>;
      },
    ),
  },
  {
    id: 'from',
    header: 'From',
    size: 130,
    minSize: 60,
    ...drawn(
      { sortKey: 'from', title: 'Sending process (pid)' },
      (slot) => endpointName(shown.model, shown.model.rows.fromPid[slot]!) || <span className="faint">runtime</span>),
  },
  {
    id: 'to',
    header: 'To',
    size: 130,
    minSize: 60,
    ...drawn(
      { sortKey: 'to', title: 'Receiving process (pid)' },
      (slot) => endpointName(shown.model, shown.model.rows.toPid[slot]!),
    ),
  },
  {
    id: 'service',
    header: 'Service',
    size: 160,
    minSize: 60,
    ...drawn(
      { sortKey: 'service', title: 'Mach service name (or job label)' },
      (slot) => serviceName(shown.model, slot),
    ),
  },
  {
    id: 'kind',
    header: 'Kind',
    size: 84,
    minSize: 50,
    ...drawn(
      { sortKey: 'kind', title: 'message, reply, error, lifecycle or output' },
      (slot) => {
        const kind = rowKind(shown.model, slot);
        const title = kind === 'message' ? messageStyle(shown.model, slot) : kind;
        return (
          <span className={`badge-kind ${kind}`} title={title}>
            {kind === 'lifecycle' ? 'event' : kind}
          </span>
        );
      },
    ),
  },
  {
    id: 'flags',
    header: 'Flags',
    size: 100,
    minSize: 40,
    ...drawn(
      { title: 'SYNC request · BOOST · WAIT no reply yet · FAIL error instead of reply · DROP dropped · PROBE seen by the native probe' },
      (slot) => {
        const f = rowFlags(shown.model, slot);
        return (
          <span className="flags">
            {f.sync && <span className="flag sync">SYNC</span>}
            {f.boosting && <span className="flag boost">BOOST</span>}
            {f.waiting && <span className="flag waiting">WAIT</span>}
            {f.failed && <span className="flag failed">FAIL</span>}
            {f.dropped && <span className="flag dropped">DROP</span>}
            {f.probe && <span className="flag probe">PROBE</span>}
          </span>
        );
      },
    ),
  },
  {
    id: 'conn',
    header: 'Conn',
    size: 52,
    minSize: 36,
    ...drawn(
      { className: 'num', sortKey: 'conn', title: 'Connection id' },
      (slot) => optional(shown.model.rows.connection[slot]!),
    ),
  },
  {
    id: 'msg',
    header: 'Msg',
    size: 60,
    minSize: 36,
    ...drawn(
      { className: 'num', sortKey: 'msg', title: 'Message id (for errors: the request)' },
      (slot) => {
        const id = shown.model.rows.message[slot]!;
        return id !== NONE ? `#${id}` : shown.model.rows.inReplyTo[slot]! !== NONE ? `↩#${shown.model.rows.inReplyTo[slot]}` : '';
      },
    ),
  },
  {
    id: 'size',
    header: 'Size',
    size: 70,
    minSize: 44,
    ...drawn(
      { className: 'num', sortKey: 'size', title: 'Bytes on the wire' },
      (slot) => (shown.model.rows.kind[slot]! <= 1 ? formatBytes(shown.model.rows.size[slot]!) : ''),
    ),
  },
  {
    id: 'latency',
    header: 'Latency',
    size: 76,
    minSize: 44,
    ...drawn(
      { className: 'num', sortKey: 'latency', title: 'Reply latency (request → reply or error)' },
      (slot) => optionalDuration(shown.model.rows.latency[slot]!),
    ),
  },
  {
    id: 'handler',
    header: 'Handler',
    size: 72,
    minSize: 44,
    ...drawn(
      { className: 'num', sortKey: 'handler', title: 'How long the receiving handler ran' },
      (slot) => optionalDuration(shown.model.rows.handlerNs[slot]!),
    ),
  },
  {
    id: 'tx',
    header: 'Tx',
    size: 44,
    minSize: 30,
    ...drawn(
      { className: 'num', sortKey: 'tx', title: "The receiver's transaction count after delivery (for replies: after sending)" },
      (slot) => optional(shown.model.rows.tx[slot]!),
    ),
  },
  {
    id: 'summary',
    header: 'Summary',
    // Last, and it takes whatever width is left (as Wireshark's Info column).
    size: 260,
    minSize: 120,
    ...drawn(
      { className: 'summary', sortKey: 'summary', title: 'Payload summary, or what happened' },
      (slot) => {
        const text = shown.model.rows.summary[slot]!;
        return rowFlags(shown.model, slot).error && rowKind(shown.model, slot) !== 'message' ? <span className="err-text">{text}</span> : text;
      },
    ),
  },
];

function optional(value: number): string {
  return value === NONE ? '' : String(value);
}

function optionalDuration(ns: number): string {
  return ns === NONE ? '' : formatDuration(ns);
}

export const COLUMN_TITLES: Readonly<Record<string, string>> = Object.fromEntries(
  TIMELINE_COLUMNS.map((column) => [column.id!, typeof column.header === 'string' && column.header !== '' ? column.header : 'Direction']),
);
