/**
 * Interoperability with an independent RemoteXPC implementation: the xpc-protocol module of
 * appium-ios-remotexpc, which talks to real iOS devices. Its package `exports` hide the
 * module, so it is loaded by file path.
 *
 * Its JS mapping: null ⇄ null, boolean ⇄ bool, integral number → int64, other number → double,
 * bigint → uint64, int64/uint64 → number when safe else bigint, Date ⇄ date (milliseconds),
 * Buffer ⇄ data, XPCUUID → uuid → 32-digit hex string, array ⇄ array, object ⇄ dictionary.
 * The message body must be a dictionary. It has no fd, shmem, error or endpoint.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpcKeyArbitrary, xpcTextArbitrary } from './fixtures/arbitrary';
import { decodeXpc, encodeXpc } from './codec';
import { encodeFrame, encodeMessageFrame, FrameDecoder, type Frame } from './frame';
import { bytesEqual, INT64_MAX, INT64_MIN, UINT64_MAX, xpc, xpcEquals, type XpcValue } from './value';

type OracleMessageBody = Record<string, unknown>;
interface OracleMessage {
  flags: number;
  id?: bigint | number;
  body?: OracleMessageBody | null;
}
interface XpcProtocolModule {
  encodeMessage(message: OracleMessage): Buffer;
  decodeMessage(buffer: Buffer): { message: OracleMessage; bytesConsumed: number };
}
interface OracleUuid {
  readonly uuidBytes: Buffer;
}
interface XpcUuidModule {
  XPCUUID: new (value: Uint8Array | string) => OracleUuid;
}

const ORACLE_DIR = new URL('../../node_modules/appium-ios-remotexpc/build/src/lib/remote-xpc/', import.meta.url);
const oracle = (await import(new URL('xpc-protocol.js', ORACLE_DIR).href)) as XpcProtocolModule;
const { XPCUUID } = (await import(new URL('xpc-uuid.js', ORACLE_DIR).href)) as XpcUuidModule;

const toHex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

// ---- the mapping between the two value models ------------------------------------------------

/** The XpcValue the oracle's encoder produces for a JS value (its documented mapping). */
function fromOracleJs(value: unknown): XpcValue {
  if (value === null) return xpc.null();
  if (typeof value === 'boolean') return xpc.bool(value);
  if (typeof value === 'number') return Number.isInteger(value) ? xpc.int64(BigInt(value)) : xpc.double(value);
  if (typeof value === 'bigint') return xpc.uint64(value);
  if (typeof value === 'string') return xpc.string(value);
  if (value instanceof Date) return xpc.date(BigInt(value.getTime()) * 1_000_000n);
  if (value instanceof XPCUUID) return xpc.uuid(new Uint8Array(value.uuidBytes));
  if (value instanceof Uint8Array) return xpc.data(new Uint8Array(value));
  if (Array.isArray(value)) return xpc.array(value.map(fromOracleJs));
  if (typeof value === 'object') return xpc.dictionary(Object.keys(value).map((k) => [k, fromOracleJs((value as Record<string, unknown>)[k])]));
  throw new Error(`no XPC mapping for ${typeof value}`);
}

