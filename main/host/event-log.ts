/**
 * The host's bounded memory of recent events: a ring of at most `capacity` wire events in seq
 * order. When full, appending evicts the oldest; the capture journal on disk keeps everything,
 * so this only bounds what a (re)subscribing renderer can replay.
 */
import type { WireEvent } from '../../app/bridge/contract';

export class EventLog {
  /** Grows up to `capacity`, then is reused as a ring starting at `head`. */
  private readonly slots: WireEvent[] = [];
  private head = 0;
  private evictedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`event log capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Events dropped because the log was full (not counting clear()). */
  get evicted(): number {
    return this.evictedCount;
  }

  append(event: WireEvent): void {
    const last = this.at(this.slots.length - 1);
    if (last !== undefined && event.seq <= last.seq) {
      throw new RangeError(`event seq ${event.seq} does not follow ${last.seq}; seqs must strictly increase`);
    }
    if (this.slots.length < this.capacity) {
      this.slots.push(event);
      return;
    }
    this.slots[this.head] = event;
    this.head = (this.head + 1) % this.capacity;
    this.evictedCount++;
  }

  /** The event at logical position `index` (0 = oldest held), or undefined. */
  at(index: number): WireEvent | undefined {
    if (index < 0 || index >= this.slots.length) return undefined;
    return this.slots[(this.head + index) % this.slots.length];
  }

  /** Logical position of the first held event whose seq is ≥ `seq` (size when there is none). */
  positionOf(seq: number): number {
    let low = 0;
    let high = this.slots.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid)!.seq < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Up to `max` events with seq in [fromSeq, throughSeq], oldest first. */
  range(fromSeq: number, throughSeq: number, max: number): WireEvent[] {
    const out: WireEvent[] = [];
    for (let i = this.positionOf(fromSeq); i < this.slots.length && out.length < max; i++) {
      const event = this.at(i)!;
      if (event.seq > throughSeq) break;
      out.push(event);
    }
    return out;
  }

  clear(): void {
    this.slots.length = 0;
    this.head = 0;
  }
}
