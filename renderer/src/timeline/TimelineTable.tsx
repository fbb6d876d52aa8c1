/**
 * The message timeline: a virtualized table over the filter's selection. Only the visible
 * window of rows is handed to react-table (which owns columns, sizing, visibility and the sort
 * state), so the cost per frame does not depend on how many rows are held.
 *
 * Live follow keeps the newest row in view; scrolling up or selecting a row pauses it, and
 * "Jump to live" (or scrolling back to the bottom) resumes it.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import {
  getCoreRowModel,
  useReactTable,
  type ColumnSizingState,
  type SortingState,
  type Updater,
  type VisibilityState,
} from '@tanstack/react-table';
import { NONE } from '../../../app/model';
import { ArrowDownIcon } from '../components/icons';
import { shown } from '../state/tabs';
import { useUi, type SortState } from '../state/ui-store';
import { TIMELINE_COLUMNS, type ColumnMeta, type RowRef } from './columns';
import { ColumnMenu } from './ColumnMenu';
import { useRowOrder } from './row-order';
import { useRowWindow } from './row-window';
import { TimelineRow, type VisibleColumn } from './TimelineRow';

const ROW_HEIGHT = 20;
const HEADER_HEIGHT = 22;

function apply<T>(updater: Updater<T>, value: T): T {
  return typeof updater === 'function' ? (updater as (old: T) => T)(value) : updater;
}

export function TimelineTable() {
  const renderStarted = performance.now();
  const frame = useUi((s) => s.frame);
  const sort = useUi((s) => s.sort);
  const setSort = useUi((s) => s.setSort);
  const hiddenColumns = useUi((s) => s.hiddenColumns);
  // A capture does not grow: its last row is the end, not "live".
  const readOnly = useUi((s) => s.session?.mode === 'capture');
  const columnWidths = useUi((s) => s.columnWidths);
  const setColumnWidths = useUi((s) => s.setColumnWidths);
  const selectedRow = useUi((s) => s.selectedRow);
  const select = useUi((s) => s.select);
  const followLive = useUi((s) => s.followLive);
  const setFollowLive = useUi((s) => s.setFollowLive);
  const filterText = useUi((s) => s.filterText);
  const scrollRef = useRef<HTMLDivElement>(null);
  /** The scroll position as of the latest scroll event. */
  const lastScrollTop = useRef(0);
  /** Where live follow last put the scroll position. */
  const followTop = useRef(0);
  /** The scroll position that shows the newest row, as of the latest follow. */
  const followBottom = useRef(0);
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | undefined>(undefined);

  const sortKey = sort === undefined ? undefined : (TIMELINE_COLUMNS.find((c) => c.id === sort.column)?.meta as ColumnMeta | undefined)?.sortKey;
  const order = useRowOrder(sort, sortKey, frame);

  // Following live, nothing lies below the newest row and what is above scrolls away at once.
  const rowWindow = useRowWindow(scrollRef, order.length, ROW_HEIGHT, HEADER_HEIGHT, followLive ? 2 : 8, followLive);

  const data = useMemo<RowRef[]>(
    () => rowWindow.rows.map((item) => ({ row: order.at(item.index), index: item.index, start: item.top })),
    // frame: the rows at these positions change as the selection grows or is trimmed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rowWindow.rows[0]?.index, rowWindow.rows.length, order, frame],
  );

  const sorting: SortingState = sort === undefined ? [] : [{ id: sort.column, desc: sort.descending }];
  const columnVisibility: VisibilityState = useMemo(() => Object.fromEntries(hiddenColumns.map((id) => [id, false])), [hiddenColumns]);

  const table = useReactTable({
    data,
    columns: TIMELINE_COLUMNS,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (ref) => String(ref.row),
    manualSorting: true,
    // The rows handed over are only the visible window and change every frame; nothing may
    // reset in response (react-table would otherwise queue a state update per render).
    autoResetAll: false,
    enableSortingRemoval: true,
    enableColumnResizing: true,
    columnResizeMode: 'onChange',
    state: { sorting, columnVisibility, columnSizing: columnWidths as ColumnSizingState },
    onSortingChange: (updater) => {
      const next = apply(updater, sorting)[0];
      setSort(next === undefined ? undefined : { column: next.id, descending: next.desc });
    },
    onColumnSizingChange: (updater) => setColumnWidths(apply(updater, columnWidths as ColumnSizingState)),
  });

  // The scroll position is read here, before this render's rows are committed, while the
  // layout is still clean: read after the commit, it would force a layout of the new rows.
  const scrolledTo = scrollRef.current?.scrollTop;
  /** Whether the view was scrolled up (by a user, or a test driving the page) since live follow last moved it. */
  const movedUp = (top: number): boolean => {
    const atBottom = top >= followBottom.current - ROW_HEIGHT * 1.5;
    return !atBottom && top < followTop.current - 2;
  };

  // Live follow: after every frame, show the newest row — unless something scrolled the view up
  // since we last did (a user, or a test driving the page), which ends following.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element === null || !followLive) return;
    if (scrolledTo !== undefined && movedUp(scrolledTo)) {
      setFollowLive(false);
      return;
    }
    // Where the newest row is fully in view follows from the row count: no need to read the
    // scroll height back (the browser clamps the value to the real scroll range).
    const target = rowWindow.bottomOffset;
    followBottom.current = target;
    if (target === followTop.current && scrolledTo === target) return;
    element.scrollTop = target;
    followTop.current = target;
  });

  // How long rendering takes decides how often the stream re-renders (see LiveSession). Run
  // after the follow effect: the layout its scroll write needs belongs to this render's cost.
  useLayoutEffect(() => {
    shown.noteRenderCost(performance.now() - renderStarted);
  });

  const onScroll = useCallback(() => {
    const element = scrollRef.current;
    if (element === null) return;
    const state = useUi.getState();
    const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - ROW_HEIGHT * 1.5;
    if (state.followLive && !atBottom && element.scrollTop < followTop.current - 2) state.setFollowLive(false);
    else if (!state.followLive && atBottom && element.scrollTop > lastScrollTop.current) {
      // Scrolling back down to the newest row resumes following.
      followTop.current = element.scrollTop;
      state.setFollowLive(true);
    }
    lastScrollTop.current = element.scrollTop;
    rowWindow.onScroll(element.scrollTop);
  }, [rowWindow.onScroll]);

  // Jump requests (from the detail pane's request ↔ reply links) scroll the row into view.
  const jumpTarget = useUi((s) => s.selectedRow);
  useEffect(() => {
    if (jumpTarget === undefined || followLive) return;
    const index = order.indexOf(jumpTarget);
    if (index >= 0) rowWindow.scrollToIndex(index);
    // Only when the selection changes, not on every frame.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jumpTarget]);

  const selectedSlot = selectedRow !== undefined && shown.model.rows.has(selectedRow) ? shown.model.rows.slot(selectedRow) : -1;
  const relatedRow = selectedSlot >= 0 ? shown.model.rows.link[selectedSlot]! : NONE;

  const onRowMouseDown = useCallback(
    (row: number, event: MouseEvent) => {
      if (event.button !== 0) return;
      scrollRef.current?.focus({ preventScroll: true });
      select(row);
      setFollowLive(false);
    },
    [select, setFollowLive],
  );

  const onRowDoubleClick = useCallback(
    (row: number) => {
      const link = shown.model.rows.link[shown.model.rows.slot(row)]!;
      if (link !== NONE && shown.model.rows.has(link)) select(link);
    },
    [select],
  );

  const onKeyDown = (event: KeyboardEvent) => {
    if (order.length === 0) return;
    const current = selectedRow === undefined ? -1 : order.indexOf(selectedRow);
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 200) / ROW_HEIGHT) - 1);
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = current < 0 ? 0 : Math.min(order.length - 1, current + 1);
        break;
      case 'ArrowUp':
        next = current < 0 ? order.length - 1 : Math.max(0, current - 1);
        break;
      case 'PageDown':
        next = Math.min(order.length - 1, Math.max(0, current) + page);
        break;
      case 'PageUp':
        next = Math.max(0, current - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = order.length - 1;
        break;
      case 'Enter': {
        if (selectedRow !== undefined) onRowDoubleClick(selectedRow);
        event.preventDefault();
        return;
      }
      case 'Escape':
        select(undefined);
        return;
      default:
        return;
    }
    event.preventDefault();
    setFollowLive(false);
    select(order.at(next));
    rowWindow.scrollToIndex(next);
  };

  const leafColumns = table.getVisibleLeafColumns();
  const layoutKey = leafColumns.map((c) => `${c.id}:${c.getSize()}`).join(',');
  const visibleColumns = useMemo<VisibleColumn[]>(
    () =>
      leafColumns.map((c, i) => {
        const meta = c.columnDef.meta as ColumnMeta;
        return { id: c.id, width: c.getSize(), className: meta.className ?? '', render: meta.render!, grow: i === leafColumns.length - 1 };
      }),
    // The columns' identity changes every render; their ids and widths are what matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [layoutKey],
  );
  // Columns read the model directly (no accessor), so the sort cycle is driven here:
  // ascending, descending, off; react-table keeps the state for the headers.
  const toggleSort = (column: string) => {
    const next: SortState | undefined =
      sort?.column !== column ? { column, descending: false } : !sort.descending ? { column, descending: true } : undefined;
    setSort(next);
    // A sorted table is read from the top; following the newest row only makes sense in arrival order.
    if (next !== undefined) {
      setFollowLive(false);
      if (scrollRef.current !== null) scrollRef.current.scrollTop = 0;
    }
  };
  const headerGroup = table.getHeaderGroups()[0]!;
  const totalWidth = table.getTotalSize();
  const rowModel = table.getRowModel();

  return (
    <div className="timeline-wrap">
      <div className="table-scroll" ref={scrollRef} onScroll={onScroll} tabIndex={0} onKeyDown={onKeyDown} data-testid="timeline" role="grid" aria-rowcount={order.length}>
        <div className="grid-header" role="row" style={{ width: totalWidth }} onContextMenu={(event) => {
          event.preventDefault();
          setMenuAt({ x: event.clientX, y: event.clientY });
        }}>
          {headerGroup.headers.map((header, i) => {
            const meta = header.column.columnDef.meta as ColumnMeta | undefined;
            const sorted = header.column.getIsSorted();
            const sortable = meta?.sortKey !== undefined;
            return (
              <div
                key={header.id}
                role="columnheader"
                className={`th ${sortable ? 'sortable' : ''} ${sorted ? 'sorted' : ''} ${meta?.className?.includes('num') ? 'right' : ''}`}
                style={{ width: header.getSize(), flexGrow: i === headerGroup.headers.length - 1 ? 1 : 0 }}
                title={meta?.title}
                aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                onClick={sortable ? () => toggleSort(header.column.id) : undefined}
              >
                <span>{typeof header.column.columnDef.header === 'string' ? header.column.columnDef.header : ''}</span>
                {sorted && <span className="sort-arrow">{sorted === 'asc' ? '▲' : '▼'}</span>}
                {header.column.getCanResize() && (
                  <div
                    className={`resizer ${header.column.getIsResizing() ? 'resizing' : ''}`}
                    onMouseDown={header.getResizeHandler()}
                    onClick={(event) => event.stopPropagation()}
                    onDoubleClick={() => header.column.resetSize()}
                  />
                )}
              </div>
            );
          })}
        </div>
        <div className="grid-body" style={{ height: rowWindow.totalHeight, width: totalWidth }}>
          {rowModel.rows.map((tableRow, position) => {
            const ref = tableRow.original;
            return (
              <TimelineRow
                // Following live, the window moves by many rows a frame: its row elements are
                // kept and given new rows (keyed by position) instead of being replaced. Scrolled,
                // a row keeps its element while it stays on screen (keyed by row).
                key={followLive ? `at${position}` : ref.row}
                row={ref.row}
                odd={ref.index % 2 === 1}
                top={ref.start}
                width={totalWidth}
                selected={ref.row === selectedRow}
                related={ref.row === relatedRow}
                columns={visibleColumns}
                stamp={shown.rowChanged(ref.row) ? frame : 0}
                onMouseDown={onRowMouseDown}
                onDoubleClick={onRowDoubleClick}
              />
            );
          })}
        </div>
        {order.length === 0 && (
          <div className="empty-state">
            {filterText.trim() !== '' && shown.model.rows.count > 0 ? (
              <>
                <div className="title">No rows match the filter</div>
                <div>{shown.model.rows.count.toLocaleString('en')} rows are hidden by “{filterText}”.</div>
              </>
            ) : (
              <>
                <div className="title">Waiting for XPC traffic…</div>
                <div>Messages, replies and lifecycle events appear here as they happen.</div>
              </>
            )}
          </div>
        )}
      </div>
      {!followLive && (
        <button
          type="button"
          className="jump-live"
          data-testid="jump-to-live"
          onClick={() => {
            // Live means arrival order: a sort is dropped.
            setSort(undefined);
            // Land on the newest row first, so the follow effect does not read the old position as the user scrolling up.
            const element = scrollRef.current;
            if (element !== null) {
              element.scrollTop = element.scrollHeight;
              followTop.current = element.scrollTop;
            }
            setFollowLive(true);
            select(undefined);
          }}
        >
          <ArrowDownIcon size={12} /> {readOnly ? 'Jump to end' : 'Jump to live'}
        </button>
      )}
      {menuAt !== undefined && <ColumnMenu at={menuAt} onClose={() => setMenuAt(undefined)} />}
    </div>
  );
}
