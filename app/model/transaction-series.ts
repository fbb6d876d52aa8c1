/**
 * A service's transaction count over time, with its boost count and outstanding replies, plus
 * the marks a chart puts on the time axis (launches, idle exits, crashes, boosts, termination
 * notices, long-held transactions).
 *
 * A busy service changes its count hundreds of thousands of times a second, so the history is
 * kept two ways, both bounded:
 *  - buckets: min/max/last per time bucket covering the whole session; when the buckets run
 *    out, neighbours merge and the bucket width doubles (the chart never loses the start);
 *  - recent: the last few thousand individual changes with their causes, for inspection.
 */
import type { TransactionCause } from '../events/schema';

export type SeriesCause = TransactionCause | 'boost' | 'outstanding' | 'exit';
export const SERIES_CAUSES: readonly SeriesCause[] = [
  'delivery',
  'handler-returned',
  'reply-created',
  'reply-sent',
  'reply-dropped',
  'explicit-begin',
  'explicit-end',
  'process-exit',
  'boost',
  'outstanding',
  'exit',
];
const CAUSE_CODE = new Map<SeriesCause, number>(SERIES_CAUSES.map((cause, index) => [cause, index]));

export type MarkKind =
  | 'launch'
  | 'idle'
  | 'idle-exit'
  | 'exit'
  | 'crash'
  | 'boost-begin'
  | 'boost-end'
  | 'termination-imminent'
  | 'long-held'
  | 'throttled';

export interface SeriesMark {
  readonly t: number;
  readonly kind: MarkKind;
  readonly pid: number;
  readonly detail: string;
}

export interface SeriesSample {
  readonly t: number;
  readonly tx: number;
  readonly boost: number;
  readonly outstanding: number;
  readonly cause: SeriesCause;
  readonly pid: number;
}

export interface SeriesBucket {
  /** Start of the bucket, ns. */
  readonly t: number;
  readonly txMin: number;
  readonly txMax: number;
  readonly txLast: number;
  readonly boostMax: number;
  readonly outstandingMax: number;
  readonly outstandingLast: number;
}

export interface SeriesOptions {
  /** Buckets kept for the whole-session history (default 2048). */
  readonly buckets?: number;
  /** Width of a bucket to start with, ns (default 1 ms). */
  readonly initialBucketNs?: number;
  /** Individual changes kept (default 4096). */
  readonly recent?: number;
  /** Marks kept (default 4096); older ones are dropped first. */
  readonly marks?: number;
}

export class TransactionSeries {
  private readonly bucketCapacity: number;
  private bucketNs: number;
  private origin = NaN;
  private bucketCount = 0;
  private readonly bTxMin: Int32Array;
  private readonly bTxMax: Int32Array;
  private readonly bTxLast: Int32Array;
  private readonly bBoostMax: Int32Array;
  private readonly bOutMax: Int32Array;
  private readonly bOutLast: Int32Array;

  private readonly recentCapacity: number;
  private recentTotal = 0;
  private readonly rT: Float64Array;
  private readonly rTx: Int32Array;
  private readonly rBoost: Int32Array;
  private readonly rOut: Int32Array;
  private readonly rCause: Uint8Array;
  private readonly rPid: Int32Array;

  private readonly markCapacity: number;
  private markList: SeriesMark[] = [];
  /** The boost count the previous change left, carried into buckets without changes. */
  private lastBoost = 0;
  private marksDropped = 0;

  /** Current values (what the last change left). */
  tx = 0;
  boost = 0;
  outstanding = 0;
  /** Highest transaction count ever seen. */
  peakTx = 0;
  lastT = 0;

  constructor(
    readonly job: string,
    options: SeriesOptions = {},
  ) {
    this.bucketCapacity = Math.max(2, options.buckets ?? 2048);
    this.bucketNs = Math.max(1, options.initialBucketNs ?? 1_000_000);
    this.bTxMin = new Int32Array(this.bucketCapacity);
    this.bTxMax = new Int32Array(this.bucketCapacity);
    this.bTxLast = new Int32Array(this.bucketCapacity);
    this.bBoostMax = new Int32Array(this.bucketCapacity);
    this.bOutMax = new Int32Array(this.bucketCapacity);
    this.bOutLast = new Int32Array(this.bucketCapacity);
    this.recentCapacity = Math.max(1, options.recent ?? 4096);
    this.rT = new Float64Array(this.recentCapacity);
    this.rTx = new Int32Array(this.recentCapacity);
    this.rBoost = new Int32Array(this.recentCapacity);
    this.rOut = new Int32Array(this.recentCapacity);
    this.rCause = new Uint8Array(this.recentCapacity);
    this.rPid = new Int32Array(this.recentCapacity);
    this.markCapacity = Math.max(1, options.marks ?? 4096);
  }

  /** Records the new values after a change at time `t`. */
  record(t: number, tx: number, boost: number, outstanding: number, cause: SeriesCause, pid: number): void {
    this.tx = tx;
    this.boost = boost;
    this.outstanding = outstanding;
    if (tx > this.peakTx) this.peakTx = tx;
    this.lastT = Math.max(this.lastT, t);
    const r = this.recentTotal % this.recentCapacity;
    this.rT[r] = t;
    this.rTx[r] = tx;
    this.rBoost[r] = boost;
    this.rOut[r] = outstanding;
    this.rCause[r] = CAUSE_CODE.get(cause) ?? 0;
    this.rPid[r] = pid;
    this.recentTotal++;
    this.bucketize(t, tx, boost, outstanding);
  }

