/**
 * Fans the host's event log out to subscribers (renderer windows, WebSocket clients) in
 * batches. Every subscriber has a cursor, the next seq it needs: a flush sends it everything
 * the log holds from that cursor on, so a new subscriber gets the backlog first and live
 * events after it with no gap and no duplicate, and a slow subscriber simply catches up later.
 *
 * Batching bounds the number of deliveries: events are flushed on a short timer (default
 * 12 ms) or as soon as a full batch is waiting. Pausing freezes what subscribers see at the
 * seq where it happened; events keep arriving into the log and are flushed on resume, so none
 * are lost as long as the log's capacity holds them.
 */
import type { EventBatch, Unsubscribe, WireEvent } from '../../app/bridge/contract';
import { EventLog } from './event-log';

export interface EventStreamOptions {
  /** How many recent events are kept for replay and for paused subscribers (default 200 000). */
  readonly backlogCapacity?: number;
  /** Longest a live event waits before it is sent (default 12 ms). */
  readonly batchIntervalMs?: number;
  /** Most events in one batch; a full batch is sent without waiting for the timer (default 4096). */
  readonly maxBatchEvents?: number;
  /** Where a subscriber's exception is reported (default console.warn). */
  readonly log?: (line: string) => void;
  /** Holds events back until they may be shown (the live journal: until their bytes are written). */
  readonly gate?: VisibilityGate;
}

/** How far subscribers may see: events past `through` wait until it advances. */
export interface VisibilityGate {
  readonly through: number;
  /** Called whenever `through` may have advanced. */
  onAdvance(listener: () => void): () => void;
}

export interface SubscribeOptions {
  /** First seq wanted; earlier events are not sent. Default: everything the log holds. */
  readonly fromSeq?: number;
  /**
   * Transport backpressure: while this returns false the subscriber is skipped and retried on
   * the next tick; its cursor stays where it was, so nothing is skipped.
   */
  readonly canSend?: () => boolean;
}

interface Subscriber {
  readonly sink: (batch: EventBatch) => void;
  readonly canSend: () => boolean;
  /** The next seq this subscriber needs. */
  cursor: number;
  /** Whether the first (replay) batch has gone out; it is sent even when empty. */
  greeted: boolean;
}

export const DEFAULT_BACKLOG_CAPACITY = 200_000;
export const DEFAULT_BATCH_INTERVAL_MS = 12;
export const DEFAULT_MAX_BATCH_EVENTS = 4096;

export class EventStream {
  private readonly log: EventLog;
  private readonly batchIntervalMs: number;
  private readonly maxBatchEvents: number;
  private readonly report: (line: string) => void;
  private readonly subscribers = new Set<Subscriber>();
  private latestSeq = 0;
  /** Events appended since the last flush; a full batch flushes at once. */
  private pending = 0;
  /** While paused: the last seq subscribers may see. */
  private pausedAtSeq: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private readonly gate: VisibilityGate | undefined;
  private readonly detachGate: (() => void) | undefined;

  constructor(options: EventStreamOptions = {}) {
    this.log = new EventLog(options.backlogCapacity ?? DEFAULT_BACKLOG_CAPACITY);
    this.batchIntervalMs = positive(options.batchIntervalMs ?? DEFAULT_BATCH_INTERVAL_MS, 'batchIntervalMs');
    this.maxBatchEvents = positive(options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS, 'maxBatchEvents');
    this.report = options.log ?? ((line) => console.warn(`xpc-inspector host: ${line}`));
    this.gate = options.gate;
    this.detachGate = this.gate?.onAdvance(() => {
      if (this.subscribers.size > 0) this.flushSoon();
    });
  }

  /** Highest seq appended so far (0 before the first event). */
  get lastSeq(): number {
    return this.latestSeq;
  }

  get paused(): boolean {
    return this.pausedAtSeq !== undefined;
  }

  /** The oldest seq a new subscriber can still be sent (lastSeq + 1 when nothing is held). */
  get heldFromSeq(): number {
    return this.log.at(0)?.seq ?? this.latestSeq + 1;
  }

  /** Events currently held for replay. */
  get backlogSize(): number {
    return this.log.size;
  }

  /** Events that fell out of the full backlog. */
  get evicted(): number {
    return this.log.evicted;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  push(event: WireEvent): void {
    this.log.append(event);
    this.latestSeq = event.seq;
    this.pending++;
    if (this.pending >= this.maxBatchEvents) this.flushSoon();
    else this.flushLater();
  }

  subscribe(sink: (batch: EventBatch) => void, options: SubscribeOptions = {}): Unsubscribe {
    const subscriber: Subscriber = {
      sink,
      canSend: options.canSend ?? (() => true),
      cursor: options.fromSeq ?? 0,
      greeted: false,
    };
    this.subscribers.add(subscriber);
    this.flushSoon();
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.pausedAtSeq = paused ? this.latestSeq : undefined;
    if (!paused) this.flushSoon();
  }

  /** Forgets every event so far, including those held by a pause; later events stream as usual. */
  clear(): void {
    this.log.clear();
    this.pending = 0;
    for (const subscriber of this.subscribers) subscriber.cursor = Math.max(subscriber.cursor, this.latestSeq + 1);
    if (this.pausedAtSeq !== undefined) this.pausedAtSeq = this.latestSeq;
  }

  /** Stops the timers; subscribers get nothing more. */
  close(): void {
    this.detachGate?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.subscribers.clear();
  }

  /** Sends every subscriber what it may see now. Normally run by the timers. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.pending = 0;
    const visibleThrough = Math.min(this.pausedAtSeq ?? this.latestSeq, this.gate?.through ?? Infinity);
    let blocked = false;
    for (const subscriber of [...this.subscribers]) {
      if (!this.deliver(subscriber, visibleThrough)) blocked = true;
    }
    if (blocked) this.flushLater();
  }

  /** Sends one subscriber its batches; false when its transport asked us to wait. */
  private deliver(subscriber: Subscriber, visibleThrough: number): boolean {
    for (;;) {
      if (!this.subscribers.has(subscriber)) return true;
      if (!subscriber.canSend()) return false;
      const events = this.log.range(subscriber.cursor, visibleThrough, this.maxBatchEvents);
      if (events.length === 0 && subscriber.greeted) return true;
      if (events.length > 0) subscriber.cursor = events[events.length - 1]!.seq + 1;
      subscriber.greeted = true;
      try {
        subscriber.sink({ events, lastSeq: this.latestSeq });
      } catch (error) {
        this.report(`a subscriber failed to take a batch: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (events.length < this.maxBatchEvents) return true;
    }
  }

  private flushLater(): void {
    if (this.timer !== undefined || this.immediate !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.batchIntervalMs);
    this.timer.unref?.();
  }

  private flushSoon(): void {
    if (this.immediate !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => this.flush());
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
