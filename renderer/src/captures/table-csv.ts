/**
 * The timeline table as CSV, as the user sees it: the visible columns in their order, the rows
 * the filter keeps in the current sort order, cell text as the cells show it. Records are
 * produced in chunks, so a million rows never become one string.
 */
import { csvRecord, type CsvCell } from '../../../app/capture/csv';
import { formatBytes, formatDuration, formatSessionTime, NONE, type InspectorModel } from '../../../app/model';
import { COLUMN_TITLES, TIMELINE_COLUMNS, type ColumnMeta } from '../timeline/columns';
import { DIRECTION_GLYPH, direction, endpointName, rowFlags, rowKind, serviceName } from '../timeline/row-facts';
import { sortRows } from '../timeline/sort-rows';
import type { SortState } from '../state/ui-store';

type CellText = (model: InspectorModel, slot: number) => CsvCell;

const optional = (value: number): CsvCell => (value === NONE ? '' : value);
const optionalDuration = (ns: number): string => (ns === NONE ? '' : formatDuration(ns));

/** Per column id: the cell's text. */
const CELL_TEXT: Readonly<Record<string, CellText>> = {
  seq: (m, s) => m.rows.seq[s],
  time: (m, s) => formatSessionTime(m.rows.t[s]!),
  dir: (m, s) => DIRECTION_GLYPH[direction(m, s)],
  from: (m, s) => endpointName(m, m.rows.fromPid[s]!) || 'runtime',
  to: (m, s) => endpointName(m, m.rows.toPid[s]!),
  service: (m, s) => serviceName(m, s),
  kind: (m, s) => {
    const kind = rowKind(m, s);
    return kind === 'lifecycle' ? 'event' : kind;
  },
  flags: (m, s) => {
    const f = rowFlags(m, s);
    return [f.sync && 'SYNC', f.boosting && 'BOOST', f.waiting && 'WAIT', f.failed && 'FAIL', f.dropped && 'DROP'].filter(Boolean).join(' ');
  },
  conn: (m, s) => optional(m.rows.connection[s]!),
  msg: (m, s) => {
    const id = m.rows.message[s]!;
    return id !== NONE ? `#${id}` : m.rows.inReplyTo[s]! !== NONE ? `↩#${m.rows.inReplyTo[s]}` : '';
  },
  size: (m, s) => (m.rows.kind[s]! <= 1 ? formatBytes(m.rows.size[s]!) : ''),
  latency: (m, s) => optionalDuration(m.rows.latency[s]!),
  handler: (m, s) => optionalDuration(m.rows.handlerNs[s]!),
  tx: (m, s) => optional(m.rows.tx[s]!),
  summary: (m, s) => m.rows.summary[s],
};

export interface TableView {
  readonly model: InspectorModel;
  /** Absolute row numbers in arrival order. */
  readonly rows: Float64Array;
  readonly hiddenColumns: readonly string[];
  readonly sort: SortState | undefined;
}

/** The visible columns, in table order. */
export function visibleColumns(hidden: readonly string[]): string[] {
  return TIMELINE_COLUMNS.map((column) => column.id!).filter((id) => !hidden.includes(id) && CELL_TEXT[id] !== undefined);
}

/** The CSV text in chunks of about `chunkChars` characters: the header record, then one record per row. */
export function* tableCsvChunks(view: TableView, chunkChars: number): Generator<string> {
  const columns = visibleColumns(view.hiddenColumns);
  const cells = columns.map((id) => CELL_TEXT[id]!);
  const order = rowOrder(view);
  const { model } = view;
  let chunk = csvRecord(columns.map((id) => COLUMN_TITLES[id] ?? id));
  const record: CsvCell[] = new Array<CsvCell>(cells.length);
  for (let i = 0; i < order.length; i++) {
    const slot = model.rows.slot(order.at(i));
    for (let c = 0; c < cells.length; c++) record[c] = cells[c]!(model, slot);
    chunk += csvRecord(record);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Every row the model holds, in arrival order. */
export function allRows(model: InspectorModel): Float64Array {
  const rows = new Float64Array(model.rows.count);
  for (let i = 0; i < rows.length; i++) rows[i] = model.rows.first + i;
  return rows;
}

/** The rows in the order the table shows them. */
function rowOrder(view: TableView): { readonly length: number; at(i: number): number } {
  const sortKey = view.sort ? (TIMELINE_COLUMNS.find((column) => column.id === view.sort!.column)?.meta as ColumnMeta | undefined)?.sortKey : undefined;
  const rows = view.sort === undefined || sortKey === undefined || (sortKey === 'seq' && !view.sort.descending) ? view.rows : sortRows(view.model, view.rows, sortKey, view.sort.descending);
  return { length: rows.length, at: (i) => rows[i]! };
}
