import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBplist00, type Bplist00Limits } from './bplist00';
import { encodeBplist00 } from './bplist00-writer';
import type { NsxpcResult } from './errors';
import { plistArbitrary } from './fixtures/arbitrary';
import { plist } from './plist-value';

function ok<T>(r: NsxpcResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** A bplist00 file from hand-written objects (each a byte list) with 1-byte offsets and references. */
function handMade(objects: number[][], top = 0): Uint8Array {
  const out = [...'bplist00'].map((c) => c.charCodeAt(0));
  const offsets: number[] = [];
  for (const o of objects) {
    offsets.push(out.length);
    out.push(...o);
  }
  const table = out.length;
  out.push(...offsets);
  const u64 = (n: number) => [0, 0, 0, 0, 0, 0, (n >> 8) & 0xff, n & 0xff];
  out.push(0, 0, 0, 0, 0, 0, 1, 1, ...u64(objects.length), ...u64(top), ...u64(table));
  return Uint8Array.from(out);
}

const LIMITS: Bplist00Limits = { maxObjects: 1000, maxDepth: 16, maxValues: 5000, maxBytes: 10_000 };

describe('bplist00 reader', () => {
  it('round-trips generated values (UIDs, 128-bit and negative 64-bit ints, float32/64, dates, UTF-16 with lone surrogates, nested containers)', () => {
    fc.assert(
      fc.property(plistArbitrary({ nullAndSets: true, loneSurrogates: true }), (value) => {
        expect(ok(decodeBplist00(encodeBplist00(value)))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('reads integer widths as CoreFoundation writes them: 1/2/4 bytes unsigned, 8 and 16 bytes signed', () => {
    expect(ok(decodeBplist00(handMade([[0x12, 0xff, 0xff, 0xff, 0xff]])))).toEqual(plist.int(4294967295n));
    expect(ok(decodeBplist00(handMade([[0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]])))).toEqual(plist.int(-1n));
    expect(ok(decodeBplist00(handMade([[0x13, 0x80, 0, 0, 0, 0, 0, 0, 0]])))).toEqual(plist.int(-(2n ** 63n)));
    // CF writes 2^63 … 2^64-1 as 16 bytes with a zero upper half.
    expect(ok(decodeBplist00(handMade([[0x14, ...Array<number>(8).fill(0), ...Array<number>(8).fill(0xff)]])))).toEqual(plist.int(2n ** 64n - 1n));
    expect(ok(decodeBplist00(handMade([[0x14, ...Array<number>(16).fill(0xff)]])))).toEqual(plist.int(-1n));
  });

  it('reads UIDs of 1 to 8 bytes, dates as seconds since 2001, and float32', () => {
    expect(ok(decodeBplist00(handMade([[0x80, 0x07]])))).toEqual(plist.uid(7));
    expect(ok(decodeBplist00(handMade([[0x83, 0, 1, 0, 0]])))).toEqual(plist.uid(65536));
    expect(ok(decodeBplist00(handMade([[0x33, 0xc1, 0xcd, 0x27, 0xe4, 0x40, 0, 0, 0]])))).toEqual(plist.date(-978307200)); // 1970-01-01
    expect(ok(decodeBplist00(handMade([[0x22, 0x3f, 0xc0, 0, 0]])))).toEqual(plist.real(1.5, 4));
  });

  it('reports a reference cycle with the container offset', () => {
    const r = decodeBplist00(handMade([[0xa1, 0x00]]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.offset, r.error.message]).toEqual(['cycle', 8, 'byte 8: object 0 contains itself']);
  });

  it('counts a shared object once per use, so doubling references cannot expand without bound', () => {
    // Object i is [i+1, i+1]; 40 levels expand to 2^40 values.
    const objects = Array.from({ length: 40 }, (_, i) => [0xa2, i + 1, i + 1]);
    objects.push([0x10, 0x01]);
    const r = decodeBplist00(handMade(objects), { ...LIMITS, maxDepth: 100 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('over-limit');
  });

  it('bounds depth, object count and expanded bytes', () => {
    const deep = Array.from({ length: 30 }, (_, i) => [0xa1, i + 1]);
    deep.push([0x10, 0x01]);
    const depth = decodeBplist00(handMade(deep), LIMITS);
    expect(!depth.ok && depth.error.code).toBe('over-limit');
    const many = encodeBplist00(plist.array(Array.from({ length: 1500 }, (_, i) => plist.int(i))));
    const count = decodeBplist00(many, LIMITS);
    expect(!count.ok && count.error.code).toBe('over-limit');
    const big = encodeBplist00(plist.array(Array.from({ length: 3 }, () => plist.data(new Uint8Array(4000)))));
    const bytes = decodeBplist00(big, LIMITS);
    expect(!bytes.ok && bytes.error.code).toBe('over-limit');
  });

  it('names the offset and reason of broken input', () => {
    const notPlist = decodeBplist00(new TextEncoder().encode('bplist01 and some more bytes to reach forty bytes'));
    expect(!notPlist.ok && [notPlist.error.code, notPlist.error.offset]).toEqual(['bad-magic', 0]);
    const short = decodeBplist00(new TextEncoder().encode('bplist00'));
    expect(!short.ok && short.error.code).toBe('truncated');
    // A string whose length runs into the offset table.
    const overrun = decodeBplist00(handMade([[0x55, 0x61]]));
    expect(!overrun.ok && [overrun.error.code, overrun.error.offset]).toEqual(['truncated', 8]);
    const badRef = decodeBplist00(handMade([[0xa1, 0x09]]));
    expect(!badRef.ok && badRef.error.message).toMatch(/^byte 9: object 0: reference 0 is to object 9, but there are 1$/);
    const badKey = decodeBplist00(handMade([[0xd1, 1, 1], [0x10, 0x01]]));
    expect(!badKey.ok && badKey.error.reason).toContain('dictionary key 0 is a int');
  });

  it('random bytes and mutated encodings return a value or a structured error, never throw', () => {
    fc.assert(
      fc.property(plistArbitrary(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (value, flips) => {
        const bytes = encodeBplist00(value);
        for (const [at, b] of flips) bytes[at % bytes.length] = b;
        const r = decodeBplist00(bytes, LIMITS);
        if (!r.ok) expect(r.error.reason).not.toBe('');
      }),
      { numRuns: 1000 },
    );
  });
});

