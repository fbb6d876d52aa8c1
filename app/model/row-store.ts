/**
 * The timeline's rows, stored column by column in a fixed-capacity ring. A million rows as a
 * million objects would cost seconds of allocation and garbage collection; typed columns cost a
 * few bytes per field and let filters scan with plain indexed reads.
 *
 * Rows are numbered absolutely (0, 1, 2 … for every row ever appended); a row's storage slot is
 * `row % capacity`. When the ring is full, appending overwrites the oldest row: it is "dropped
 * from view" (the capture journal on disk still has its events) and counted.
 */
import type { EventKind } from '../events/schema';
import { EVENT_KINDS } from '../events/schema';

/** What a timeline row shows. */
export type RowKind = 'message' | 'reply' | 'error' | 'lifecycle' | 'output';
export const ROW_KINDS: readonly RowKind[] = ['message', 'reply', 'error', 'lifecycle', 'output'];
export const ROW_KIND_CODE: Readonly<Record<RowKind, number>> = { message: 0, reply: 1, error: 2, lifecycle: 3, output: 4 };

export const EVENT_KIND_CODE: Readonly<Record<EventKind, number>> = Object.fromEntries(
  EVENT_KINDS.map((kind, index) => [kind, index]),
) as Record<EventKind, number>;

/** Bits of the `flags` column. */
export const RowFlag = {
  /** A request: the sender waits for a reply. */
  expectsReply: 1 << 0,
  /** Sent with xpc_connection_send_message_with_reply_sync. */
  sync: 1 << 1,
  /** The send boosted the destination. */
  boosting: 1 << 2,
  /** A request whose reply arrived. */
  answered: 1 << 3,
  /** A request whose reply handler got an error instead of a reply. */
  failed: 1 << 4,
  /** The runtime dropped the message (peer requirement, termination, cancel). */
  dropped: 1 << 5,
  /** Something went wrong here: an error row, a failed or dropped message, a crash, an invalidation. */
  error: 1 << 6,
  delivered: 1 << 7,
  handled: 1 << 8,
  /** The row's event carried a payload (messages) or a full event (lifecycle). */
  hasPayload: 1 << 9,
  /** Worth a look but not an error: throttled launch, long-held transaction, termination imminent. */
  warning: 1 << 10,
  /** The receiver created a reply for this request. */
  replyCreated: 1 << 11,
  /** Seen by the native probe in a real macOS process, not routed by the broker. */
  probe: 1 << 12,
} as const;

/** Every column holds -1 where a row has no value. */
export const NONE = -1;

export interface RowInput {
  readonly seq: number;
  readonly t: number;
  readonly kind: number;
  readonly eventKind: number;
  readonly flags: number;
  readonly fromPid: number;
  readonly toPid: number;
  readonly connection: number;
  readonly message: number;
  readonly inReplyTo: number;
  readonly size: number;
  readonly service: number;
  readonly job: number;
  readonly summary: string;
  readonly payloadWords: string;
  readonly detail: unknown;
}

export const DEFAULT_ROW_CAPACITY = 1_000_000;

export class RowStore {
  readonly capacity: number;
  // Columns, indexed by slot. Allocated once: untouched pages of a large typed array cost nothing.
  readonly seq: Float64Array;
  readonly t: Float64Array;
  readonly kind: Uint8Array;
  readonly eventKind: Uint8Array;
  readonly flags: Uint16Array;
  readonly fromPid: Int32Array;
  readonly toPid: Int32Array;
  readonly connection: Int32Array;
  readonly message: Float64Array;
  readonly inReplyTo: Float64Array;
  /** The related row (request ↔ reply/error, dropped message ↔ its drop notice), absolute. */
  readonly link: Float64Array;
  readonly size: Uint32Array;
  /** Reply latency in ns (on both the request and its reply). */
  readonly latency: Float64Array;
  /** How long the receiving handler ran, ns. */
  readonly handlerNs: Float64Array;
  /** The receiving process's transaction count after this message was delivered (or reply sent). */
  readonly tx: Int32Array;
  /** StringTable indexes. */
  readonly service: Int32Array;
  readonly job: Int32Array;
  readonly summary: string[];
  /**
   * Lower-cased payload words the summary does not show ('' for most rows): free-text search
   * looks in the summary and here.
   */
  readonly payloadWords: string[];
  /** The payload (messages) or the event (other rows); cleared for messages beyond the payload window. */
  readonly detail: unknown[];

