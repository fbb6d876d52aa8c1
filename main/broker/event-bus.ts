/**
 * The broker's one outlet: every happening becomes an InspectorEvent stamped with a strictly
 * increasing seq and a monotonic timestamp (nanoseconds since the broker started). A
 * listener that throws is reported and skipped; it never breaks routing.
 */
import type { EventInput, InspectorEvent } from '../../app/events/schema';

export type EventListener = (event: InspectorEvent) => void;

/** An event input about to receive its stamp; the union's members all end up as InspectorEvent. */
type Stampable = EventInput & { seq: number; t: number } & InspectorEvent;

export class EventBus {
  private seq = 0;
  private readonly origin = process.hrtime.bigint();
  private listeners: readonly EventListener[] = [];

  constructor(private readonly report: (line: string) => void) {}

  /** Nanoseconds since the broker started, on the monotonic clock. */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  on(listener: EventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Stamps `input` in place (callers pass a fresh object literal) and hands it to every listener. */
  emit(input: EventInput): InspectorEvent {
    const event = input as Stampable;
    event.seq = ++this.seq;
    event.t = this.now();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.report(`event listener failed on ${event.kind} #${event.seq}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return event;
  }
}
