/**
 * bplist16/17 edge cases on hand-built payloads; the real payloads are in samples.test.ts.
 * `encode17` writes the layout described in bplist17.ts, so generated values can round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBplist17 } from './bplist17';
import type { NsxpcResult } from './errors';
import { plain } from './fixtures/shape';
import { decodeNsxpcInvocation, invocationSummary } from './invocation';
import { plist, type PlistValue } from './plist-value';
import { splitSignature } from './type-encoding';

function le(value: bigint, size: number): number[] {
  return Array.from({ length: size }, (_, i) => Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn));
}
function lengthTag(marker: number, n: number): number[] {
  return n < 15 ? [marker | n] : [marker | 0x0f, 0x18, ...le(BigInt(n), 8)];
}
/** Writes one object at absolute position `at` (containers record absolute end offsets). */
function encodeAt(v: PlistValue, at: number): number[] {
  switch (v.kind) {
    case 'null':
      return [0xe0];
    case 'bool':
      return [v.value ? 0xb0 : 0xc0];
    case 'int':
      return v.value < 0n ? [0x18, ...le(v.value, 8)] : v.value < 1n << 63n ? [0x18, ...le(v.value, 8)] : [0xf0, ...le(v.value, 8)];
    case 'real': {
      const view = new DataView(new ArrayBuffer(v.bytes));
      if (v.bytes === 4) view.setFloat32(0, v.value, true);
      else view.setFloat64(0, v.value, true);
      return [v.bytes === 4 ? 0x22 : 0x23, ...new Uint8Array(view.buffer)];
    }
    case 'data':
      return [...lengthTag(0x40, v.value.length), ...v.value];
    case 'string': {
      if (/^[\x01-\x7f]*$/.test(v.value)) return [...lengthTag(0x70, v.value.length + 1), ...[...v.value].map((c) => c.charCodeAt(0)), 0];
      const out = lengthTag(0x60, v.value.length);
      for (let i = 0; i < v.value.length; i++) out.push(v.value.charCodeAt(i) & 0xff, v.value.charCodeAt(i) >> 8);
      return out;
    }
    case 'array':
    case 'dict': {
      const body: number[] = [];
      const children = v.kind === 'array' ? v.items : [...v.entries].flatMap(([k, item]) => [plist.string(k), item]);
      for (const child of children) body.push(...encodeAt(child, at + 9 + body.length));
      return [v.kind === 'array' ? 0xa0 : 0xd0, ...le(BigInt(at + 8 + body.length), 8), ...body];
    }
    default:
      throw new Error(`${v.kind} has no bplist17 form`);
  }
}
const encode17 = (v: PlistValue, magic = 'bplist17') => Uint8Array.from([...[...magic].map((c) => c.charCodeAt(0)), ...encodeAt(v, 8)]);

function ok<T>(r: NsxpcResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

const value17: fc.Arbitrary<PlistValue> = fc.letrec<{ v: PlistValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(plist.null()),
    fc.boolean().map(plist.bool),
    fc.bigInt(-(2n ** 63n), 2n ** 64n - 1n).map(plist.int),
    fc.double().map((d) => plist.real(d)),
    fc.float().map((f) => plist.real(f, 4)),
    fc.uint8Array({ maxLength: 30 }).map(plist.data),
    fc.string({ unit: 'binary', maxLength: 30 }).map(plist.string),
    fc.array(tie('v'), { maxLength: 8 }).map(plist.array),
    fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 10 }).filter((k) => !k.includes('\0')), tie('v')), { selector: ([k]) => k, maxLength: 6 }).map(plist.dict),
  ),
})).v;

