import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpcValueArbitrary } from './fixtures/arbitrary';
import { decodeXpc, encodeXpc, XpcDecodeError } from './codec';
import {
  DEFAULT_MESSAGE_FLAGS,
  encodeFrame,
  encodeMessageFrame,
  FRAME_HEADER_SIZE,
  FrameDecoder,
  FrameFlag,
  FrameStreamError,
  type Frame,
} from './frame';
import { bytesEqual, UINT64_MAX, xpc, xpcEquals } from './value';

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits bytes at the given cut points (any order, duplicates allowed). */
function cut(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...sorted, bytes.length]) {
    chunks.push(bytes.slice(start, p)); // copies, so no chunk shares memory with the next
    start = p;
  }
  return chunks;
}

function pushAll(decoder: FrameDecoder, chunks: readonly Uint8Array[]): Frame[] {
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

function expectSameFrames(actual: readonly Frame[], expected: readonly Frame[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((frame, i) => {
    expect(frame.flags).toBe(expected[i]!.flags);
    expect(frame.messageId).toBe(expected[i]!.messageId);
    expect(toHex(frame.body)).toBe(toHex(expected[i]!.body));
  });
}

const frameArbitrary: fc.Arbitrary<Frame> = fc.record({
  flags: fc.oneof(fc.constantFrom(0, DEFAULT_MESSAGE_FLAGS, 0x1 | 0x100 | 0x10000, 0xffff_ffff), fc.nat()),
  messageId: fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, 1n, UINT64_MAX)),
  body: fc.oneof(fc.constant(new Uint8Array(0)), xpcValueArbitrary.map(encodeXpc), fc.uint8Array({ maxLength: 64 })),
});

describe('encodeFrame', () => {
  it('writes magic, flags, u64 body length and u64 message id, little-endian, then the body', () => {
    const bytes = encodeFrame({ flags: 0x10101, messageId: 0x0102030405060708n, body: new Uint8Array([0xaa, 0xbb]) });
    expect(toHex(bytes)).toBe('920bb029' + '01010100' + '0200000000000000' + '0807060504030201' + 'aabb');
  });

  it('writes an empty-body control frame as the 24-byte header alone', () => {
    expect(encodeFrame({ flags: FrameFlag.ALWAYS_SET | FrameFlag.PING, messageId: 0n, body: new Uint8Array(0) }).length).toBe(FRAME_HEADER_SIZE);
  });

  it('rejects flags outside u32 and message ids outside u64', () => {
    const body = new Uint8Array(0);
    expect(() => encodeFrame({ flags: -1, messageId: 0n, body })).toThrow(RangeError);
    expect(() => encodeFrame({ flags: 2 ** 32, messageId: 0n, body })).toThrow(RangeError);
    expect(() => encodeFrame({ flags: 1.5, messageId: 0n, body })).toThrow(RangeError);
    expect(() => encodeFrame({ flags: 0, messageId: -1n, body })).toThrow(/message id/);
    expect(() => encodeMessageFrame(xpc.null(), UINT64_MAX + 1n)).toThrow(/message id/);
  });

  it('has the RemoteXPC flag values', () => {
    expect(FrameFlag).toEqual({
      ALWAYS_SET: 0x1,
      PING: 0x2,
      DATA_PRESENT: 0x100,
      WANTING_REPLY: 0x10000,
      REPLY: 0x20000,
      FILE_TX_STREAM_REQUEST: 0x100000,
      FILE_TX_STREAM_RESPONSE: 0x200000,
      INIT_HANDSHAKE: 0x400000,
    });
    expect(DEFAULT_MESSAGE_FLAGS).toBe(0x101);
  });
});

describe('encodeMessageFrame', () => {
  it('produces the same bytes as encodeFrame around encodeXpc', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, fc.bigInt(0n, UINT64_MAX), fc.nat(), (value, id, flags) => {
        const direct = encodeMessageFrame(value, id, flags);
        expect(toHex(direct)).toBe(toHex(encodeFrame({ flags, messageId: id, body: encodeXpc(value) })));
      }),
      { numRuns: 300 },
    );
  });

  it('defaults to ALWAYS_SET | DATA_PRESENT', () => {
    const [frame] = new FrameDecoder().push(encodeMessageFrame(xpc.bool(true), 9n));
    expect(frame!.flags).toBe(0x101);
    expect(frame!.messageId).toBe(9n);
  });

  it('rejects an unencodable value before writing anything', () => {
    expect(() => encodeMessageFrame(xpc.string('a\0'), 1n)).toThrow(RangeError);
  });
});

