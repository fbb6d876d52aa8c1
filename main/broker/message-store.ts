/**
 * Raw frame bytes of recent messages, by message id, for the detail view's hex dump. Bounded
 * by count and by total bytes; the oldest frames are forgotten first. Frames are copied in,
 * so a stored message never pins the (much larger) socket chunk it arrived in.
 */
export interface MessageStoreLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export const DEFAULT_MESSAGE_STORE_LIMITS: MessageStoreLimits = { maxMessages: 50_000, maxBytes: 64 * 1024 * 1024 };

export class MessageStore {
  /** Insertion order is id order, so the first entry is the oldest. */
  private readonly frames = new Map<number, Uint8Array>();
  private bytes = 0;

  constructor(private readonly limits: MessageStoreLimits = DEFAULT_MESSAGE_STORE_LIMITS) {
    if (!(limits.maxMessages >= 1) || !(limits.maxBytes >= 1)) throw new RangeError('message store limits must be positive');
  }

  get size(): number {
    return this.frames.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  put(message: number, frame: Uint8Array): void {
    // A frame larger than the whole budget is not kept at all rather than evicting everything.
    if (frame.length > this.limits.maxBytes) return;
    this.frames.set(message, frame);
    this.bytes += frame.length;
    while (this.frames.size > this.limits.maxMessages || this.bytes > this.limits.maxBytes) {
      const oldest = this.frames.entries().next();
      if (oldest.done) break;
      this.frames.delete(oldest.value[0]);
      this.bytes -= oldest.value[1].length;
    }
  }

  get(message: number): Uint8Array | undefined {
    return this.frames.get(message);
  }
}
