import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpcValueArbitrary } from './fixtures/arbitrary';
import { decodeXpc, decodeXpcLocating, encodedSize, encodeXpc, encodeXpcInto } from './codec';
import { encodeMessageFrame, FrameDecoder, type Frame } from './frame';
import { FrameBatch } from './frame-batch';
import { xpc, xpcEquals, type XpcValue } from './value';

/** An op dictionary shaped like the broker protocol's, carrying `body`. */
const op = (name: string, body: XpcValue): XpcValue => xpc.dictionary({ op: xpc.string(name), peer: xpc.int64(7), body, reply: xpc.bool(true) });

describe('forwarding a root entry verbatim', () => {
  it('locates the root entry, and encoding with those bytes gives the bytes of a full encoding', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, (body) => {
        const received = encodeXpc(op('send', body));
        const decoded = decodeXpcLocating(received, 'body');
        if (!decoded.ok) throw decoded.error;
        expect(decoded.located).toBeDefined();
        expect(decodeXpc(new Uint8Array([0x42, 0x37, 0x13, 0x42, 5, 0, 0, 0, ...decoded.located!]))).toMatchObject({ ok: true });
        const forwarded = op('deliver', body);
        const verbatim = { key: 'body', bytes: decoded.located! };
        const size = encodedSize(forwarded, verbatim);
        expect(size).toBe(encodedSize(forwarded));
        const out = new Uint8Array(size + 8);
        expect(encodeXpcInto(forwarded, out, 8, size, verbatim)).toBe(size + 8);
        expect(out.subarray(8)).toEqual(encodeXpc(forwarded));
      }),
      { numRuns: 300 },
    );
  });

  it('locates only an entry of the root dictionary, and nothing in a payload without it', () => {
    const nested = encodeXpc(xpc.dictionary({ op: xpc.string('x'), inner: xpc.dictionary({ body: xpc.int64(1) }) }));
    const result = decodeXpcLocating(nested, 'body');
    expect(result.ok && result.located).toBeUndefined();
    const notDict = decodeXpcLocating(encodeXpc(xpc.array([xpc.int64(1)])), 'body');
    expect(notDict.ok && notDict.located).toBeUndefined();
    const plain = decodeXpcLocating(encodeXpc(op('send', xpc.string('hi'))), undefined);
    expect(plain.ok && plain.located).toBeUndefined();
  });

  it('reports the same errors as decodeXpc', () => {
    const bytes = encodeXpc(op('send', xpc.string('hello')));
    bytes[bytes.length - 1] = 7; // string padding
    const a = decodeXpc(bytes);
    const b = decodeXpcLocating(bytes, 'body');
    expect(a.ok).toBe(false);
    expect(b.ok).toBe(false);
    if (!a.ok && !b.ok) expect(b.error.message).toBe(a.error.message);
  });
});

function decodeFrame(frame: Frame): XpcValue {
  const decoded = decodeXpc(frame.body);
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

describe('FrameBatch', () => {
  it('hands out every frame added since the last take, in order and byte for byte, across slabs', () => {
    const batch = new FrameBatch();
    const values: XpcValue[] = [];
    for (let i = 0; i < 3000; i++) {
      // Mostly small frames, now and then one past the slab share, so every path is taken.
      values.push(i % 500 === 7 ? xpc.data(new Uint8Array(40_000).fill(i & 0xff)) : xpc.dictionary({ n: xpc.int64(i), text: xpc.string('x'.repeat(i % 90)) }));
    }
    const decoder = new FrameDecoder();
    const seen: XpcValue[] = [];
    let sent: Uint8Array[] = [];
    const takeAll = (): void => {
      const pieces = batch.take();
      const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of pieces) {
        joined.set(piece, at);
        at += piece.length;
      }
      const wanted = new Uint8Array(sent.reduce((n, f) => n + f.length, 0));
      at = 0;
      for (const frame of sent) {
        wanted.set(frame, at);
        at += frame.length;
      }
      expect(joined).toEqual(wanted);
      sent = [];
      for (const frame of decoder.push(joined)) seen.push(decodeFrame(frame));
    };
    values.forEach((value, i) => {
      const bytes = encodeMessageFrame(value, BigInt(i), 0x101);
      if (i % 3 === 0) batch.addEncoded(bytes);
      else batch.add(value, BigInt(i), 0x101);
      sent.push(bytes);
      expect(batch.pendingBytes).toBe(sent.reduce((n, f) => n + f.length, 0));
      if (i % 250 === 0) takeAll();
    });
    takeAll();
    expect(batch.take()).toEqual([]);
    expect(seen.length).toBe(values.length);
    seen.forEach((value, i) => expect(xpcEquals(value, values[i]!)).toBe(true));
  });
});