describe('bplist16/17 decoder', () => {
  it('round-trips generated values in both magics', () => {
    fc.assert(
      fc.property(value17, fc.constantFrom('bplist16', 'bplist17'), (v, magic) => {
        expect(ok(decodeBplist17(encode17(v, magic)))).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('reads little-endian integers: short ones unsigned, 8 bytes signed, 0xF0 as uint64', () => {
    const head = [...'bplist17'].map((c) => c.charCodeAt(0));
    expect(ok(decodeBplist17(Uint8Array.from([...head, 0x12, 0x34, 0x12])))).toEqual(plist.int(0x1234));
    expect(ok(decodeBplist17(Uint8Array.from([...head, 0x14, 0xff, 0xff, 0xff, 0xff])))).toEqual(plist.int(0xffffffff));
    expect(ok(decodeBplist17(Uint8Array.from([...head, 0x18, ...le(-2n, 8)])))).toEqual(plist.int(-2n));
    expect(ok(decodeBplist17(Uint8Array.from([...head, 0xf0, ...le(2n ** 64n - 1n, 8)])))).toEqual(plist.int(2n ** 64n - 1n));
    expect(ok(decodeBplist17(Uint8Array.from([...head, 0x22, 0, 0, 0xc0, 0x3f])))).toEqual(plist.real(1.5, 4));
  });

  it('names offset and reason of broken payloads', () => {
    const head = [...'bplist17'].map((c) => c.charCodeAt(0));
    const cases: [number[], string, number][] = [
      [[...'bplist18'].map((c) => c.charCodeAt(0)), 'bad-magic', 0],
      [[...head, 0x73, 0x61, 0x62, 0x63], 'malformed', 8], // no terminating NUL
      [[...head, 0x75, 0x61, 0], 'truncated', 9],
      [[...head, 0x90], 'bad-marker', 8],
      [[...head, 0xa0, ...le(3n, 8)], 'malformed', 9], // end before its own header
      [[...head, 0xa0, ...le(25n, 8), 0xa0, ...le(40n, 8), 0xe0], 'malformed', 18], // child ends after its parent
      [[...head, 0xd0, ...le(17n, 8), 0xe0], 'malformed', 8], // odd dictionary
      [[...head, 0xe0, 0xe0], 'malformed', 9], // bytes after the root
    ];
    for (const [bytes, code, offset] of cases) {
      const r = decodeBplist17(Uint8Array.from(bytes));
      expect(r.ok ? 'decoded' : [r.error.code, r.error.offset, r.error.message.startsWith(`byte ${offset}: `)]).toEqual([code, offset, true]);
    }
  });

  it('bounds nesting depth', () => {
    let v: PlistValue = plist.null();
    for (let i = 0; i < 40; i++) v = plist.array([v]);
    const r = decodeBplist17(encode17(v), { maxDepth: 32, maxValues: 1000 });
    expect(!r.ok && r.error.code).toBe('over-limit');
  });

  it('random mutations of generated payloads return a value or a structured error', () => {
    fc.assert(
      fc.property(value17, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (v, flips) => {
        const bytes = encode17(plist.array([plist.string('a:'), plist.string('v24@0:8@16'), plist.array([v])]));
        for (const [at, b] of flips) bytes[at % bytes.length] = b;
        const r = decodeNsxpcInvocation(bytes);
        if (!r.ok) expect(r.error.reason).not.toBe('');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('invocation view', () => {
  it('lines arguments up with the signature and names classes from @"Class" types and $class', () => {
    const root = plist.array([
      plist.string('doThing:with:reply:'),
      plist.string('v40@0:8@"NSString"16@24@?<v@?@"NSError">32'),
      plist.array([plist.string('hi'), plist.dict([['$class', plist.string('NSArray')], ['NS.objects', plist.array([plist.int(1)])]]), plist.null()]),
    ]);
    const view = ok(decodeNsxpcInvocation(encode17(root), { replySignature: 'v16@?0@"NSError"8' }));
    expect(view.arguments.map((a) => [a.class, a.type, plain(a.value)])).toEqual([
      ['NSString', '@"NSString"', 'hi'],
      ['NSArray', '@', [1n]],
      [undefined, '@?<v@?@"NSError">', null],
    ]);
    expect(view.replyBlock).toBe('v16@?0@"NSError"8');
    expect(invocationSummary(view, 'MyProtocol')).toBe('-[MyProtocol doThing:with:reply:]');
  });

  it('says when the signature and the arguments disagree, and refuses a root that is not an invocation', () => {
    const view = ok(decodeNsxpcInvocation(encode17(plist.array([plist.string('a:'), plist.string('v24@0:8@16'), plist.array([])]))));
    expect(view.signatureMismatch).toBe('signature has 1 parameters, 0 arguments were sent');
    const notInvocation = decodeNsxpcInvocation(encode17(plist.string('x')));
    expect(!notInvocation.ok && notInvocation.error.code).toBe('not-archive');
  });

  it('splits type encodings with structs, pointers, qualifiers and block signatures', () => {
    expect(splitSignature('v60@0:8Q16Q24@32Q40B48@?52')).toEqual(['v', '@', ':', 'Q', 'Q', '@', 'Q', 'B', '@?']);
    expect(splitSignature('{CGRect={CGPoint=dd}{CGSize=dd}}40@0:8r^{x=i}16[4i]24')).toEqual(['{CGRect={CGPoint=dd}{CGSize=dd}}', '@', ':', 'r^{x=i}', '[4i]']);
    expect(splitSignature('v@?@')).toEqual(['v', '@?', '@']);
    expect(splitSignature('v{unterminated')).toBeUndefined();
  });
});