/** Where the oracle's decoding of our value differs from the mapping, or undefined when it agrees. */
function oracleMismatch(theirs: unknown, ours: XpcValue, path = '$'): string | undefined {
  const fail = (expected: string) => `${path}: expected ${expected} for our ${ours.type}, the oracle decoded ${describeJs(theirs)}`;
  switch (ours.type) {
    case 'null':
      return theirs === null ? undefined : fail('null');
    case 'bool':
      return theirs === ours.value ? undefined : fail(String(ours.value));
    case 'int64':
    case 'uint64': {
      const safe = ours.value >= BigInt(Number.MIN_SAFE_INTEGER) && ours.value <= BigInt(Number.MAX_SAFE_INTEGER);
      const expected = safe ? Number(ours.value) : ours.value;
      return theirs === expected ? undefined : fail(`${String(expected)}${safe ? '' : 'n'}`);
    }
    case 'double':
      return typeof theirs === 'number' && Object.is(theirs, ours.value) ? undefined : fail(String(ours.value));
    case 'date': {
      const ms = Number(ours.value / 1_000_000n);
      return theirs instanceof Date && theirs.getTime() === ms ? undefined : fail(`Date(${ms})`);
    }
    case 'data':
      return Buffer.isBuffer(theirs) && bytesEqual(theirs, ours.value) ? undefined : fail(`Buffer ${toHex(ours.value)}`);
    case 'string':
      return theirs === ours.value ? undefined : fail(JSON.stringify(ours.value));
    case 'uuid':
      return theirs === toHex(ours.value) ? undefined : fail(toHex(ours.value));
    case 'array': {
      if (!Array.isArray(theirs) || theirs.length !== ours.items.length) return fail(`an array of ${ours.items.length}`);
      for (let i = 0; i < ours.items.length; i++) {
        const inner = oracleMismatch(theirs[i], ours.items[i]!, `${path}[${i}]`);
        if (inner) return inner;
      }
      return undefined;
    }
    case 'dictionary': {
      if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs) || Buffer.isBuffer(theirs) || theirs instanceof Date) {
        return fail('an object');
      }
      const record = theirs as Record<string, unknown>;
      // A JS object lists integer-like keys first, so compare key sets, not order.
      const theirKeys = Object.keys(record).sort();
      const ourKeys = [...ours.entries.keys()].sort();
      if (theirKeys.join('\0') !== ourKeys.join('\0')) return fail(`keys ${JSON.stringify(ourKeys)}`);
      for (const [key, value] of ours.entries) {
        const inner = oracleMismatch(record[key], value, `${path}[${JSON.stringify(key)}]`);
        if (inner) return inner;
      }
      return undefined;
    }
    default:
      return `${path}: ${ours.type} is not in the oracle's value space`;
  }
}

function describeJs(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `Buffer ${value.toString('hex')}`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  try {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

// ---- arbitraries over the value space both implementations share ------------------------------

/** Keys a JS object can hold as its own property ("__proto__" would set the prototype). */
const sharedKey = xpcKeyArbitrary.filter((k) => k !== '__proto__');

const sharedScalar: fc.Arbitrary<XpcValue> = fc.oneof(
  fc.constant(xpc.null()),
  fc.boolean().map(xpc.bool),
  fc.oneof(fc.bigInt(INT64_MIN, INT64_MAX), fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n)).map(xpc.int64),
  fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, UINT64_MAX)).map(xpc.uint64),
  fc.oneof(fc.double(), fc.constantFrom(NaN, -0, Infinity, -Infinity)).map(xpc.double),
  fc.bigInt(INT64_MIN, INT64_MAX).map(xpc.date),
  fc.uint8Array({ maxLength: 40 }).map(xpc.data),
  xpcTextArbitrary.map(xpc.string),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map(xpc.uuid),
);

const sharedDictionary = (value: fc.Arbitrary<XpcValue>) =>
  fc.uniqueArray(fc.tuple(sharedKey, value), { selector: ([k]) => k, maxLength: 5 }).map((entries) => xpc.dictionary(entries));

/** XpcValue dictionaries (a message body) built only from types the oracle supports. */
const sharedBody: fc.Arbitrary<XpcValue> = fc.letrec<{ value: XpcValue; body: XpcValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 5 }, sharedScalar, fc.array(tie('value'), { maxLength: 5 }).map(xpc.array), tie('body')),
  body: sharedDictionary(tie('value')),
})).body;

/** JS values the oracle's encoder accepts. */
const oracleScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -0, 2 ** 53, 2 ** 62, -(2 ** 63))),
  fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0.5)).filter((d) => !Number.isInteger(d)),
  fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, UINT64_MAX)),
  xpcTextArbitrary,
  // Their date field is int64 nanoseconds: ±9.2e12 ms is its range.
  fc.date({ min: new Date(-9e12), max: new Date(9e12), noInvalidDate: true }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new XPCUUID(b)),
);

const oracleBody: fc.Arbitrary<OracleMessageBody> = fc.letrec<{ value: unknown; body: OracleMessageBody }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 5 }, oracleScalar, fc.array(tie('value'), { maxLength: 5 }), tie('body')),
  body: fc.dictionary(sharedKey, tie('value'), { maxKeys: 5 }),
})).body;

const flagsArbitrary = fc.constantFrom(0x101, 0x10101, 0x20101, 0x400001);
const idArbitrary = fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, 1n, UINT64_MAX));

function decodeOurs(frameBytes: Uint8Array): { frame: Frame; value: XpcValue } {
  const frames = new FrameDecoder().push(frameBytes);
  expect(frames).toHaveLength(1);
  const decoded = decodeXpc(frames[0]!.body);
  if (!decoded.ok) throw decoded.error;
  return { frame: frames[0]!, value: decoded.value };
}

