/**
 * Which timeline rows are on screen. Every row has the same height, so the window is plain
 * arithmetic on the scroll offset: O(1) however many rows there are. (A general virtualizer
 * keeps a measurement per row and rebuilds it whenever the row count changes — a million rows
 * growing every frame would cost more than everything else on screen.)
 */
import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';

export interface WindowRow {
  readonly index: number;
  /** Offset of the row's top inside the scrolled content (below the header). */
  readonly top: number;
}

export interface RowWindow {
  readonly rows: readonly WindowRow[];
  /** Height of all rows together. */
  readonly totalHeight: number;
  /** Where the newest row is fully in view. */
  readonly bottomOffset: number;
  /** Call from the scroll container's scroll handler. */
  onScroll(scrollTop: number): void;
  /** Scrolls just enough to show row `index`. */
  scrollToIndex(index: number): void;
  readonly viewportHeight: number;
}

export function useRowWindow(
  scrollRef: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  headerHeight: number,
  overscan: number,
  pinnedToBottom: boolean,
): RowWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(600);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setViewportHeight(element.clientHeight));
    observer.observe(element);
    setViewportHeight(element.clientHeight);
    return () => observer.disconnect();
  }, [scrollRef]);

  const totalHeight = count * rowHeight;
  const bottomOffset = Math.max(0, headerHeight + totalHeight - viewportHeight);
  // Pinned to the newest row, the window is where the scroll position is about to be.
  const offset = pinnedToBottom ? bottomOffset : Math.min(scrollTop, bottomOffset);
  const first = Math.max(0, Math.floor((offset - headerHeight) / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((offset + viewportHeight) / rowHeight) + overscan);
  const rows: WindowRow[] = [];
  for (let index = first; index < last; index++) rows.push({ index, top: index * rowHeight });

  // Pinned, the window does not depend on the scroll position: the scroll events that
  // following itself causes (one per frame while streaming) need no render of their own.
  const pinned = useRef(pinnedToBottom);
  pinned.current = pinnedToBottom;
  const latestTop = useRef(0);
  const onScroll = useCallback((top: number) => {
    latestTop.current = top;
    if (pinned.current) return;
    // Rendered before the browser paints the new position, so fast scrolling shows no gaps.
    flushSync(() => setScrollTop(top));
  }, []);
  // Unpinned again: start from where the view really is (re-rendered before it is painted).
  useLayoutEffect(() => {
    if (!pinnedToBottom) setScrollTop(latestTop.current);
  }, [pinnedToBottom]);

  const scrollToIndex = useCallback(
    (index: number) => {
      const element = scrollRef.current;
      if (element === null) return;
      const rowTop = headerHeight + index * rowHeight;
      const visibleTop = element.scrollTop + headerHeight;
      const visibleBottom = element.scrollTop + element.clientHeight;
      if (rowTop < visibleTop) element.scrollTop = rowTop - headerHeight;
      else if (rowTop + rowHeight > visibleBottom) element.scrollTop = rowTop + rowHeight - element.clientHeight;
    },
    [scrollRef, headerHeight, rowHeight],
  );

  return { rows, totalHeight, bottomOffset, onScroll, scrollToIndex, viewportHeight };
}