  mark(t: number, kind: MarkKind, pid: number, detail: string): void {
    this.lastT = Math.max(this.lastT, t);
    if (this.markList.length >= this.markCapacity) {
      // Dropping the older half at once keeps appends amortised O(1).
      const drop = Math.ceil(this.markCapacity / 2);
      this.markList = this.markList.slice(drop);
      this.marksDropped += drop;
    }
    this.markList.push({ t, kind, pid, detail });
  }

  get marks(): readonly SeriesMark[] {
    return this.markList;
  }

  get droppedMarks(): number {
    return this.marksDropped;
  }

  /** Changes recorded so far (including those no longer in `recent`). */
  get changes(): number {
    return this.recentTotal;
  }

  /** The last individual changes, oldest first. */
  recent(limit = this.recentCapacity): SeriesSample[] {
    const count = Math.min(limit, this.recentTotal, this.recentCapacity);
    const out: SeriesSample[] = [];
    for (let i = this.recentTotal - count; i < this.recentTotal; i++) {
      const r = i % this.recentCapacity;
      out.push({
        t: this.rT[r]!,
        tx: this.rTx[r]!,
        boost: this.rBoost[r]!,
        outstanding: this.rOut[r]!,
        cause: SERIES_CAUSES[this.rCause[r]!]!,
        pid: this.rPid[r]!,
      });
    }
    return out;
  }

  /** The whole-session history, oldest first. */
  buckets(): SeriesBucket[] {
    const out: SeriesBucket[] = [];
    for (let i = 0; i < this.bucketCount; i++) {
      out.push({
        t: this.origin + i * this.bucketNs,
        txMin: this.bTxMin[i]!,
        txMax: this.bTxMax[i]!,
        txLast: this.bTxLast[i]!,
        boostMax: this.bBoostMax[i]!,
        outstandingMax: this.bOutMax[i]!,
        outstandingLast: this.bOutLast[i]!,
      });
    }
    return out;
  }

  get bucketWidthNs(): number {
    return this.bucketNs;
  }

  /** Time of the first recorded change (NaN before any). */
  get startT(): number {
    return this.origin;
  }

  private bucketize(t: number, tx: number, boost: number, outstanding: number): void {
    if (Number.isNaN(this.origin)) {
      this.origin = t;
    }
    if (t < this.origin) t = this.origin; // out-of-order time stamps land in the first bucket
    let index = Math.floor((t - this.origin) / this.bucketNs);
    while (index >= this.bucketCapacity) {
      this.halve();
      index = Math.floor((t - this.origin) / this.bucketNs);
    }
    // Buckets with no change carry the previous bucket's last values forward.
    while (this.bucketCount <= index) {
      const i = this.bucketCount;
      const prevTx = i > 0 ? this.bTxLast[i - 1]! : tx;
      const prevOut = i > 0 ? this.bOutLast[i - 1]! : outstanding;
      const prevBoost = i > 0 ? this.lastBoost : boost;
      this.bTxMin[i] = prevTx;
      this.bTxMax[i] = prevTx;
      this.bTxLast[i] = prevTx;
      this.bBoostMax[i] = prevBoost;
      this.bOutMax[i] = prevOut;
      this.bOutLast[i] = prevOut;
      this.bucketCount++;
    }
    if (tx < this.bTxMin[index]!) this.bTxMin[index] = tx;
    if (tx > this.bTxMax[index]!) this.bTxMax[index] = tx;
    this.bTxLast[index] = tx;
    if (boost > this.bBoostMax[index]!) this.bBoostMax[index] = boost;
    if (outstanding > this.bOutMax[index]!) this.bOutMax[index] = outstanding;
    this.bOutLast[index] = outstanding;
    this.lastBoost = boost;
  }


  /** Merges neighbouring buckets pairwise; the width doubles. */
  private halve(): void {
    const n = this.bucketCount;
    const merged = Math.ceil(n / 2);
    for (let i = 0; i < merged; i++) {
      const a = 2 * i;
      const b = a + 1;
      if (b < n) {
        this.bTxMin[i] = Math.min(this.bTxMin[a]!, this.bTxMin[b]!);
        this.bTxMax[i] = Math.max(this.bTxMax[a]!, this.bTxMax[b]!);
        this.bTxLast[i] = this.bTxLast[b]!;
        this.bBoostMax[i] = Math.max(this.bBoostMax[a]!, this.bBoostMax[b]!);
        this.bOutMax[i] = Math.max(this.bOutMax[a]!, this.bOutMax[b]!);
        this.bOutLast[i] = this.bOutLast[b]!;
      } else {
        this.bTxMin[i] = this.bTxMin[a]!;
        this.bTxMax[i] = this.bTxMax[a]!;
        this.bTxLast[i] = this.bTxLast[a]!;
        this.bBoostMax[i] = this.bBoostMax[a]!;
        this.bOutMax[i] = this.bOutMax[a]!;
        this.bOutLast[i] = this.bOutLast[a]!;
      }
    }
    this.bucketCount = merged;
    this.bucketNs *= 2;
  }
}
