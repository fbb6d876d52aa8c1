import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64, isCanonicalBase64 } from './base64';
import { xpcValueArbitrary } from './fixtures/arbitrary';
import { fromXpcJson, isXpcJsonTree, toXpcJson, xpcJsonTreeText } from './json';

function converts(tree: unknown): boolean {
  try {
    fromXpcJson(tree);
    return true;
  } catch {
    return false;
  }
}

const TAGS = ['$int64', '$uint64', '$double', '$date', '$data', '$uuid', '$fd', '$shmem', '$error', '$endpoint', '$dict', '$entries', '$other'];
const payload = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('0', '-0', '-', '18446744073709551615', '18446744073709551616', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '1e3'),
  fc.constantFrom('AQID', 'AQI=', 'AQ==', 'AR==', 'AQJ=', '', '====', 'A===', 'AQ', 'A-_=', 'NaN', '-Infinity', '2026-11-22T20:56:41.123456789Z'),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1.5, -0, 1e21, 4096),
);
const tagged = fc.tuple(fc.constantFrom(...TAGS), payload).map(([tag, value]) => ({ [tag]: value }));
const tree: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    tagged,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('$a', 'a\0b', '0')), tie('node'), { maxKeys: 3 }),
  ),
})).node;

describe('isXpcJsonTree', () => {
  it('accepts exactly what fromXpcJson converts (property)', () => {
    fc.assert(fc.property(tree, (t) => {
        expect(isXpcJsonTree(t)).toBe(converts(t));
      }), { numRuns: 3000 });
  });

  it('accepts every canonical tree, also after a JSON round trip (property)', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, (value) => {
        const parsed: unknown = JSON.parse(JSON.stringify(toXpcJson(value)));
        expect(isXpcJsonTree(parsed)).toBe(true);
      }),
    );
  });

  it('refuses non-JSON values and nesting past the limit', () => {
    expect(isXpcJsonTree(undefined)).toBe(false);
    expect(isXpcJsonTree(NaN)).toBe(false);
    expect(isXpcJsonTree(new Date())).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 1100; i++) deep = [deep];
    expect(isXpcJsonTree(deep)).toBe(converts(deep));
  });
});

describe('xpcJsonTreeText', () => {
  it('is JSON.stringify of the canonical tree (property)', () => {
    fc.assert(fc.property(xpcValueArbitrary, (value) => {
        expect(xpcJsonTreeText(value)).toBe(JSON.stringify(toXpcJson(value)));
      }), { numRuns: 2000 });
  });
});

describe('isCanonicalBase64', () => {
  const decodes = (text: string): boolean => {
    try {
      decodeBase64(text);
      return true;
    } catch {
      return false;
    }
  };
  it('accepts exactly what decodeBase64 decodes (property)', () => {
    const chars = fc.constantFrom(...'AQgwBZ/+=9a-_ \u00e9'.split(''));
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((c) => c.join('')), (text) => {
        expect(isCanonicalBase64(text)).toBe(decodes(text));
      }), { numRuns: 5000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        expect(isCanonicalBase64(encodeBase64(bytes))).toBe(true);
      }));
  });
});