describe('FrameDecoder', () => {
  it('yields the same frames for any chunking of a stream of frames', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, points) => {
        const stream = concat(frames.map(encodeFrame));
        const decoder = new FrameDecoder();
        expectSameFrames(pushAll(decoder, cut(stream, points)), frames);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('yields the same frames when fed one byte at a time', () => {
    const frames: Frame[] = [
      { flags: 0x101, messageId: 1n, body: encodeXpc(xpc.dictionary({ a: xpc.string('x') })) },
      { flags: 0x1, messageId: 2n, body: new Uint8Array(0) },
      { flags: 0x20101, messageId: UINT64_MAX, body: encodeXpc(xpc.data(new Uint8Array(300).fill(7))) },
    ];
    const stream = concat(frames.map(encodeFrame));
    const decoder = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      got.push(...decoder.push(stream.subarray(i, i + 1)));
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(FRAME_HEADER_SIZE + 300 + 16);
    }
    expectSameFrames(got, frames);
  });

  it('yields 1000 frames from one chunk, each body a view of that chunk', () => {
    const frames = Array.from({ length: 1000 }, (_, i): Frame => ({ flags: 0x101, messageId: BigInt(i), body: encodeXpc(xpc.int64(i)) }));
    const stream = concat(frames.map(encodeFrame));
    const got = new FrameDecoder().push(stream);
    expectSameFrames(got, frames);
    expect(got.every((f) => f.body.buffer === stream.buffer)).toBe(true);
  });

  it('emits a frame with an empty body as soon as its header is complete', () => {
    const decoder = new FrameDecoder();
    const header = encodeFrame({ flags: 0x3, messageId: 5n, body: new Uint8Array(0) });
    expect(decoder.push(header.subarray(0, 23))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(23);
    const [frame] = decoder.push(header.subarray(23));
    expect(frame).toEqual({ flags: 0x3, messageId: 5n, body: new Uint8Array(0) });
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('ignores empty chunks', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    const frame = encodeMessageFrame(xpc.null(), 1n);
    decoder.push(frame.subarray(0, 10));
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    expect(decoder.push(frame.subarray(10))).toHaveLength(1);
  });

  it('assembles an 8 MiB body from 2048 chunks in linear time, holding only what arrived', () => {
    const body = new Uint8Array(8 << 20);
    for (let i = 0; i < body.length; i += 4099) body[i] = i & 0xff;
    const stream = encodeFrame({ flags: 0x101, messageId: 77n, body });
    const decoder = new FrameDecoder({ maxFrameBytes: body.length });
    const chunkSize = 4096;
    const start = performance.now();
    let frames: Frame[] = [];
    for (let at = 0; at < stream.length; at += chunkSize) {
      frames = frames.concat(decoder.push(stream.subarray(at, at + chunkSize)));
      if (frames.length === 0) expect(decoder.bufferedBytes).toBe(Math.min(at + chunkSize, stream.length));
    }
    const elapsed = performance.now() - start;
    expect(frames).toHaveLength(1);
    expect(frames[0]!.messageId).toBe(77n);
    expect(bytesEqual(frames[0]!.body, body)).toBe(true);
    // Quadratic re-concatenation would copy ~16 GiB here; linear assembly copies 8 MiB once.
    expect(elapsed).toBeLessThan(1000);
  });

  it('throws bad-magic at the stream offset of the bad header, with the frames before it', () => {
    const good = [encodeMessageFrame(xpc.string('first'), 1n), encodeMessageFrame(xpc.int64(2), 2n)];
    const bad = new Uint8Array(FRAME_HEADER_SIZE);
    new DataView(bad.buffer).setUint32(0, 0xdeadbeef, true);
    const stream = concat([...good, bad]);
    const decoder = new FrameDecoder();
    let error: unknown;
    try {
      decoder.push(stream);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameStreamError);
    expect(error).toBeInstanceOf(XpcDecodeError);
    const e = error as FrameStreamError;
    expect(e.code).toBe('bad-magic');
    expect(e.offset).toBe(good[0]!.length + good[1]!.length);
    expect(e.message).toMatch(/^at stream byte \d+: expected frame magic 0x29b00b92, found 0xdeadbeef$/);
    expect(e.frames.map((f) => f.messageId)).toEqual([1n, 2n]);
  });

  it('reports the bad-magic offset as a stream offset whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), fc.uint8Array({ minLength: 4, maxLength: 30 }), (frames, points, junk) => {
        fc.pre(!(junk[0] === 0x92 && junk[1] === 0x0b && junk[2] === 0xb0 && junk[3] === 0x29));
        const goodBytes = concat(frames.map(encodeFrame));
        const decoder = new FrameDecoder();
        const got: Frame[] = [];
        let error: unknown;
        for (const chunk of cut(concat([goodBytes, junk]), points)) {
          try {
            got.push(...decoder.push(chunk));
          } catch (e) {
            error = e;
            if (e instanceof FrameStreamError) got.push(...e.frames);
            break;
          }
        }
        expect(error instanceof FrameStreamError && error.code).toBe('bad-magic');
        expect(error instanceof FrameStreamError && error.offset).toBe(goodBytes.length);
        expectSameFrames(got, frames);
      }),
      { numRuns: 300 },
    );
  });

  it('detects a bad magic after its first 4 bytes, without waiting for a whole header', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(new Uint8Array([1, 2, 3, 4]))).toThrow(/found 0x04030201/);
  });

  it('stays failed: every later push throws the same error, with no frames', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(new Uint8Array(24))).toThrow(FrameStreamError);
    let again: unknown;
    try {
      decoder.push(encodeMessageFrame(xpc.null(), 1n));
    } catch (e) {
      again = e;
    }
    expect(again instanceof FrameStreamError && [again.code, again.offset, again.frames.length]).toEqual(['bad-magic', 0, 0]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('throws too-large at the length field when a body exceeds maxFrameBytes, before any body byte arrives', () => {
    const first = encodeMessageFrame(xpc.null(), 1n);
    const big = encodeFrame({ flags: 0x101, messageId: 2n, body: new Uint8Array(1025) });
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    expect(decoder.push(first)).toHaveLength(1);
    let error: unknown;
    try {
      decoder.push(big.subarray(0, 16));
    } catch (e) {
      error = e;
    }
    expect(error instanceof FrameStreamError && [error.code, error.offset]).toEqual(['too-large', first.length + 8]);
    expect(String(error)).toMatch(/at most 1024 bytes, found a declared length of 1025/);
  });

  it('accepts a body of exactly maxFrameBytes', () => {
    const frame = encodeFrame({ flags: 0x101, messageId: 2n, body: new Uint8Array(1024) });
    expect(new FrameDecoder({ maxFrameBytes: 1024 }).push(frame)).toHaveLength(1);
  });

  it('refuses a declared length of 2^64-1 without buffering', () => {
    const header = new Uint8Array(FRAME_HEADER_SIZE);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x29b00b92, true);
    view.setBigUint64(8, UINT64_MAX, true);
    const decoder = new FrameDecoder();
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: 'too-large', offset: 8 }));
    expect(() => decoder.push(header)).toThrow(/declared length of 18446744073709551615$/);
  });

  it('never buffers more than one header plus maxFrameBytes', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, points) => {
        const max = Math.max(0, ...frames.map((f) => f.body.length));
        const decoder = new FrameDecoder({ maxFrameBytes: max });
        for (const chunk of cut(concat(frames.map(encodeFrame)), points)) {
          decoder.push(chunk);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(FRAME_HEADER_SIZE + max);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips values through frames: encodeMessageFrame, chunked, FrameDecoder, decodeXpc', () => {
    fc.assert(
      fc.property(fc.array(xpcValueArbitrary, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (values, points) => {
        const stream = concat(values.map((v, i) => encodeMessageFrame(v, BigInt(i), FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY)));
        const frames = pushAll(new FrameDecoder(), cut(stream, points));
        expect(frames).toHaveLength(values.length);
        frames.forEach((frame, i) => {
          const decoded = decodeXpc(frame.body);
          expect(decoded.ok && xpcEquals(decoded.value, values[i]!)).toBe(true);
          expect(frame.flags).toBe(0x10101);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an invalid maxFrameBytes', () => {
    expect(() => new FrameDecoder({ maxFrameBytes: -1 })).toThrow(RangeError);
  });
});
