/**
 * Raw frame bytes of recent messages, by message id, for the detail view's hex dump. Bounded
 * by count and by total bytes; the oldest frames are forgotten first. Frames are copied in,
 * so a stored message never pins the (much larger) socket chunk it arrived in.
 *
 * This sits on the routing path of every message, so both ends are O(1): ids are kept in
 * arrival order in a queue (eviction takes its head), and frames are copied into shared slabs
 * rather than one allocation each (a slab is collected once every frame in it is forgotten).
 */
import { encodeFrameInto, FRAME_HEADER_SIZE, type Frame } from '../../app/xpc/frame';

export interface MessageStoreLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export const DEFAULT_MESSAGE_STORE_LIMITS: MessageStoreLimits = { maxMessages: 50_000, maxBytes: 64 * 1024 * 1024 };

/** Frames are copied into slabs of this size; a larger frame gets an allocation of its own. */
const SLAB_BYTES = 256 * 1024;

export class MessageStore {
  private readonly frames = new Map<number, Uint8Array>();
  /** Stored ids, oldest first, from `head` on. */
  private order: number[] = [];
  private head = 0;
  private bytes = 0;
  private slab = new Uint8Array(SLAB_BYTES);
  private slabUsed = 0;

  constructor(private readonly limits: MessageStoreLimits = DEFAULT_MESSAGE_STORE_LIMITS) {
    if (!(limits.maxMessages >= 1) || !(limits.maxBytes >= 1)) throw new RangeError('message store limits must be positive');
  }

  get size(): number {
    return this.frames.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Stores a copy of `frame` (header and body); ids must increase. */
  put(message: number, frame: Uint8Array): void {
    if (frame.length > this.limits.maxBytes) return;
    const copy = this.room(frame.length);
    copy.set(frame);
    this.keep(message, copy);
  }

  /** Stores the frame a decoder cut from the stream, header re-assembled, without an intermediate copy. */
  putFrame(message: number, frame: Frame): void {
    const length = FRAME_HEADER_SIZE + frame.body.length;
    // A frame larger than the whole budget is not kept at all rather than evicting everything.
    if (length > this.limits.maxBytes) return;
    const copy = this.room(length);
    encodeFrameInto(copy, 0, frame);
    this.keep(message, copy);
  }

  get(message: number): Uint8Array | undefined {
    return this.frames.get(message);
  }

  /** A fresh region of `length` bytes, from the current slab while it has room. */
  private room(length: number): Uint8Array {
    if (length > SLAB_BYTES / 4) return new Uint8Array(length);
    if (this.slabUsed + length > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const region = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    // Keep every region 8-byte aligned, as a fresh allocation would be.
    this.slabUsed += (length + 7) & ~7;
    return region;
  }

  private keep(message: number, frame: Uint8Array): void {
    const previous = this.frames.get(message);
    if (previous !== undefined) this.bytes -= previous.length;
    else this.order.push(message);
    this.frames.set(message, frame);
    this.bytes += frame.length;
    while (this.frames.size > this.limits.maxMessages || this.bytes > this.limits.maxBytes) {
      const oldest = this.order[this.head++]!;
      const evicted = this.frames.get(oldest);
      if (evicted !== undefined) {
        this.frames.delete(oldest);
        this.bytes -= evicted.length;
      }
    }
    // Drop the consumed prefix now and then, so the queue stays as long as the store.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