  private total = 0;
  private firstRow = 0;
  private evicted = 0;
  private cleared = 0;

  constructor(capacity: number = DEFAULT_ROW_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`row capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.seq = new Float64Array(capacity);
    this.t = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.eventKind = new Uint8Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.fromPid = new Int32Array(capacity);
    this.toPid = new Int32Array(capacity);
    this.connection = new Int32Array(capacity);
    this.message = new Float64Array(capacity);
    this.inReplyTo = new Float64Array(capacity);
    this.link = new Float64Array(capacity);
    this.size = new Uint32Array(capacity);
    this.latency = new Float64Array(capacity);
    this.handlerNs = new Float64Array(capacity);
    this.tx = new Int32Array(capacity);
    this.service = new Int32Array(capacity);
    this.job = new Int32Array(capacity);
    this.summary = [];
    this.payloadWords = [];
    this.detail = [];
  }

  /** Absolute number of the oldest row still held. */
  get first(): number {
    return this.firstRow;
  }

  /** One past the newest row: the number the next row will get. */
  get end(): number {
    return this.total;
  }

  /** Rows currently held. */
  get count(): number {
    return this.total - this.firstRow;
  }

  /** Rows overwritten because the ring was full. */
  get droppedFromView(): number {
    return this.evicted;
  }

  /** Rows removed by clearTimeline. */
  get clearedFromView(): number {
    return this.cleared;
  }

  has(row: number): boolean {
    return row >= this.firstRow && row < this.total;
  }

  slot(row: number): number {
    return row % this.capacity;
  }

  /**
   * Appends a row and returns its absolute number. `onEvict` hears about the row it displaces
   * (before it is overwritten) so indexes pointing at it can be dropped.
   */
  append(row: RowInput, onEvict?: (evictedRow: number, slot: number) => void): number {
    const abs = this.total;
    const s = abs % this.capacity;
    if (abs - this.firstRow >= this.capacity) {
      onEvict?.(this.firstRow, s);
      this.firstRow++;
      this.evicted++;
    }
    this.seq[s] = row.seq;
    this.t[s] = row.t;
    this.kind[s] = row.kind;
    this.eventKind[s] = row.eventKind;
    this.flags[s] = row.flags;
    this.fromPid[s] = row.fromPid;
    this.toPid[s] = row.toPid;
    this.connection[s] = row.connection;
    this.message[s] = row.message;
    this.inReplyTo[s] = row.inReplyTo;
    this.link[s] = NONE;
    this.size[s] = row.size;
    this.latency[s] = NONE;
    this.handlerNs[s] = NONE;
    this.tx[s] = NONE;
    this.service[s] = row.service;
    this.job[s] = row.job;
    this.summary[s] = row.summary;
    this.payloadWords[s] = row.payloadWords;
    this.detail[s] = row.detail;
    this.total = abs + 1;
    return abs;
  }

  /** Forgets every row held so far (they stay numbered; new rows continue the numbering). */
  clear(onEvict?: (evictedRow: number, slot: number) => void): void {
    if (onEvict !== undefined) for (let row = this.firstRow; row < this.total; row++) onEvict(row, row % this.capacity);
    this.cleared += this.total - this.firstRow;
    for (let row = this.firstRow; row < this.total; row++) {
      const s = row % this.capacity;
      this.detail[s] = undefined;
    }
    this.firstRow = this.total;
  }

  /** Binary search over the seq column: the first held row whose seq is ≥ `seq` (end when none). */
  rowAtOrAfterSeq(seq: number): number {
    let lo = this.firstRow;
    let hi = this.total;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.seq[mid % this.capacity]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function hasFlag(flags: number, flag: number): boolean {
  return (flags & flag) !== 0;
}
