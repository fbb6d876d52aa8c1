/**
 * One process's transaction count, kept exactly as xpc_main(3) describes it: +1 immediately
 * before a message is handed to a peer handler and −1 when the handler returns; +1 when a
 * reply is created and −1 when it is sent or dropped; explicit begin/end. Each open
 * transaction is remembered with its start time, so a leaked one (typically an explicit
 * begin never ended, or a reply never sent) can be pointed at, not just the total.
 */
import type { TransactionCause } from '../../app/events/schema';
import type { EventBus } from './event-bus';

export interface TransactionOwner {
  readonly pid: number;
  readonly job?: string;
}

/** Open transactions of one kind, by message id (or explicit sequence number) → start time (ns). */
type OpenSet = Map<number, number>;

type Kind = 'delivery' | 'reply' | 'explicit';

const OPENING_CAUSE: Record<Kind, TransactionCause> = { delivery: 'delivery', reply: 'reply-created', explicit: 'explicit-begin' };

export class TransactionLedger {
  /** Each map's insertion order is start order, so its first entry is its oldest. */
  private readonly deliveries: OpenSet = new Map();
  private readonly replies: OpenSet = new Map();
  /** Explicit begins not yet ended; an end closes the oldest. */
  private readonly explicit: OpenSet = new Map();
  private explicitSeq = 0;
  /** The oldest transaction last reported as long-held, and when. */
  private flagged: { kind: Kind; key: number; atNs: number } | undefined;

  constructor(
    private readonly owner: TransactionOwner,
    private readonly bus: EventBus,
    /** Called whenever the count changes, after the event is out. */
    private readonly onChange: (count: number) => void,
  ) {}

  get count(): number {
    return this.deliveries.size + this.replies.size + this.explicit.size;
  }

  delivered(message: number): void {
    this.begin(this.deliveries, message, 'delivery', message);
  }

  handlerReturned(message: number): boolean {
    return this.end(this.deliveries, 'delivery', message, 'handler-returned', message);
  }

  replyCreated(request: number): boolean {
    if (this.replies.has(request)) return false;
    this.begin(this.replies, request, 'reply-created', request);
    return true;
  }

  replyFinished(request: number, cause: 'reply-sent' | 'reply-dropped'): boolean {
    return this.end(this.replies, 'reply', request, cause, request);
  }

  explicitBegin(): void {
    this.begin(this.explicit, ++this.explicitSeq, 'explicit-begin');
  }

  /** False when there is no explicit transaction to end (an unbalanced xpc_transaction_end). */
  explicitEnd(): boolean {
    const oldest = this.explicit.keys().next();
    if (oldest.done) return false;
    return this.end(this.explicit, 'explicit', oldest.value, 'explicit-end');
  }

  /** The process went away: every transaction it held ends now. Returns how many it held. */
  processExited(): number {
    const held = this.count;
    for (const key of [...this.deliveries.keys()]) this.end(this.deliveries, 'delivery', key, 'process-exit', key);
    for (const key of [...this.replies.keys()]) this.end(this.replies, 'reply', key, 'process-exit', key);
    for (const key of [...this.explicit.keys()]) this.end(this.explicit, 'explicit', key, 'process-exit');
    return held;
  }

  /**
   * Reports the oldest open transaction once it has been held `thresholdNs`, then again every
   * `thresholdNs` while it stays open.
   */
  checkLongHeld(nowNs: number, thresholdNs: number): void {
    let oldest: { kind: Kind; key: number; startNs: number } | undefined;
    for (const [kind, set] of [
      ['delivery', this.deliveries],
      ['reply', this.replies],
      ['explicit', this.explicit],
    ] as const) {
      const first = set.entries().next();
      if (!first.done && (oldest === undefined || first.value[1] < oldest.startNs)) oldest = { kind, key: first.value[0], startNs: first.value[1] };
    }
    if (oldest === undefined) return;
    const heldNs = nowNs - oldest.startNs;
    if (heldNs < thresholdNs) return;
    const f = this.flagged;
    if (f !== undefined && f.kind === oldest.kind && f.key === oldest.key && nowNs - f.atNs < thresholdNs) return;
    this.flagged = { kind: oldest.kind, key: oldest.key, atNs: nowNs };
    this.bus.emit({
      kind: 'transaction-long-held',
      pid: this.owner.pid,
      job: this.owner.job,
      count: this.count,
      heldNs,
      oldestCause: OPENING_CAUSE[oldest.kind],
      message: oldest.kind === 'explicit' ? undefined : oldest.key,
    });
  }

  private begin(set: OpenSet, key: number, cause: TransactionCause, message?: number): void {
    set.set(key, this.bus.now());
    const count = this.count;
    this.bus.emit({ kind: 'transaction', pid: this.owner.pid, job: this.owner.job, delta: 1, count, cause, message });
    this.onChange(count);
  }

  private end(set: OpenSet, kind: Kind, key: number, cause: TransactionCause, message?: number): boolean {
    if (!set.delete(key)) return false;
    if (this.flagged?.kind === kind && this.flagged.key === key) this.flagged = undefined;
    const count = this.count;
    this.bus.emit({ kind: 'transaction', pid: this.owner.pid, job: this.owner.job, delta: -1, count, cause, message });
    this.onChange(count);
    return true;
  }
}
