/** The timeline view: filter bar, the virtualized table, a draggable splitter and the detail pane. */
import { useRef, type PointerEvent } from 'react';
import { DetailPane } from '../detail/DetailPane';
import { useUi } from '../state/ui-store';
import { FilterBar } from './FilterBar';
import { TimelineTable } from './TimelineTable';

export function TimelineView() {
  const height = useUi((s) => s.detailHeight);
  const setHeight = useUi((s) => s.setDetailHeight);
  const drag = useRef<{ y: number; height: number } | undefined>(undefined);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    drag.current = { y: event.clientY, height };
    event.currentTarget.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (drag.current === undefined) return;
    const next = drag.current.height - (event.clientY - drag.current.y);
    setHeight(Math.round(Math.min(window.innerHeight - 220, Math.max(120, next))));
  };
  const onPointerUp = () => {
    drag.current = undefined;
  };

  return (
    <div className="split">
      <FilterBar />
      <TimelineTable />
      <div className="splitter" role="separator" aria-orientation="horizontal" onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} />
      <div className="detail-host" style={{ height }}>
        <DetailPane />
      </div>
    </div>
  );
}
