/**
 * Stamps hand-written events with increasing seq and time, for tests and examples that describe
 * a session step by step: `const s = new EventBuilder(); s.at(5_000).add({kind: 'idle', …})`.
 */
import type { WireEvent } from '../events/wire-event';
import type { DistributiveOmit } from '../events/schema';

export type WireEventInput = DistributiveOmit<WireEvent, 'seq' | 't'>;

export class EventBuilder {
  readonly events: WireEvent[] = [];
  private seq = 0;
  private t = 0;

  /** Sets the time (ns) of the events added next. */
  at(t: number): this {
    this.t = t;
    return this;
  }

  /** Moves the time forward by `ns`. */
  after(ns: number): this {
    this.t += ns;
    return this;
  }

  add(...inputs: WireEventInput[]): this {
    for (const input of inputs) this.events.push({ ...input, seq: ++this.seq, t: this.t } as WireEvent);
    return this;
  }

  /** Leaves `count` seqs unused, as when the host no longer holds some events. */
  skip(count: number): this {
    this.seq += count;
    return this;
  }

  /** The events added since the last take. */
  take(): WireEvent[] {
    return this.events.splice(0, this.events.length);
  }
}
