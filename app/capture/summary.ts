/**
 * A summary of a capture, accumulated event by event (so a file of any size is summarised in one
 * streaming pass): how many events of each kind, which services were used and how, and the seq
 * and time span.
 */
import type { WireEvent } from '../events/wire-event';
import { EVENT_KINDS, type EventKind } from '../events/schema';

export interface ServiceSummary {
  readonly service: string;
  connections: number;
  messages: number;
  replies: number;
  errors: number;
}

export interface CaptureSummaryData {
  readonly events: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Nanoseconds from the first event to the last. */
  readonly spanNs: number;
  /** Counts of the kinds that occur, in schema order. */
  readonly kinds: Readonly<Partial<Record<EventKind, number>>>;
  /** Services by number of messages, busiest first. */
  readonly services: readonly ServiceSummary[];
}

export class CaptureSummary {
  private count = 0;
  private firstSeq = 0;
  private lastSeq = 0;
  private firstT = 0;
  private lastT = 0;
  private readonly kinds = new Map<EventKind, number>();
  private readonly services = new Map<string, ServiceSummary>();

  add(event: WireEvent): void {
    if (this.count === 0) {
      this.firstSeq = event.seq;
      this.firstT = event.t;
    }
    this.count++;
    this.lastSeq = event.seq;
    this.lastT = event.t;
    this.kinds.set(event.kind, (this.kinds.get(event.kind) ?? 0) + 1);
    if (event.kind === 'connection-opened') this.service(event.service).connections++;
    else if (event.kind === 'message-sent') {
      const service = this.service(event.service);
      if (event.messageKind === 'reply') service.replies++;
      else if (event.messageKind === 'error') service.errors++;
      else service.messages++;
    }
  }

  result(): CaptureSummaryData {
    const kinds: Partial<Record<EventKind, number>> = {};
    for (const kind of EVENT_KINDS) {
      const n = this.kinds.get(kind);
      if (n !== undefined) kinds[kind] = n;
    }
    const services = [...this.services.values()]
      .map((s) => ({ ...s }))
      .sort((a, b) => b.messages - a.messages || a.service.localeCompare(b.service));
    return { events: this.count, firstSeq: this.firstSeq, lastSeq: this.lastSeq, spanNs: this.lastT - this.firstT, kinds, services };
  }

  private service(name: string): ServiceSummary {
    let summary = this.services.get(name);
    if (!summary) {
      summary = { service: name, connections: 0, messages: 0, replies: 0, errors: 0 };
      this.services.set(name, summary);
    }
    return summary;
  }
}
