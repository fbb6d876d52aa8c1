/**
 * The RemoteXPC message wrapper: how XPC payloads are framed on a byte stream.
 *
 *   u32 magic 0x29b00b92, u32 flags, u64 body length, u64 message id, body
 *
 * little-endian, 24-byte header. The body is an encoded XPC payload (codec.ts) or empty
 * (control frames such as pings).
 */
import { encodedSize, encodeXpcInto, encodeXpcWithPrefix, XpcDecodeError, DEFAULT_DECODE_LIMITS, type VerbatimEntry } from './codec';
import { UINT64_MAX, type XpcValue } from './value';

export const FRAME_MAGIC = 0x29b00b92;
export const FRAME_HEADER_SIZE = 24;

/** Header flag bits (RemoteXPC). */
export const FrameFlag = Object.freeze({
  ALWAYS_SET: 0x1,
  PING: 0x2,
  DATA_PRESENT: 0x100,
  WANTING_REPLY: 0x10000,
  REPLY: 0x20000,
  FILE_TX_STREAM_REQUEST: 0x100000,
  FILE_TX_STREAM_RESPONSE: 0x200000,
  INIT_HANDSHAKE: 0x400000,
} as const);

/** Flags of a plain message: the always-set bit and "a payload follows". */
export const DEFAULT_MESSAGE_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT;

/** Largest body FrameDecoder accepts unless told otherwise: the largest payload the codec decodes. */
export const DEFAULT_MAX_FRAME_BYTES = DEFAULT_DECODE_LIMITS.maxBytes;

export interface Frame {
  readonly flags: number;
  readonly messageId: bigint;
  /** The encoded XPC payload, or empty. */
  readonly body: Uint8Array;
}

// ---- encoding ------------------------------------------------------------------------------

/** Header + body in one new buffer. Throws RangeError for flags outside u32 or an id outside u64. */
export function encodeFrame(frame: Frame): Uint8Array {
  checkHeaderFields(frame.flags, frame.messageId);
  const bytes = new Uint8Array(FRAME_HEADER_SIZE + frame.body.length);
  writeHeader(bytes, 0, frame.flags, frame.body.length, frame.messageId);
  bytes.set(frame.body, FRAME_HEADER_SIZE);
  return bytes;
}

/**
 * Writes header + body at `offset` of `target` (which must have room for both); returns the
 * offset after the frame. For callers that gather many frames into one buffer.
 */
export function encodeFrameInto(target: Uint8Array, offset: number, frame: Frame): number {
  checkHeaderFields(frame.flags, frame.messageId);
  writeHeader(target, offset, frame.flags, frame.body.length, frame.messageId);
  target.set(frame.body, offset + FRAME_HEADER_SIZE);
  return offset + FRAME_HEADER_SIZE + frame.body.length;
}

/** Encodes value as the body of a frame; header and payload are written into one allocation. */
export function encodeMessageFrame(value: XpcValue, messageId: bigint, flags: number = DEFAULT_MESSAGE_FLAGS): Uint8Array {
  checkHeaderFields(flags, messageId);
  const bytes = encodeXpcWithPrefix(value, FRAME_HEADER_SIZE);
  writeHeader(bytes, 0, flags, bytes.length - FRAME_HEADER_SIZE, messageId);
  return bytes;
}

/** Byte length of the frame encodeMessageFrameInto writes for `value`. */
export function messageFrameSize(value: XpcValue, verbatim?: VerbatimEntry): number {
  return FRAME_HEADER_SIZE + encodedSize(value, verbatim);
}

/**
 * Writes a message frame for `value` at `offset` of `target`, whose bytes there must be zero;
 * `size` is messageFrameSize(value, verbatim). Returns the offset after the frame.
 */
export function encodeMessageFrameInto(
  target: Uint8Array,
  offset: number,
  size: number,
  value: XpcValue,
  messageId: bigint,
  flags: number = DEFAULT_MESSAGE_FLAGS,
  verbatim?: VerbatimEntry,
): number {
  checkHeaderFields(flags, messageId);
  writeHeader(target, offset, flags, size - FRAME_HEADER_SIZE, messageId);
  return encodeXpcInto(value, target, offset + FRAME_HEADER_SIZE, size - FRAME_HEADER_SIZE, verbatim);
}

function checkHeaderFields(flags: number, messageId: bigint): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff_ffff) throw new RangeError(`frame flags must be a u32, got ${flags}`);
  if (typeof messageId !== 'bigint' || messageId < 0n || messageId > UINT64_MAX) {
    throw new RangeError(`frame message id must be a u64, got ${String(messageId)}`);
  }
}

/** Writes the 24-byte header at `at` (fields already checked). */
function writeHeader(bytes: Uint8Array, at: number, flags: number, bodyLength: number, messageId: bigint): void {
  writeU32(bytes, at, FRAME_MAGIC);
  writeU32(bytes, at + 4, flags);
  writeU32(bytes, at + 8, bodyLength % 0x1_0000_0000);
  writeU32(bytes, at + 12, Math.floor(bodyLength / 0x1_0000_0000));
  if (messageId <= 0xffff_ffffn) {
    writeU32(bytes, at + 16, Number(messageId));
    writeU32(bytes, at + 20, 0);
  } else {
    writeU32(bytes, at + 16, Number(messageId & 0xffff_ffffn));
    writeU32(bytes, at + 20, Number(messageId >> 32n));
  }
}

