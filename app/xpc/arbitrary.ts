/**
 * fast-check arbitraries for XPC values that the wire codec can carry: every type, with the
 * edge cases that break codecs (NaN, ±0, ±Infinity, the ends of the int64/uint64 range, dates
 * far from now, empty and non-ASCII text, BOMs, astral characters, nested containers).
 *
 * Text never contains NUL or lone surrogates: XPC strings are NUL-terminated UTF-8, so those
 * are not representable and the encoder rejects them (see codec.ts).
 */
import fc from 'fast-check';
import { INT64_MAX, INT64_MIN, UINT64_MAX, xpc, type XpcValue } from './value';

/** Any Unicode scalar value except NUL: controls, noncharacters and astral ones included. */
const codePoint = fc
  .oneof(fc.integer({ min: 1, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff }))
  .map((cp) => String.fromCodePoint(cp));

/** Any text an XPC string can hold: well-formed UTF-16 without NUL. */
export const xpcTextArbitrary: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: codePoint, maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
    fc.constantFrom('', 'a', 'abc', 'abcd', 'é', 'Grüße', '日本語', '😀', '\ufeffBOM first', 'tab\tnew\nline', 'x'.repeat(33), 'ü'.repeat(20)),
  )
  .map((text) => text.replaceAll('\0', ''));

/** Dictionary keys: XPC text, including the ones that are awkward as JS object keys. */
export const xpcKeyArbitrary: fc.Arbitrary<string> = fc.oneof(xpcTextArbitrary, fc.constantFrom('0', '42', '__proto__', 'constructor', '$int64'));

const int64 = fc.oneof(fc.bigInt(INT64_MIN, INT64_MAX), fc.constantFrom(INT64_MIN, INT64_MAX, -1n, 0n, 1n, 1n << 53n, -(1n << 53n) - 1n));
const uint64 = fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, 1n, UINT64_MAX, INT64_MAX, INT64_MAX + 1n));
const double = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, 0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE, Number.EPSILON, 0.1, 1, 2 ** 53),
);
/** Nanoseconds: around now, around the epoch, and the whole int64 range. */
const dateNs = fc.oneof(
  fc.bigInt(1_500_000_000_000_000_000n, 2_000_000_000_000_000_000n),
  fc.bigInt(-1_000_000_000_000n, 1_000_000_000_000n),
  int64,
);

/** Every non-container type. */
export const xpcScalarArbitrary: fc.Arbitrary<XpcValue> = fc.oneof(
  fc.constant(xpc.null()),
  fc.boolean().map(xpc.bool),
  int64.map(xpc.int64),
  uint64.map(xpc.uint64),
  double.map(xpc.double),
  dateNs.map(xpc.date),
  fc.uint8Array({ maxLength: 40 }).map(xpc.data),
  xpcTextArbitrary.map(xpc.string),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map(xpc.uuid),
  xpcTextArbitrary.map(xpc.fd),
  fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 4096, Number.MAX_SAFE_INTEGER)).map(xpc.shmem),
  xpcTextArbitrary.map(xpc.error),
  xpcTextArbitrary.map(xpc.endpoint),
);

/** Any XPC value the codec can carry, nested up to a few levels. */
export const xpcValueArbitrary: fc.Arbitrary<XpcValue> = fc.letrec<{ value: XpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 6, withCrossShrink: true },
    xpcScalarArbitrary,
    fc.array(tie('value'), { maxLength: 6 }).map(xpc.array),
    fc
      .uniqueArray(fc.tuple(xpcKeyArbitrary, tie('value')), { selector: ([key]) => key, maxLength: 6 })
      .map((entries) => xpc.dictionary(entries)),
  ),
})).value;
