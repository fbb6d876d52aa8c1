/**
 * Standard base64 (RFC 4648 §4, alphabet A–Z a–z 0–9 + /, '=' padding) without Node's Buffer,
 * so it runs in the renderer and the sandboxed preload too.
 *
 * Decoding is strict because XPC-JSON must round-trip byte for byte: whitespace, the URL-safe
 * alphabet, missing padding and non-zero padding bits are all rejected, so every byte string
 * has exactly one accepted spelling.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Character code → 6-bit value, -1 for characters outside the alphabet. */
const DECODE_TABLE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Why a base64 text was rejected, and at which character (0-based index into the text). */
export class Base64Error extends Error {
  readonly index: number;
  constructor(message: string, index: number) {
    super(message);
    this.name = 'Base64Error';
    this.index = index;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Decodes canonical padded base64; throws Base64Error naming the offending character. */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new Base64Error(`base64 length must be a multiple of 4 (with '=' padding), got ${text.length} characters`, text.length);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const dataChars = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const sextet = (index: number): number => {
    const code = text.charCodeAt(index);
    const value = code < 128 ? DECODE_TABLE[code]! : -1;
    if (value < 0) {
      const shown = code === 61 ? "'='" : JSON.stringify(text[index]);
      throw new Base64Error(`invalid base64 character ${shown} at index ${index}`, index);
    }
    return value;
  };
  let o = 0;
  let i = 0;
  for (; i + 4 <= dataChars; i += 4) {
    const n = (sextet(i) << 18) | (sextet(i + 1) << 12) | (sextet(i + 2) << 6) | sextet(i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (padding === 2) {
    const a = sextet(i);
    const b = sextet(i + 1);
    if ((b & 15) !== 0) throw new Base64Error(`non-zero padding bits in base64 character at index ${i + 1}`, i + 1);
    out[o] = (a << 2) | (b >> 4);
  } else if (padding === 1) {
    const a = sextet(i);
    const b = sextet(i + 1);
    const c = sextet(i + 2);
    if ((c & 3) !== 0) throw new Base64Error(`non-zero padding bits in base64 character at index ${i + 2}`, i + 2);
    out[o++] = (a << 2) | (b >> 4);
    out[o] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}

/** True exactly when decodeBase64(text) would succeed; allocates nothing. */
export function isCanonicalBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const dataChars = text.length - padding;
  for (let i = 0; i < dataChars; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || DECODE_TABLE[code]! < 0) return false;
  }
  // The last data character must not carry bits past the end of the bytes.
  if (padding === 2) return (DECODE_TABLE[text.charCodeAt(dataChars - 1)]! & 15) === 0;
  if (padding === 1) return (DECODE_TABLE[text.charCodeAt(dataChars - 1)]! & 3) === 0;
  return true;
}
