/**
 * The order the timeline shows its selected rows in: arrival order straight from the filter's
 * row list, or a sorted copy. Sorting a million rows takes a few hundred milliseconds, so while
 * rows stream in, a sorted order is refreshed at most every few multiples of what the last sort
 * cost (never more often than twice a second).
 */
import { useEffect, useRef, useState } from 'react';
import type { RowList } from '../../../app/filter';
import { shown } from '../state/tabs';
import type { SortState } from '../state/ui-store';
import { sortRows, type SortKey } from './sort-rows';

export interface RowOrder {
  readonly length: number;
  /** Absolute row at position i. */
  at(i: number): number;
  /** Position of an absolute row, or -1. */
  indexOf(row: number): number;
  readonly sorted: boolean;
}

function arrivalOrder(list: RowList): RowOrder {
  return { length: list.length, at: (i) => list.at(i), indexOf: (row) => list.indexOf(row), sorted: false };
}

function sortedOrder(rows: Float64Array): RowOrder {
  return { length: rows.length, at: (i) => rows[i]!, indexOf: (row) => rows.indexOf(row), sorted: true };
}

interface SortCache {
  readonly key: string;
  readonly rows: Float64Array;
  readonly at: number;
  readonly cost: number;
  readonly version: number;
}

const MIN_REFRESH_MS = 500;

export function useRowOrder(sort: SortState | undefined, sortKey: SortKey | undefined, version: number): RowOrder {
  const cache = useRef<SortCache | undefined>(undefined);
  const [, force] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  if (sort === undefined || sortKey === undefined || (sortKey === 'seq' && !sort.descending)) {
    cache.current = undefined;
    return arrivalOrder(shown.timeline.rows);
  }
  const key = `${sortKey}:${sort.descending}`;
  const now = performance.now();
  const current = cache.current;
  const wait = current === undefined ? 0 : Math.max(MIN_REFRESH_MS, current.cost * 5) - (now - current.at);
  if (current === undefined || current.key !== key || (current.version !== version && wait <= 0)) {
    const started = performance.now();
    const rows = sortRows(shown.model, shown.timeline.rows.view(), sortKey, sort.descending);
    cache.current = { key, rows, at: performance.now(), cost: performance.now() - started, version };
  } else if (current.version !== version && timer.current === undefined) {
    // Newer rows are waiting; come back when the refresh interval has passed.
    timer.current = setTimeout(() => {
      timer.current = undefined;
      force((n) => n + 1);
    }, wait);
  }
  return sortedOrder(cache.current!.rows);
}
