/**
 * What the host remembers about recent messages so the detail view can show any of them:
 * the send event (with its XPC value when the broker included it) and the reply link in both
 * directions. Bounded by count; the oldest messages are forgotten first.
 */
import type { WireEvent } from '../../app/bridge/contract';
import type { InspectorEvent, MessageSentEvent } from '../../app/events/schema';

/** The send event as the index holds it: live (an XpcValue) or read from a capture (an XPC-JSON tree). */
type SentOf<E> = Extract<E, { readonly kind: 'message-sent' }>;

export interface MessageRecord<Sent = MessageSentEvent> {
  readonly sent: Sent;
  /** The reply's message id, once it is known. */
  reply?: number;
}

export const DEFAULT_MESSAGE_INDEX_CAPACITY = 100_000;

export class MessageIndex<E extends InspectorEvent | WireEvent = InspectorEvent> {
  private readonly records = new Map<number, MessageRecord<SentOf<E>>>();
  /**
   * Ids in the order they were remembered, as a ring: the slot at `oldest` goes first. (Taking
   * the first key of the Map instead gets slower the more entries have been deleted from it.)
   */
  private readonly order: number[] = [];
  private oldest = 0;

  constructor(readonly capacity: number = DEFAULT_MESSAGE_INDEX_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`message index capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.records.size;
  }

  /** Takes note of message sends and of the events that tie a reply to its request. */
  observe(event: E): void {
    switch (event.kind) {
      case 'message-sent':
        this.remember(event as SentOf<E>);
        if (event.inReplyTo !== undefined) this.link(event.inReplyTo, event.message);
        break;
      case 'reply-received':
        this.link(event.request, event.reply);
        break;
      default:
        break;
    }
  }

  get(message: number): MessageRecord<SentOf<E>> | undefined {
    return this.records.get(message);
  }

  private remember(sent: SentOf<E>): void {
    const earlier = this.records.get(sent.message);
    // A message id is sent once; should one repeat, it keeps its place and its reply link.
    this.records.set(sent.message, { sent, reply: earlier?.reply });
    if (earlier !== undefined) return;
    if (this.order.length < this.capacity) {
      this.order.push(sent.message);
      return;
    }
    this.records.delete(this.order[this.oldest]!);
    this.order[this.oldest] = sent.message;
    this.oldest = (this.oldest + 1) % this.capacity;
  }

  private link(request: number, reply: number): void {
    const record = this.records.get(request);
    if (record !== undefined) record.reply = reply;
  }
}