function writeU32(bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = n & 0xff;
  bytes[at + 1] = (n >>> 8) & 0xff;
  bytes[at + 2] = (n >>> 16) & 0xff;
  bytes[at + 3] = (n >>> 24) & 0xff;
}

// ---- streaming decoder ---------------------------------------------------------------------

/**
 * A bad frame header. `offset` is the stream offset (bytes pushed into the decoder before the
 * bad field). `frames` are the frames the same push completed before it, in order: a caller
 * that closes the stream can still deliver them.
 */
export class FrameStreamError extends XpcDecodeError {
  readonly frames: readonly Frame[];
  constructor(code: 'bad-magic' | 'too-large', offset: number, detail: string, frames: readonly Frame[]) {
    super(code, offset, detail, 'stream byte');
    this.name = 'FrameStreamError';
    this.frames = frames;
  }
}

/**
 * Cuts a byte stream into frames, whatever the chunk boundaries.
 *
 * A body that arrives inside one chunk is returned as a view of that chunk (no copy), so a
 * chunk must not be modified after it is pushed. A body split over chunks is copied once, when
 * its last byte arrives; until then only the received pieces are held, never a buffer sized by
 * the (untrusted) declared length. A bad magic or a body longer than maxFrameBytes throws a
 * FrameStreamError; every later push throws the same error again (with no frames).
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly header = new Uint8Array(FRAME_HEADER_SIZE);
  private headerFill = 0;
  /** Body length of the frame being read; -1 while its header is incomplete. */
  private bodyLength = -1;
  private flags = 0;
  private messageId = 0n;
  private pieces: Uint8Array[] = [];
  private piecesBytes = 0;
  /** Stream offset of the first byte of the current frame. */
  private frameStart = 0;
  /** Set once a header was bad; every later push throws it again. */
  private failure: { code: 'bad-magic' | 'too-large'; offset: number; detail: string } | undefined;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`maxFrameBytes must be a non-negative integer, got ${max}`);
    this.maxFrameBytes = max;
  }

  /** Bytes received but not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.headerFill + this.piecesBytes;
  }

  /** Feeds the next chunk of the stream; returns the frames it completes, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure) {
      const { code, offset, detail } = this.failure;
      throw new FrameStreamError(code, offset, detail, []);
    }
    const frames: Frame[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.bodyLength < 0) {
        pos = this.readHeader(chunk, pos, frames);
        if (this.bodyLength === 0) frames.push(this.finishFrame(EMPTY_BODY));
        continue;
      }
      const missing = this.bodyLength - this.piecesBytes;
      const take = Math.min(missing, chunk.length - pos);
      let body: Uint8Array | undefined;
      if (take === missing && this.piecesBytes === 0) {
        body = chunk.subarray(pos, pos + take);
      } else {
        this.pieces.push(chunk.subarray(pos, pos + take));
        this.piecesBytes += take;
        if (take === missing) body = this.joinPieces();
      }
      pos += take;
      if (body) frames.push(this.finishFrame(body));
    }
    return frames;
  }

  /** Copies header bytes from chunk; checks each field as soon as it is complete. Returns the new pos. */
  private readHeader(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const header = this.header;
    const before = this.headerFill;
    let fill = before;
    while (fill < FRAME_HEADER_SIZE && pos < chunk.length) header[fill++] = chunk[pos++]!;
    this.headerFill = fill;
    if (before < 4 && fill >= 4) {
      const magic = readU32(header, 0);
      if (magic !== FRAME_MAGIC) {
        this.fail('bad-magic', this.frameStart, `expected frame magic 0x${FRAME_MAGIC.toString(16)}, found 0x${magic.toString(16).padStart(8, '0')}`, frames);
      }
    }
    if (before < 16 && fill >= 16) {
      // hi * 2^32 + lo is exact below 2^53, and anything above is over every allowed maximum anyway.
      const length = readU32(header, 8) + readU32(header, 12) * 0x1_0000_0000;
      if (length > this.maxFrameBytes) {
        const exact = BigInt(readU32(header, 8)) + (BigInt(readU32(header, 12)) << 32n);
        this.fail('too-large', this.frameStart + 8, `expected a frame body of at most ${this.maxFrameBytes} bytes, found a declared length of ${exact}`, frames);
      }
    }
    if (fill === FRAME_HEADER_SIZE) {
      this.flags = readU32(header, 4);
      this.bodyLength = readU32(header, 8) + readU32(header, 12) * 0x1_0000_0000;
      this.messageId = BigInt(readU32(header, 16)) | (BigInt(readU32(header, 20)) << 32n);
    }
    return pos;
  }

  private joinPieces(): Uint8Array {
    if (this.pieces.length === 1) return this.pieces[0]!;
    const body = new Uint8Array(this.bodyLength);
    let at = 0;
    for (const piece of this.pieces) {
      body.set(piece, at);
      at += piece.length;
    }
    return body;
  }

  private finishFrame(body: Uint8Array): Frame {
    const frame: Frame = { flags: this.flags, messageId: this.messageId, body };
    this.frameStart += FRAME_HEADER_SIZE + this.bodyLength;
    this.headerFill = 0;
    this.bodyLength = -1;
    this.pieces = [];
    this.piecesBytes = 0;
    return frame;
  }

  private fail(code: 'bad-magic' | 'too-large', offset: number, detail: string, frames: readonly Frame[]): never {
    this.failure = { code, offset, detail };
    this.pieces = [];
    this.piecesBytes = 0;
    this.headerFill = 0;
    throw new FrameStreamError(code, offset, detail, frames);
  }
}

const EMPTY_BODY = new Uint8Array(0);

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
