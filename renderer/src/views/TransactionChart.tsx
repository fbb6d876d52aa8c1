/**
 * One service's transaction count over time as an SVG step chart: the count (with its min–max
 * range where buckets merge many changes), outstanding replies (dashed), boosts as a shaded
 * band, and marks on the time axis for launches, idle, idle exits, crashes, termination notices
 * and long-held transactions. Hovering shows the values at that moment.
 */
import { useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { formatDuration, formatSessionTime, type SeriesMark, type TransactionSeries } from '../../../app/model';

const HEIGHT = 150;
const PAD = { left: 36, right: 12, top: 14, bottom: 20 };

interface Point {
  readonly t: number;
  readonly tx: number;
  readonly txMin: number;
  readonly txMax: number;
  readonly boost: number;
  readonly outstanding: number;
}

const MARK_GLYPH: Readonly<Record<string, string>> = {
  launch: '▲',
  idle: '○',
  'idle-exit': '◆',
  exit: '■',
  crash: '✕',
  'termination-imminent': '!',
  'long-held': '◔',
  throttled: '‖',
};

export function TransactionChart({ series, start, end }: { readonly series: TransactionSeries; readonly start: number; readonly end: number }) {
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<{ x: number; t: number } | undefined>(undefined);

  useLayoutEffect(() => {
    const element = wrap.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, element.clientWidth - 12)));
    observer.observe(element);
    setWidth(Math.max(200, element.clientWidth - 12));
    return () => observer.disconnect();
  }, []);

  const points = useMemo(() => chartPoints(series, start, end), [series, start, end, series.changes]);
  const marks = series.marks.filter((m) => m.t >= start && m.t <= end && m.kind !== 'boost-begin' && m.kind !== 'boost-end');
  const yMax = niceMax(Math.max(1, ...points.map((p) => Math.max(p.txMax, p.outstanding))));
  const span = Math.max(1, end - start);
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - start) / span) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  // One mark of a kind per few pixels is all the eye can tell apart.
  const shownMarks = thin(marks, x);

  const txPath = stepPath(points, (p) => p.tx, x, y, end);
  const outPath = stepPath(points, (p) => p.outstanding, x, y, end);
  const areaPath = txPath === '' ? '' : `${txPath} L${x(end).toFixed(1)},${y(0)} L${x(points[0]!.t).toFixed(1)},${y(0)} Z`;
  const ranges = points.filter((p) => p.txMax > p.txMin);
  const boosts = boostBands(points, end);

  const onMove = (event: MouseEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const px = event.clientX - rect.left;
    if (px < PAD.left || px > width - PAD.right) return setHover(undefined);
    setHover({ x: px, t: start + ((px - PAD.left) / plotW) * span });
  };

  const at = hover === undefined ? undefined : valueAt(points, hover.t);
  const nearMarks = hover === undefined ? [] : marks.filter((m) => Math.abs(x(m.t) - hover.x) <= 5);
  const ticks = timeTicks(start, end, Math.max(2, Math.floor(plotW / 110)));

  return (
    <div className="chart-wrap" ref={wrap}>
      <svg className="chart" width={width} height={HEIGHT} onMouseMove={onMove} onMouseLeave={() => setHover(undefined)} data-testid="transaction-chart" data-service={series.job} role="img" aria-label={`Transactions of ${series.job} over time`}>
        <g className="axis">
          {[0, yMax / 2, yMax].map((v) => (
            <g key={v}>
              <line className="grid-line" x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} />
              <text x={PAD.left - 6} y={y(v) + 3} textAnchor="end">
                {Number.isInteger(v) ? v : v.toFixed(1)}
              </text>
            </g>
          ))}
          {ticks.map((t) => (
            <text key={t} x={x(t)} y={HEIGHT - 5} textAnchor="middle">
              {formatTick(t, span)}
            </text>
          ))}
        </g>
        {boosts.map(([from, to], i) => (
          <rect key={i} className="boost-band" x={x(from)} y={PAD.top} width={Math.max(1, x(to) - x(from))} height={plotH} />
        ))}
        {ranges.map((p, i) => (
          <rect key={i} className="tx-range" x={x(p.t)} y={y(p.txMax)} width={Math.max(1, (plotW * series.bucketWidthNs) / span)} height={Math.max(1, y(p.txMin) - y(p.txMax))} />
        ))}
        {areaPath !== '' && <path className="tx-area" d={areaPath} />}
        {txPath !== '' && <path className="tx-line" d={txPath} />}
        {outPath !== '' && points.some((p) => p.outstanding > 0) && <path className="outstanding-line" d={outPath} />}
        {shownMarks.map((mark, i) => (
          <MarkLine key={i} mark={mark} x={x(mark.t)} top={PAD.top} bottom={PAD.top + plotH} />
        ))}
        {hover !== undefined && <line className="hover-line" x1={hover.x} x2={hover.x} y1={PAD.top} y2={PAD.top + plotH} />}
      </svg>
      {hover !== undefined && at !== undefined && (
        <div className="chart-tooltip" style={{ left: Math.min(hover.x + 14, width - 260), top: 8 }}>
          <div className="muted num">{formatSessionTime(hover.t)} s</div>
          <div>
            Transactions <strong className="num">{at.tx}</strong>
            {at.txMax > at.txMin && (
              <span className="faint num">
                {' '}
                (range {at.txMin}–{at.txMax})
              </span>
            )}
          </div>
          <div>
            Awaiting reply <strong className="num">{at.outstanding}</strong> · Boost <strong className="num">{at.boost}</strong>
          </div>
          {nearMarks.map((mark, i) => (
            <div key={i} className={mark.kind === 'crash' ? 'reason' : 'muted'}>
              {MARK_GLYPH[mark.kind] ?? '•'} {mark.detail}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function MarkLine({ mark, x, top, bottom }: { readonly mark: SeriesMark; readonly x: number; readonly top: number; readonly bottom: number }) {
  // Idle notices are frequent and routine: a small dot on the time axis, not a full line.
  if (mark.kind === 'idle') {
    return (
      <g className={`mark ${mark.kind}`}>
        <title>{`${formatSessionTime(mark.t)} s — ${mark.detail}`}</title>
        <circle cx={x} cy={bottom} r={2} />
      </g>
    );
  }
  return (
    <g className={`mark ${mark.kind}`}>
      <title>{`${formatSessionTime(mark.t)} s — ${mark.detail}`}</title>
      <line className="mark-line" x1={x} x2={x} y1={top} y2={bottom} />
      <text x={x} y={top - 3} textAnchor="middle" fontSize="9" stroke="none">
        {MARK_GLYPH[mark.kind] ?? '•'}
      </text>
    </g>
  );
}

/** Exact changes when the recent ones cover the window, else the whole-session buckets. */
function chartPoints(series: TransactionSeries, start: number, end: number): Point[] {
  const recent = series.recent();
  if (recent.length > 0 && (recent[0]!.t <= start || recent.length === series.changes)) {
    const points: Point[] = [];
    let before: Point | undefined;
    for (const s of recent) {
      const p = { t: s.t, tx: s.tx, txMin: s.tx, txMax: s.tx, boost: s.boost, outstanding: s.outstanding };
      if (s.t < start) before = { ...p, t: start };
      else if (s.t <= end) points.push(p);
    }
    return before !== undefined ? [before, ...points] : points;
  }
  const points: Point[] = [];
  let before: Point | undefined;
  for (const b of series.buckets()) {
    const p = { t: b.t, tx: b.txLast, txMin: b.txMin, txMax: b.txMax, boost: b.boostMax, outstanding: b.outstandingLast };
    if (b.t < start) before = { ...p, t: start, txMin: p.tx, txMax: p.tx };
    else if (b.t <= end) points.push(p);
  }
  return before !== undefined ? [before, ...points] : points;
}

function stepPath(points: readonly Point[], value: (p: Point) => number, x: (t: number) => number, y: (v: number) => number, end: number): string {
  if (points.length === 0) return '';
  let d = `M${x(points[0]!.t).toFixed(1)},${y(value(points[0]!)).toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    d += ` H${x(points[i]!.t).toFixed(1)} V${y(value(points[i]!)).toFixed(1)}`;
  }
  return `${d} H${x(end).toFixed(1)}`;
}

function boostBands(points: readonly Point[], end: number): [number, number][] {
  const bands: [number, number][] = [];
  let from: number | undefined;
  for (const p of points) {
    if (p.boost > 0 && from === undefined) from = p.t;
    else if (p.boost === 0 && from !== undefined) {
      bands.push([from, p.t]);
      from = undefined;
    }
  }
  if (from !== undefined) bands.push([from, end]);
  return bands;
}

function valueAt(points: readonly Point[], t: number): Point | undefined {
  let found: Point | undefined;
  for (const p of points) {
    if (p.t > t) break;
    found = p;
  }
  return found;
}

function thin(marks: readonly SeriesMark[], x: (t: number) => number): SeriesMark[] {
  const lastX = new Map<string, number>();
  const out: SeriesMark[] = [];
  for (const mark of marks) {
    const px = x(mark.t);
    const previous = lastX.get(mark.kind);
    if (previous !== undefined && px - previous < 3 && mark.kind !== 'crash') continue;
    lastX.set(mark.kind, px);
    out.push(mark);
  }
  return out;
}

function niceMax(value: number): number {
  if (value <= 4) return Math.max(2, Math.ceil(value));
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function timeTicks(start: number, end: number, count: number): number[] {
  const span = end - start;
  if (span <= 0) return [start];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

function formatTick(t: number, span: number): string {
  const seconds = t / 1e9;
  if (span >= 10e9) return `${seconds.toFixed(0)} s`;
  if (span >= 1e9) return `${seconds.toFixed(1)} s`;
  if (span >= 1e6) return formatDuration(t);
  return `${(t / 1e3).toFixed(0)} µs`;
}
