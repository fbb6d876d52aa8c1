import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base64Error, decodeBase64, encodeBase64 } from './base64';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('base64', () => {
  it('encodes the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64(bytes(plain))).toBe(encoded);
      expect(decodeBase64(encoded)).toEqual(bytes(plain));
    }
  });

  it('uses + and / for the last two sextets', () => {
    expect(encodeBase64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
    expect(decodeBase64('+/+/')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it('agrees with Node Buffer for every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const encoded = encodeBase64(data);
        expect(encoded).toBe(Buffer.from(data).toString('base64'));
        expect(decodeBase64(encoded)).toEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects text whose length is not a multiple of 4 (missing padding)', () => {
    expect(() => decodeBase64('Zg')).toThrow(/multiple of 4/);
    expect(() => decodeBase64('Zm9vY')).toThrow(Base64Error);
  });

  it('rejects characters outside the standard alphabet and names their index', () => {
    const cases: [string, number][] = [
      ['Zm9v Zg=', 4], // whitespace
      ['Zm-v', 2], // URL-safe alphabet
      ['Zm_v', 2],
      ['Zm9é', 3],
      ['Z=9v', 1], // padding in the middle
      ['====', 0],
      ['Zm9vY===', 5],
    ];
    for (const [text, index] of cases) {
      let error: unknown;
      try {
        decodeBase64(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(Base64Error);
      expect((error as Base64Error).index, text).toBe(index);
      expect((error as Base64Error).message, text).toContain(`at index ${index}`);
    }
  });

  it('rejects non-zero padding bits so each byte string has one spelling', () => {
    expect(() => decodeBase64('Zh==')).toThrow(/padding bits/);
    expect(() => decodeBase64('Zm9=')).toThrow(/padding bits/);
    expect(decodeBase64('Zg==')).toEqual(bytes('f'));
  });
});
