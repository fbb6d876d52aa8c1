import { buildBinary, type PlistValue } from 'plist';
import { describe, expect, it } from 'vitest';
import { BinaryPlistError, DEFAULT_BINARY_PLIST_LIMITS, parseBinaryPlist } from './binary-plist';
import { arrayObject, asciiObject, assembleBinaryPlist, dictObject, type RawObject } from './bplist-test-writer';

function errorOf(bytes: Uint8Array): BinaryPlistError {
  try {
    parseBinaryPlist(bytes);
  } catch (e) {
    if (e instanceof BinaryPlistError) return e;
    throw e;
  }
  throw new Error('parsed without an error');
}

/** Object 0 is a string; object k is an array holding `width` references to object k-1. */
function sharingBomb(levels: number, width: number, leaf = 'x'): Uint8Array {
  const objects: RawObject[] = [asciiObject(leaf)];
  for (let k = 1; k <= levels; k++) objects.push(arrayObject(Array.from({ length: width }, () => k - 1)));
  return assembleBinaryPlist(objects, levels);
}

describe('parseBinaryPlist reads what a plist writer writes', () => {
  it('every launchd value type, nested', () => {
    const value: PlistValue = {
      Label: 'com.example.bin',
      ProgramArguments: ['node', 'é — ünïcode', ''],
      ThrottleInterval: 4,
      Negative: -7,
      Big: 2 ** 40,
      Ratio: 0.25,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      Blob: new Uint8Array([1, 2, 3]),
      When: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      Empty: [],
    };
    expect(parseBinaryPlist(buildBinary(value))).toEqual(value);
  });

  it('keeps a key named "__proto__" as an ordinary key', () => {
    const parsed = parseBinaryPlist(assembleBinaryPlist([dictObject([[1, 2]]), asciiObject('__proto__'), asciiObject('x')])) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('accepts shared references while the expanded value stays within the bounds', () => {
    expect(parseBinaryPlist(sharingBomb(2, 3))).toEqual([
      ['x', 'x', 'x'],
      ['x', 'x', 'x'],
      ['x', 'x', 'x'],
    ]);
  });
});

describe('parseBinaryPlist bounds hostile files', () => {
  it('refuses a small file whose shared references expand exponentially, counting every use, quickly', () => {
    const bomb = sharingBomb(12, 14); // 14^12 leaves from a few hundred bytes
    expect(bomb.byteLength).toBeLessThan(500);
    const started = performance.now();
    const error = errorOf(bomb);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.overLimit).toBe(true);
    expect(error.message).toBe(
      `expands to more than ${DEFAULT_BINARY_PLIST_LIMITS.maxValues} values (shared references count once per use); job plists are limited to that`,
    );
  });

  it('refuses shared strings whose expanded bytes pass the byte bound', () => {
    const error = errorOf(sharingBomb(2, 14, 'y'.repeat(60_000))); // 196 × 60 kB
    expect(error.overLimit).toBe(true);
    expect(error.message).toMatch(/^expands to more than 4194304 bytes of strings and data/);
  });

  it('fails an array that contains itself (a reference cycle) instead of recursing forever', () => {
    const error = errorOf(assembleBinaryPlist([arrayObject([0])]));
    expect(error.message).toBe('object 0 contains itself (a reference cycle)');
  });

  it('fails a dictionary that reaches itself through another container', () => {
    const loop = assembleBinaryPlist([dictObject([[1, 2]]), asciiObject('KeepAlive'), arrayObject([0])]);
    expect(errorOf(loop).message).toBe('object 0 contains itself (a reference cycle)');
  });

  it('refuses nesting deeper than the depth bound', () => {
    const objects: RawObject[] = [asciiObject('x')];
    for (let k = 1; k <= 100; k++) objects.push(arrayObject([k - 1]));
    const error = errorOf(assembleBinaryPlist(objects, 100));
    expect([error.overLimit, error.message]).toEqual([true, 'nests deeper than 64 levels; job plists are limited to that']);
  });

  it('refuses a trailer declaring more objects than the object bound, before reading the table', () => {
    const error = errorOf(assembleBinaryPlist([asciiObject('x')], 0, { objectCount: 2 ** 40 }));
    expect([error.overLimit, error.message]).toEqual([true, `the file declares ${2 ** 40} objects; job plists are limited to 65536`]);
  });

  it.each([
    ['a top object that does not exist', assembleBinaryPlist([asciiObject('x')], 5), 'trailer: top object 5 is not one of the 1 objects'],
    ['an offset table outside the file', assembleBinaryPlist([asciiObject('x')], 0, { offsetTableStart: 10_000 }), /^trailer: the offset table .* does not fit in the file$/],
    ['a reference to a missing object', assembleBinaryPlist([arrayObject([7])]), 'object 0: reference 0 is to object 7, but there are 1'],
    ['a string longer than the file', assembleBinaryPlist([asciiObject('abc').subarray(0, 2)]), 'object 0 runs past the end of the object area'],
    ['a file too short for a trailer', new TextEncoder().encode('bplist00garbage'), 'the file is 15 bytes, too short for a header and a trailer'],
  ])('fails %s with a message saying where', (_, bytes, message) => {
    const error = errorOf(bytes);
    expect(error.overLimit).toBe(false);
    expect(error.message).toMatch(message);
  });
});
