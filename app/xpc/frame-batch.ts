/**
 * Outgoing frames gathered into shared buffers, so that the frames a process writes in one
 * tick cost one allocation and one socket write between them, not one of each per frame.
 * Frames are encoded straight into a slab; take() hands out what was added since the last
 * take as views that are never written to again, so they can be given to a socket as they are.
 */
import type { VerbatimEntry } from './codec';
import { encodeMessageFrameInto, messageFrameSize } from './frame';
import type { XpcValue } from './value';

const SLAB_BYTES = 64 * 1024;
/** A frame larger than this gets an allocation of its own instead of a slab's space. */
const OWN_ALLOCATION_BYTES = SLAB_BYTES / 4;

export class FrameBatch {
  /** Fresh (zero-filled) memory: the encoder does not write padding. */
  private slab = new Uint8Array(SLAB_BYTES);
  private start = 0;
  private end = 0;
  /** Filled pieces not taken yet, older than the slab's pending part. */
  private full: Uint8Array[] = [];
  private fullBytes = 0;

  /** Bytes added and not taken yet. */
  get pendingBytes(): number {
    return this.fullBytes + this.end - this.start;
  }

  /** Encodes a message frame at the end of the batch (see encodeMessageFrame). Throws like it. */
  add(value: XpcValue, messageId: bigint, flags: number, verbatim?: VerbatimEntry): void {
    const size = messageFrameSize(value, verbatim);
    if (size > OWN_ALLOCATION_BYTES) {
      const own = new Uint8Array(size);
      encodeMessageFrameInto(own, 0, size, value, messageId, flags, verbatim);
      this.retireSlabPart();
      this.pushFull(own);
      return;
    }
    if (this.end + size > this.slab.length) this.renew();
    encodeMessageFrameInto(this.slab, this.end, size, value, messageId, flags, verbatim);
    this.end += size;
  }

  /** Appends an already-encoded frame. */
  addEncoded(frame: Uint8Array): void {
    if (frame.length > OWN_ALLOCATION_BYTES) {
      this.retireSlabPart();
      this.pushFull(frame);
      return;
    }
    if (this.end + frame.length > this.slab.length) this.renew();
    this.slab.set(frame, this.end);
    this.end += frame.length;
  }

  /** Everything added since the last take, in order; empty when nothing was. */
  take(): Uint8Array[] {
    this.retireSlabPart();
    const out = this.full;
    this.full = [];
    this.fullBytes = 0;
    return out;
  }

  /** Forgets what was not taken. */
  clear(): void {
    this.full = [];
    this.fullBytes = 0;
    this.start = this.end;
  }

  private renew(): void {
    this.retireSlabPart();
    this.slab = new Uint8Array(SLAB_BYTES);
    this.start = 0;
    this.end = 0;
  }

  /** Moves the slab's pending part to `full`, keeping frame order. */
  private retireSlabPart(): void {
    if (this.end === this.start) return;
    this.pushFull(this.slab.subarray(this.start, this.end));
    this.start = this.end;
  }

  private pushFull(piece: Uint8Array): void {
    this.full.push(piece);
    this.fullBytes += piece.length;
  }
}
