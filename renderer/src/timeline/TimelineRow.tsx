/**
 * One timeline row. Memoized: while scrolling or streaming, a row already on screen re-renders
 * only when its own columns changed in the model (a reply arrived, a latency was set), when it
 * is selected or unselected, or when the columns change.
 */
import { memo, type MouseEvent } from 'react';
import { shown } from '../state/tabs';
import type { CellRender } from './columns';
import { rowFlags, rowKind } from './row-facts';

export interface VisibleColumn {
  readonly id: string;
  readonly width: number;
  readonly className: string;
  readonly render: CellRender;
  /** Takes the width left over (the last column). */
  readonly grow: boolean;
}

export interface TimelineRowProps {
  readonly row: number;
  readonly odd: boolean;
  readonly top: number;
  readonly width: number;
  readonly selected: boolean;
  readonly related: boolean;
  readonly columns: readonly VisibleColumn[];
  /** Changes whenever the row's data changed; equal stamps mean nothing to redraw. */
  readonly stamp: number;
  readonly onMouseDown: (row: number, event: MouseEvent) => void;
  readonly onDoubleClick: (row: number) => void;
}

export const TimelineRow = memo(function TimelineRow({ row, odd, top, width, selected, related, columns, onMouseDown, onDoubleClick }: TimelineRowProps) {
  const model = shown.model;
  if (!model.rows.has(row)) return null;
  const slot = model.rows.slot(row);
  const kind = rowKind(model, slot);
  const flags = rowFlags(model, slot);
  let className = 'tr';
  if (odd) className += ' odd';
  if (flags.error) className += ' row-error';
  else if (flags.warning) className += ' row-warning';
  if (kind === 'lifecycle') className += ' row-lifecycle';
  else if (kind === 'output') className += ' row-output';
  if (selected) className += ' selected';
  if (related) className += ' related';
  return (
    <div
      className={className}
      role="row"
      data-testid="message-row"
      data-row-kind={kind}
      data-seq={model.rows.seq[slot]}
      aria-selected={selected}
      style={{ transform: `translateY(${top}px)`, width }}
      onMouseDown={(event) => onMouseDown(row, event)}
      onDoubleClick={() => onDoubleClick(row)}
    >
      {columns.map((column) => (
        <div key={column.id} className={`td ${column.className}`} role="gridcell" style={{ width: column.width, flexGrow: column.grow ? 1 : 0 }}>
          {column.render(slot)}
        </div>
      ))}
    </div>
  );
});