// ---- tests -------------------------------------------------------------------------------------

describe('interoperability with appium-ios-remotexpc', () => {
  const VECTOR =
    '920bb0290101000034000000000000000100000000000000423713420500000000f000002400000002000000610000000090000002000000780000006e000000003000000500000000000000';

  it('decodes the oracle vector {a: "x", n: int64 5} (flags 0x101, id 1)', () => {
    const { frame, value } = decodeOurs(Buffer.from(VECTOR, 'hex'));
    expect(frame.flags).toBe(0x101);
    expect(frame.messageId).toBe(1n);
    expect(xpcEquals(value, xpc.dictionary({ a: xpc.string('x'), n: xpc.int64(5) }))).toBe(true);
  });

  it('encodes {a: "x", n: int64 5} to exactly the oracle vector, as the oracle itself does', () => {
    const ours = encodeMessageFrame(xpc.dictionary({ a: xpc.string('x'), n: xpc.int64(5) }), 1n, 0x101);
    expect(toHex(ours)).toBe(VECTOR);
    expect(oracle.encodeMessage({ flags: 0x101, id: 1n, body: { a: 'x', n: 5 } }).toString('hex')).toBe(VECTOR);
  });

  const handWritten: [string, XpcValue, OracleMessageBody][] = [
    ['an empty dictionary', xpc.dictionary({}), {}],
    ['null and both bools', xpc.dictionary({ n: xpc.null(), t: xpc.bool(true), f: xpc.bool(false) }), { n: null, t: true, f: false }],
    [
      'int64 at both ends and in between',
      xpc.dictionary({ min: xpc.int64(-(2n ** 63n)), neg: xpc.int64(-1), zero: xpc.int64(0), big: xpc.int64(2n ** 62n) }),
      { min: -(2 ** 63), neg: -1, zero: 0, big: 2 ** 62 },
    ],
    ['uint64 zero and maximum', xpc.dictionary({ z: xpc.uint64(0), max: xpc.uint64(UINT64_MAX) }), { z: 0n, max: UINT64_MAX }],
    [
      'doubles including NaN and infinities',
      xpc.dictionary({ half: xpc.double(0.5), nan: xpc.double(NaN), inf: xpc.double(Infinity), ninf: xpc.double(-Infinity), tiny: xpc.double(5e-324) }),
      { half: 0.5, nan: NaN, inf: Infinity, ninf: -Infinity, tiny: 5e-324 },
    ],
    [
      'strings: empty, ASCII with padding boundaries, non-ASCII, astral',
      xpc.dictionary({ e: xpc.string(''), three: xpc.string('abc'), four: xpc.string('abcd'), de: xpc.string('Grüße'), emoji: xpc.string('😀') }),
      { e: '', three: 'abc', four: 'abcd', de: 'Grüße', emoji: '😀' },
    ],
    [
      'data of every padding length',
      xpc.dictionary({ d0: xpc.data(new Uint8Array(0)), d1: xpc.data(Uint8Array.of(1)), d3: xpc.data(Uint8Array.of(1, 2, 3)), d4: xpc.data(Uint8Array.of(1, 2, 3, 4)) }),
      { d0: Buffer.alloc(0), d1: Buffer.of(1), d3: Buffer.of(1, 2, 3), d4: Buffer.of(1, 2, 3, 4) },
    ],
    [
      'a uuid',
      xpc.dictionary({ id: xpc.uuid(Uint8Array.from(Buffer.from('0123456789abcdeffedcba9876543210', 'hex'))) }),
      { id: new XPCUUID('01234567-89ab-cdef-fedc-ba9876543210') },
    ],
    ['a date in milliseconds', xpc.dictionary({ when: xpc.date(1_700_000_000_123_000_000n) }), { when: new Date(1_700_000_000_123) }],
    ['a date before the epoch', xpc.dictionary({ when: xpc.date(-86_400_000_000_000n) }), { when: new Date(-86_400_000) }],
    [
      'nested dictionaries and arrays',
      xpc.dictionary({
        service: xpc.string('com.example.echo'),
        args: xpc.array([xpc.int64(1), xpc.array([]), xpc.dictionary({ deep: xpc.array([xpc.null(), xpc.dictionary({ k: xpc.bool(true) })]) })]),
        meta: xpc.dictionary({ inner: xpc.dictionary({}) }),
      }),
      { service: 'com.example.echo', args: [1, [], { deep: [null, { k: true }] }], meta: { inner: {} } },
    ],
    ['keys with non-ASCII text and padding boundaries', xpc.dictionary({ abc: xpc.null(), abcd: xpc.null(), 'ключ': xpc.null() }), { abc: null, abcd: null, 'ключ': null }],
  ];

  it.each(handWritten)('%s: the same bytes both ways, and each side decodes the other', (_, ours, theirs) => {
    const ourBytes = encodeMessageFrame(ours, 7n, 0x10101);
    const theirBytes = oracle.encodeMessage({ flags: 0x10101, id: 7n, body: theirs });
    expect(toHex(ourBytes)).toBe(theirBytes.toString('hex'));

    const decodedByThem = oracle.decodeMessage(asBuffer(ourBytes));
    expect(decodedByThem.bytesConsumed).toBe(ourBytes.length);
    expect(decodedByThem.message.flags).toBe(0x10101);
    expect(decodedByThem.message.id).toBe(7n);
    expect(oracleMismatch(decodedByThem.message.body, ours)).toBeUndefined();

    const decodedByUs = decodeOurs(theirBytes);
    expect(decodedByUs.frame.messageId).toBe(7n);
    expect(xpcEquals(decodedByUs.value, ours)).toBe(true);
  });

  it('agrees on an empty-body frame', () => {
    const ours = encodeFrame({ flags: 0x1, messageId: 3n, body: new Uint8Array(0) });
    expect(toHex(ours)).toBe(oracle.encodeMessage({ flags: 0x1, id: 3n, body: null }).toString('hex'));
    expect(oracle.decodeMessage(asBuffer(ours)).message).toEqual({ flags: 0x1, id: 3n, body: null });
  });

  it('our frames decode with the oracle to the equivalent JS value', () => {
    fc.assert(
      fc.property(sharedBody, idArbitrary, flagsArbitrary, (value, id, flags) => {
        const bytes = encodeMessageFrame(value, id, flags);
        const { message, bytesConsumed } = oracle.decodeMessage(asBuffer(bytes));
        expect(bytesConsumed).toBe(bytes.length);
        expect(message.flags).toBe(flags);
        expect(message.id).toBe(id);
        expect(oracleMismatch(message.body, value)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('oracle frames decode with ours to the equivalent XpcValue, and ours re-encode them byte for byte', () => {
    fc.assert(
      fc.property(oracleBody, idArbitrary, flagsArbitrary, (body, id, flags) => {
        const theirBytes = oracle.encodeMessage({ flags, id, body });
        const expected = fromOracleJs(body);
        const { frame, value } = decodeOurs(theirBytes);
        expect(frame.flags).toBe(flags);
        expect(frame.messageId).toBe(id);
        expect(xpcEquals(value, expected)).toBe(true);
        expect(toHex(encodeMessageFrame(expected, id, flags))).toBe(theirBytes.toString('hex'));
      }),
      { numRuns: 1000 },
    );
  });

  it('a stream of oracle frames cut at random points decodes with our FrameDecoder', () => {
    fc.assert(
      fc.property(fc.array(oracleBody, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (bodies, points) => {
        const stream = Buffer.concat(bodies.map((body, i) => oracle.encodeMessage({ flags: 0x101, id: BigInt(i), body })));
        const cuts = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const frames: Frame[] = [];
        let start = 0;
        for (const end of [...cuts, stream.length]) {
          frames.push(...decoder.push(stream.subarray(start, end)));
          start = end;
        }
        expect(frames.map((f) => f.messageId)).toEqual(bodies.map((_, i) => BigInt(i)));
        frames.forEach((frame, i) => {
          const decoded = decodeXpc(frame.body);
          expect(decoded.ok && xpcEquals(decoded.value, fromOracleJs(bodies[i]))).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('encodes the payload alone exactly as the body of the oracle frame', () => {
    const value = xpc.dictionary({ list: xpc.array([xpc.uint64(3), xpc.string('é')]) });
    const frame = oracle.encodeMessage({ flags: 0x101, id: 0n, body: { list: [3n, 'é'] } });
    expect(toHex(encodeXpc(value))).toBe(frame.subarray(24).toString('hex'));
  });
});
