import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpcValueArbitrary } from './fixtures/arbitrary';
import {
  DEFAULT_DECODE_LIMITS,
  decodeXpc,
  decodeXpcOrThrow,
  encodedSize,
  encodeXpc,
  XpcDecodeError,
  XpcEncodeError,
  type DecodeResult,
  type XpcDecodeErrorCode,
} from './codec';
import { INT64_MAX, INT64_MIN, UINT64_MAX, xpc, xpcEquals, type XpcValue } from './value';

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (hex: string) => new Uint8Array((hex.replace(/\s+/g, '').match(/../g) ?? []).map((h) => parseInt(h, 16)));
const HEADER = '42371342 05000000';
/** A payload from hex written as little-endian words separated by spaces. */
const payload = (hex: string) => fromHex(`${HEADER} ${hex}`);

function expectError(result: DecodeResult, code: XpcDecodeErrorCode, offset?: number): XpcDecodeError {
  if (result.ok) throw new Error(`expected ${code}, decoded ${JSON.stringify(result.value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  expect(result.error).toBeInstanceOf(XpcDecodeError);
  expect(result.error.code).toBe(code);
  if (offset !== undefined) expect(result.error.offset).toBe(offset);
  expect(result.error.message).toContain(`byte ${result.error.offset}`);
  return result.error;
}

function decodeOk(bytes: Uint8Array): XpcValue {
  const result = decodeXpc(bytes);
  if (!result.ok) throw result.error;
  return result.value;
}

describe('encodeXpc byte layouts', () => {
  const cases: [string, XpcValue, string][] = [
    ['null', xpc.null(), '00100000'],
    ['bool true as 4 bytes', xpc.bool(true), '00200000 01000000'],
    ['bool false', xpc.bool(false), '00200000 00000000'],
    ['int64 -2', xpc.int64(-2), '00300000 feffffffffffffff'],
    ['uint64 max', xpc.uint64(UINT64_MAX), '00400000 ffffffffffffffff'],
    ['double 1.5', xpc.double(1.5), '00500000 000000000000f83f'],
    ['date as int64 nanoseconds', xpc.date(1_000_000_001n), '00700000 01ca9a3b00000000'],
    ['data with length and padding', xpc.data(new Uint8Array([1, 2, 3, 4, 5])), '00800000 05000000 0102030405000000'],
    ['empty data', xpc.data(new Uint8Array(0)), '00800000 00000000'],
    ['string with NUL counted in the length', xpc.string('abc'), '00900000 04000000 61626300'],
    ['string padded after the NUL', xpc.string('abcd'), '00900000 05000000 6162636400000000'],
    ['empty string', xpc.string(''), '00900000 01000000 00000000'],
    ['UTF-8 string', xpc.string('é'), '00900000 03000000 c3a90000'],
    ['uuid as 16 raw bytes', xpc.uuid(new Uint8Array(16).map((_, i) => i)), '00a00000 000102030405060708090a0b0c0d0e0f'],
    ['fd as its path in string layout', xpc.fd('/tmp'), '00b00000 05000000 2f746d7000000000'],
    ['shmem as u64 size', xpc.shmem(4096), '00c00000 0010000000000000'],
    ['endpoint as its service name in string layout', xpc.endpoint('a.b'), '00200100 04000000 612e6200'],
    ['empty array', xpc.array([]), '00e00000 04000000 00000000'],
    ['array counting the entry count in its byte count', xpc.array([xpc.null(), xpc.bool(true)]), '00e00000 10000000 02000000 00100000 00200000 01000000'],
    ['empty dictionary', xpc.dictionary({}), '00f00000 04000000 00000000'],
    [
      'dictionary with padded NUL-terminated keys',
      xpc.dictionary({ a: xpc.string('x'), abcd: xpc.null() }),
      '00f00000 20000000 02000000 61000000 00900000 02000000 78000000 6162636400000000 00100000',
    ],
    [
      'error as a dictionary holding XPCErrorDescription',
      xpc.error('no'),
      '00000100 24000000 01000000 5850434572726f724465736372697074696f6e00 00900000 03000000 6e6f0000',
    ],
  ];
  it.each(cases)('%s', (_, value, hex) => {
    const expected = payload(hex);
    // 'endpoint' is 0x12000: the hex above spells its bytes 00 20 01 00.
    expect(toHex(encodeXpc(value))).toBe(toHex(expected));
    expect(encodedSize(value)).toBe(expected.length);
    expect(xpcEquals(decodeOk(expected), value)).toBe(true);
  });
});

describe('encodeXpc / decodeXpc round trip', () => {
  it('decodes every encoded value to an equal value, and encodedSize is the exact length', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, (value) => {
        const bytes = encodeXpc(value);
        expect(bytes.length).toBe(encodedSize(value));
        expect(bytes.length % 4).toBe(0);
        const decoded = decodeXpc(bytes);
        expect(decoded.ok).toBe(true);
        expect(decoded.ok && xpcEquals(decoded.value, value)).toBe(true);
        // Canonical: re-encoding what was decoded gives the same bytes.
        if (decoded.ok) expect(toHex(encodeXpc(decoded.value))).toBe(toHex(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps NaN, -0, ±Infinity and both ends of the 64-bit ranges exactly', () => {
    const value = xpc.array([
      xpc.double(NaN),
      xpc.double(-0),
      xpc.double(0),
      xpc.double(Infinity),
      xpc.double(-Infinity),
      xpc.int64(INT64_MIN),
      xpc.int64(INT64_MAX),
      xpc.uint64(UINT64_MAX),
      xpc.date(INT64_MIN),
      xpc.shmem(Number.MAX_SAFE_INTEGER),
    ]);
    const decoded = decodeOk(encodeXpc(value));
    expect(xpcEquals(decoded, value)).toBe(true);
    const items = decoded.type === 'array' ? decoded.items : [];
    expect(Object.is(items[1]?.type === 'double' && items[1].value, -0)).toBe(true);
  });

  it('keeps dictionary key order and keys that are awkward in JS objects', () => {
    const value = xpc.dictionary([
      ['z', xpc.int64(1)],
      ['10', xpc.int64(2)],
      ['__proto__', xpc.int64(3)],
      ['', xpc.int64(4)],
      ['ключ', xpc.int64(5)],
    ]);
    const decoded = decodeOk(encodeXpc(value));
    expect(decoded.type === 'dictionary' && [...decoded.entries.keys()]).toEqual(['z', '10', '__proto__', '', 'ключ']);
  });

  it('keeps a leading byte-order mark as part of the string', () => {
    expect(xpcEquals(decodeOk(encodeXpc(xpc.string('\ufeffx'))), xpc.string('\ufeffx'))).toBe(true);
  });

  it('returns data and uuid bytes that do not share memory with the input', () => {
    const bytes = encodeXpc(xpc.array([xpc.data(new Uint8Array([1, 2, 3])), xpc.uuid(new Uint8Array(16))]));
    const decoded = decodeOk(bytes);
    bytes.fill(0xee);
    expect(xpcEquals(decoded, xpc.array([xpc.data(new Uint8Array([1, 2, 3])), xpc.uuid(new Uint8Array(16))]))).toBe(true);
  });

  it('decodes thousands of distinct short keys and strings correctly, again and again', () => {
    // More distinct short texts than the decoder's text cache has slots, so slots collide.
    const entries = Array.from({ length: 5000 }, (_, i): [string, XpcValue] => [`k${i}`, xpc.string(i % 2 ? `v${i}` : `ü${i}`)]);
    const value = xpc.dictionary(entries);
    const bytes = encodeXpc(value);
    for (let round = 0; round < 3; round++) expect(xpcEquals(decodeOk(bytes), value)).toBe(true);
    expect(xpcEquals(decodeOk(encodeXpc(xpc.dictionary(entries.slice(0, 10)))), xpc.dictionary(entries.slice(0, 10)))).toBe(true);
  });

  it('copies data, uuids and cached text out of a Node Buffer, whose slice() would be a view', () => {
    const value = xpc.dictionary({ key: xpc.data(new Uint8Array([1, 2, 3])), id: xpc.uuid(new Uint8Array(16).fill(9)) });
    const buffer = Buffer.from(encodeXpc(value));
    const decoded = decodeOk(buffer);
    const data = decoded.type === 'dictionary' ? decoded.entries.get('key') : undefined;
    expect(data?.type === 'data' && data.value.constructor).toBe(Uint8Array);
    // Reuse the buffer for a message with other keys of the same length: nothing decoded before may change.
    const other = xpc.dictionary({ kez: xpc.data(new Uint8Array([4, 5, 6])), ie: xpc.uuid(new Uint8Array(16).fill(7)) });
    buffer.set(encodeXpc(other));
    expect(xpcEquals(decoded, value)).toBe(true);
    expect(xpcEquals(decodeOk(buffer), other)).toBe(true);
  });

  it('decodes a payload that sits at an offset inside a larger buffer', () => {
    const inner = encodeXpc(xpc.dictionary({ k: xpc.double(2.5) }));
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 3);
    expect(xpcEquals(decodeOk(outer.subarray(3, 3 + inner.length)), xpc.dictionary({ k: xpc.double(2.5) }))).toBe(true);
  });
});

describe('encodeXpc rejects what the format cannot represent', () => {
  const cases: [string, XpcValue, RegExp][] = [
    ['NUL in a dictionary key', { type: 'dictionary', entries: new Map([['a\0b', xpc.null()]]) }, /^cannot encode \$: dictionary key .* contains NUL/],
    ['NUL inside a nested string, naming its path', xpc.dictionary({ list: xpc.array([xpc.null(), xpc.string('a\0')]) }), /^cannot encode \$\.list\[1\]: string .* NUL/],
    ['a lone surrogate', xpc.array([xpc.string('x\ud800')]), /^cannot encode \$\[0\]: .*lone surrogate/],
    ['NUL in an fd path', xpc.fd('/a\0'), /fd path/],
    ['NUL in an endpoint name', xpc.endpoint('\0'), /endpoint service name/],
    ['NUL in an error description', xpc.error('e\0'), /error description/],
    ['an int64 above 2^63-1', { type: 'int64', value: INT64_MAX + 1n }, /int64 out of range/],
    ['a negative uint64', { type: 'uint64', value: -1n }, /uint64 out of range/],
    ['a uint64 above 2^64-1', { type: 'uint64', value: UINT64_MAX + 1n }, /uint64 out of range/],
    ['a date outside int64', { type: 'date', value: INT64_MIN - 1n }, /date out of range/],
    ['a uuid that is not 16 bytes', { type: 'uuid', value: new Uint8Array(15) }, /uuid must be 16 bytes, got 15/],
    ['a fractional shmem size', { type: 'shmem', size: 1.5 }, /shmem size/],
    ['a negative shmem size', { type: 'shmem', size: -1 }, /shmem size/],
  ];
  it.each(cases)('%s', (_, value, message) => {
    expect(() => encodeXpc(value)).toThrow(RangeError);
    expect(() => encodeXpc(value)).toThrow(XpcEncodeError);
    expect(() => encodeXpc(value)).toThrow(message);
    expect(() => encodedSize(value)).toThrow(RangeError);
  });

  it('names dictionary keys that are not identifiers with bracket notation', () => {
    const value = xpc.dictionary({ 'a key': xpc.dictionary({ inner: { type: 'uuid', value: new Uint8Array(1) } }) });
    expect(() => encodeXpc(value)).toThrow(/^cannot encode \$\["a key"\]\.inner: uuid/);
  });
});

describe('decodeXpc rejects malformed payloads with the offset and reason', () => {
  it('rejects a wrong magic at byte 0', () => {
    expectError(decodeXpc(fromHex('43371342 05000000 00100000')), 'bad-magic', 0);
  });

  it('rejects a version other than 5 at byte 4', () => {
    expect(expectError(decodeXpc(fromHex('42371342 04000000 00100000')), 'bad-version', 4).message).toMatch(/expected payload version 5, found 4/);
  });

  it('reports truncation for input shorter than the header', () => {
    expectError(decodeXpc(new Uint8Array(0)), 'truncated', 0);
    expectError(decodeXpc(fromHex('423713')), 'truncated', 0);
    expectError(decodeXpc(fromHex('42371342 0500')), 'truncated', 4);
  });

  it('reports every proper prefix of a valid payload as truncated', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, fc.nat(), (value, cut) => {
        const bytes = encodeXpc(value);
        const prefix = bytes.subarray(0, cut % bytes.length);
        const result = decodeXpc(prefix);
        expectError(result, 'truncated');
        expect(!result.ok && result.error.offset).toBeLessThanOrEqual(prefix.length);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects an unknown type code at its offset', () => {
    expect(expectError(decodeXpc(payload('00600000')), 'unknown-type', 8).message).toMatch(/0x6000/);
    expectError(decodeXpc(payload('00e00000 08000000 01000000 0d000000')), 'unknown-type', 20);
  });

  it('rejects a bool other than 0 or 1', () => {
    expectError(decodeXpc(payload('00200000 02000000')), 'bad-bool', 12);
    expectError(decodeXpc(payload('00200000 01000100')), 'bad-bool', 12);
  });

  it('rejects a string without its NUL terminator at the declared length', () => {
    expectError(decodeXpc(payload('00900000 03000000 61626300')), 'bad-string', 18);
  });

  it('rejects a NUL inside a string before its terminator', () => {
    expectError(decodeXpc(payload('00900000 04000000 61006200')), 'bad-string', 17);
  });

  it('rejects a string length of 0, which leaves no room for the NUL', () => {
    expectError(decodeXpc(payload('00900000 00000000')), 'bad-string', 12);
  });

  it('rejects invalid UTF-8 in strings, keys, fd paths and endpoint names', () => {
    expectError(decodeXpc(payload('00900000 02000000 ff000000')), 'bad-utf8', 16);
    expectError(decodeXpc(payload('00900000 04000000 eda08000')), 'bad-utf8', 16); // an encoded surrogate
    expectError(decodeXpc(payload('00f00000 0c000000 01000000 c0000000 00100000')), 'bad-utf8', 20);
    expectError(decodeXpc(payload('00b00000 02000000 80000000')), 'bad-utf8', 16);
    expectError(decodeXpc(payload('00200100 03000000 c3280000')), 'bad-utf8', 16);
  });

  it('rejects non-zero alignment padding after data, strings and keys', () => {
    expectError(decodeXpc(payload('00800000 01000000 01000100')), 'bad-padding', 18);
    expectError(decodeXpc(payload('00900000 02000000 78000001')), 'bad-padding', 19);
    expectError(decodeXpc(payload('00f00000 0c000000 01000000 61000100 00100000')), 'bad-padding', 22);
  });

  it('rejects a dictionary key with no NUL inside its dictionary', () => {
    expectError(decodeXpc(payload('00f00000 0c000000 01000000 61616161 61616161')), 'bad-key', 20);
  });

  it('rejects a key that appears twice in one dictionary', () => {
    const error = expectError(decodeXpc(payload('00f00000 14000000 02000000 61000000 00100000 61000000 00100000')), 'duplicate-key', 28);
    expect(error.message).toMatch(/"a" twice/);
  });

  it('allows the same key in different dictionaries', () => {
    const value = xpc.dictionary({ a: xpc.dictionary({ a: xpc.null() }) });
    expect(xpcEquals(decodeOk(encodeXpc(value)), value)).toBe(true);
  });

  it('rejects a container whose byte count is larger than its entries use', () => {
    expectError(decodeXpc(payload('00e00000 0c000000 01000000 00100000 00100000')), 'bad-length', 24);
  });

  it('rejects a container whose entries run past its byte count', () => {
    // The array declares 8 bytes (count + one type code) but its one entry is an int64.
    expectError(decodeXpc(payload('00e00000 08000000 01000000 00300000 0100000000000000')), 'bad-length', 24);
  });

  it('rejects an entry count that cannot fit the declared byte count, before reading entries', () => {
    expectError(decodeXpc(payload('00e00000 08000000 02000000 00100000')), 'bad-length', 16);
    expectError(decodeXpc(payload('00f00000 08000000 01000000 00100000')), 'bad-length', 16);
  });

  it('rejects a container byte count smaller than its entry count field', () => {
    expectError(decodeXpc(payload('00e00000 00000000')), 'bad-length', 12);
  });

  it('rejects a nested container that claims more bytes than its parent has', () => {
    expectError(decodeXpc(payload('00e00000 0c000000 01000000 00e00000 08000000 00000000 00100000')), 'bad-length', 24);
  });

  it('rejects bytes after the root object', () => {
    expectError(decodeXpc(payload('00100000 00')), 'trailing-bytes', 12);
  });

  it('rejects a shmem size beyond 2^53-1', () => {
    expectError(decodeXpc(payload('00c00000 0000000000002000')), 'out-of-range', 12);
  });

  it('rejects an error object without XPCErrorDescription, or with a non-string one', () => {
    expectError(decodeXpc(payload('00000100 04000000 00000000')), 'bad-error', 8);
    const withInt = encodeXpc(xpc.dictionary({ XPCErrorDescription: xpc.int64(1) }));
    new DataView(withInt.buffer).setUint32(8, 0x10000, true);
    expectError(decodeXpc(withInt), 'bad-error', 8);
  });

  it('decodes an error object and ignores keys other than XPCErrorDescription', () => {
    const bytes = encodeXpc(xpc.dictionary({ extra: xpc.int64(7), XPCErrorDescription: xpc.string('Connection invalid') }));
    new DataView(bytes.buffer).setUint32(8, 0x10000, true);
    expect(xpcEquals(decodeOk(bytes), xpc.error('Connection invalid'))).toBe(true);
  });

  it('decodeXpcOrThrow returns the value or throws the XpcDecodeError', () => {
    expect(xpcEquals(decodeXpcOrThrow(encodeXpc(xpc.int64(3))), xpc.int64(3))).toBe(true);
    expect(() => decodeXpcOrThrow(fromHex('00'))).toThrow(XpcDecodeError);
    try {
      decodeXpcOrThrow(payload('00600000'));
    } catch (error) {
      expect(error instanceof XpcDecodeError && error.code).toBe('unknown-type');
    }
  });
});

describe('decodeXpc limits', () => {
  /** `depth` arrays, each holding the next, around a null. */
  function nestedArrays(depth: number): XpcValue {
    let value: XpcValue = xpc.null();
    for (let i = 0; i < depth; i++) value = xpc.array([value]);
    return value;
  }

  it('accepts nesting up to maxDepth and rejects one level more at that container', () => {
    expect(decodeXpc(encodeXpc(nestedArrays(DEFAULT_DECODE_LIMITS.maxDepth))).ok).toBe(true);
    // Each array header is 12 bytes, so the 65th array starts at 8 + 64 * 12.
    expectError(decodeXpc(encodeXpc(nestedArrays(DEFAULT_DECODE_LIMITS.maxDepth + 1))), 'too-deep', 8 + 64 * 12);
    expectError(decodeXpc(encodeXpc(nestedArrays(3)), { maxDepth: 2 }), 'too-deep', 32);
    expect(decodeXpc(encodeXpc(xpc.int64(1)), { maxDepth: 0 }).ok).toBe(true);
  });

  it('rejects 100,000 levels of nesting quickly, without recursing into them', () => {
    const depth = 100_000;
    const bytes = new Uint8Array(8 + depth * 12 + 4);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0x42133742, true);
    view.setUint32(4, 5, true);
    for (let i = 0; i < depth; i++) {
      const at = 8 + i * 12;
      view.setUint32(at, 0xe000, true);
      view.setUint32(at + 4, (depth - i) * 12 - 4, true);
      view.setUint32(at + 8, 1, true);
    }
    view.setUint32(8 + depth * 12, 0x1000, true);
    const start = performance.now();
    expectError(decodeXpc(bytes), 'too-deep');
    expectError(decodeXpc(bytes, { maxDepth: 1024 }), 'too-deep', 8 + 1024 * 12);
    expect(performance.now() - start).toBeLessThan(200);
  });

  it('rejects a 16-byte payload claiming a 4 GiB data blob as truncated at its length field', () => {
    const bytes = payload('00800000 ffffffff');
    expect(bytes.length).toBe(16);
    expect(expectError(decodeXpc(bytes), 'truncated', 12).message).toMatch(/4294967295 data bytes/);
  });

  it('rejects huge declared string, container and nested lengths before allocating anything', () => {
    const start = performance.now();
    expectError(decodeXpc(payload('00900000 ffffffff')), 'truncated', 12);
    expectError(decodeXpc(payload('00e00000 ffffffff 00000000')), 'truncated', 12);
    expectError(decodeXpc(payload('00f00000 ffffffff ffffffff')), 'truncated', 12);
    // The outer array is consistent; the inner data blob claims more than the array holds.
    expectError(decodeXpc(payload('00e00000 10000000 01000000 00800000 ffffffff 00000000')), 'bad-length', 24);
    // 4 billion entries in 8 bytes: the count alone is refused; no entry is read.
    expectError(decodeXpc(payload('00e00000 08000000 ffffffff 00100000')), 'bad-length', 16);
    expect(performance.now() - start).toBeLessThan(50);
  });

  it('counts container entries across the whole payload against maxElements', () => {
    const flat = xpc.array(Array.from({ length: 10 }, () => xpc.null()));
    expect(decodeXpc(encodeXpc(flat), { maxElements: 10 }).ok).toBe(true);
    // Refused at the entry count (byte 16), before any entry is decoded.
    expectError(decodeXpc(encodeXpc(flat), { maxElements: 9 }), 'too-many-elements', 16);
    const nested = xpc.array([xpc.array([xpc.null(), xpc.null()]), xpc.dictionary({ a: xpc.null(), b: xpc.null() })]);
    expect(decodeXpc(encodeXpc(nested), { maxElements: 6 }).ok).toBe(true);
    expectError(decodeXpc(encodeXpc(nested), { maxElements: 5 }), 'too-many-elements');
  });

  it('refuses a million-entry array over the limit at its count, before decoding entries', () => {
    const big = encodeXpc(xpc.array(Array.from({ length: 1_000_001 }, () => xpc.null())));
    const start = performance.now();
    expectError(decodeXpc(big), 'too-many-elements', 16);
    expect(performance.now() - start).toBeLessThan(50);
  });

  it('rejects input longer than maxBytes before reading it', () => {
    const bytes = encodeXpc(xpc.data(new Uint8Array(1000)));
    expectError(decodeXpc(bytes, { maxBytes: 999 }), 'too-large', 999);
    expect(decodeXpc(bytes, { maxBytes: bytes.length }).ok).toBe(true);
  });

  it('throws RangeError for limits that are not non-negative integers', () => {
    expect(() => decodeXpc(new Uint8Array(0), { maxDepth: -1 })).toThrow(RangeError);
    expect(() => decodeXpc(new Uint8Array(0), { maxElements: NaN })).toThrow(RangeError);
    expect(() => decodeXpc(new Uint8Array(0), { maxDepth: 100_000 })).toThrow(/maxDepth must be an integer from 0 to 1024, got 100000/);
  });
});

describe('decodeXpc is total on hostile input', () => {
  const CODES: readonly XpcDecodeErrorCode[] = [
    'truncated',
    'too-large',
    'bad-magic',
    'bad-version',
    'unknown-type',
    'bad-length',
    'bad-utf8',
    'bad-string',
    'bad-key',
    'bad-bool',
    'bad-padding',
    'duplicate-key',
    'too-deep',
    'too-many-elements',
    'out-of-range',
    'bad-error',
    'trailing-bytes',
  ];

  /** Decodes without letting anything but a well-formed result through. */
  function checkTotal(bytes: Uint8Array, limits = { maxDepth: 8, maxElements: 200 }): void {
    let result: DecodeResult;
    try {
      result = decodeXpc(bytes, limits);
    } catch (error) {
      throw new Error(`decodeXpc threw on ${toHex(bytes)}: ${String(error)}`);
    }
    if (result.ok) {
      // Whatever decodes is a real value: it survives another round trip.
      const again = decodeXpc(encodeXpc(result.value), limits);
      expect(again.ok && xpcEquals(again.value, result.value)).toBe(true);
    } else {
      expect(result.error).toBeInstanceOf(XpcDecodeError);
      expect(CODES).toContain(result.error.code);
      expect(result.error.offset).toBeGreaterThanOrEqual(0);
      expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
    }
  }

  const interestingWord = fc.constantFrom(0, 1, 2, 3, 4, 0xff, 0x1000, 0xe000, 0xf000, 0x9000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fffc);

  /** One edit of a valid payload: flip a bit, insert, delete, overwrite a word, truncate, duplicate a slice. */
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('word' as const), at: fc.nat(), word: interestingWord }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(input: Uint8Array, m: Mutation): Uint8Array {
    const bytes = Array.from(input);
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    switch (m.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      case 'insert':
        bytes.splice(at, 0, ...m.bytes);
        break;
      case 'delete':
        bytes.splice(at, m.count);
        break;
      case 'word': {
        const aligned = at & ~3;
        for (let i = 0; i < 4 && aligned + i < bytes.length; i++) bytes[aligned + i] = (m.word >>> (8 * i)) & 0xff;
        break;
      }
      case 'truncate':
        bytes.length = at;
        break;
      case 'repeat':
        bytes.splice(at, 0, ...bytes.slice(at, at + m.count));
        break;
    }
    return Uint8Array.from(bytes);
  }

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => checkTotal(bytes)), { numRuns: 3000 });
  });

  it('never throws on random bytes behind a valid header', () => {
    const header = fromHex(HEADER);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        const bytes = new Uint8Array(header.length + body.length);
        bytes.set(header);
        bytes.set(body, header.length);
        checkTotal(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutated valid payloads, and finishes quickly', () => {
    const start = performance.now();
    let runs = 0;
    fc.assert(
      fc.property(xpcValueArbitrary, fc.array(mutation, { minLength: 1, maxLength: 4 }), (value, mutations) => {
        let bytes = encodeXpc(value);
        for (const m of mutations) bytes = mutate(bytes, m);
        checkTotal(bytes);
        runs++;
      }),
      { numRuns: 5000 },
    );
    expect(runs).toBe(5000);
    expect(performance.now() - start).toBeLessThan(20_000);
  });

  it('accepts only 0 and 1 in every position of a bool, and only zero padding, under single-bit flips', () => {
    const bytes = encodeXpc(xpc.dictionary({ flag: xpc.bool(true), s: xpc.string('x') }));
    for (let i = 0; i < bytes.length * 8; i++) {
      const flipped = bytes.slice();
      flipped[i >> 3] = flipped[i >> 3]! ^ (1 << (i & 7));
      checkTotal(flipped);
    }
  });
});
