/**
 * NSXPCEncoder's `root` data: "bplist16" or "bplist17" followed directly by one object, with
 * no offset table and no trailer (objects are written inline, never shared, so there is nothing
 * to refer back to). Read from the published samples and Darling's NSXPCSerialization.c.
 *
 * Tag byte: marker in the high nibble, length in the low nibble (0xF: an integer object with
 * the length follows). All numbers are little-endian.
 *   0x1n  integer of n bytes (0–8); 8 bytes are two's complement, fewer unsigned
 *   0x22 / 0x23  float32 / float64
 *   0x4n  data          0x6n  UTF-16LE string, n code units     0x7n  ASCII string, n bytes with its NUL
 *   0xA0 / 0xD0  array / dictionary: 8-byte absolute offset of the container's last byte, then
 *                the elements (a dictionary alternates key, value) up to and including that byte
 *   0xB0 true   0xC0 false   0xE0 null   0xF0 uint64 (8 bytes)
 * Every byte is read once, so the work is linear in the input; depth and value count are bounded.
 */
import { latin1, utf16 } from './bplist00';
import { attempt, fail, hex2, type NsxpcResult } from './errors';
import type { PlistValue } from './plist-value';

export interface Bplist17Limits {
  readonly maxDepth: number;
  readonly maxValues: number;
}

export const DEFAULT_BPLIST17_LIMITS: Bplist17Limits = { maxDepth: 128, maxValues: 1_000_000 };

const HEADER = 8;
const MAGICS = ['bplist16', 'bplist17'] as const;
export type Bplist17Magic = (typeof MAGICS)[number];

export function bplist17Magic(bytes: Uint8Array): Bplist17Magic | undefined {
  if (bytes.length < HEADER) return undefined;
  const head = latin1(bytes, 0, HEADER);
  return MAGICS.find((m) => m === head);
}

export function decodeBplist17(bytes: Uint8Array, limits: Bplist17Limits = DEFAULT_BPLIST17_LIMITS): NsxpcResult<PlistValue> {
  return attempt(() => {
    if (bplist17Magic(bytes) === undefined) fail('bad-magic', 0, 'does not start with "bplist16" or "bplist17"');
    const reader = new Reader(bytes, limits);
    const { value, next } = reader.object(HEADER, bytes.length - 1, 0);
    if (next !== bytes.length) fail('malformed', next, `${bytes.length - next} bytes follow the root object`);
    return value;
  });
}

class Reader {
  private readonly view: DataView;
  private values = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: Bplist17Limits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The object at `at`, which must end at or before byte `last` (its container's last byte). */
  object(at: number, last: number, depth: number): { value: PlistValue; next: number } {
    if (++this.values > this.limits.maxValues) fail('over-limit', at, `more than ${this.limits.maxValues} values`);
    this.within(at, 1, last, 'a tag byte');
    const tag = this.bytes[at]!;
    const info = tag & 0x0f;
    switch (tag >> 4) {
      case 0x1: {
        if (info > 8) fail('malformed', at, `an integer of ${info} bytes is not defined`);
        this.within(at + 1, info, last, `a ${info}-byte integer`);
        return { value: { kind: 'int', value: this.int(at + 1, info) }, next: at + 1 + info };
      }
      case 0x2:
        if (tag === 0x22) return this.within(at + 1, 4, last, 'a float') && { value: { kind: 'real', value: this.view.getFloat32(at + 1, true), bytes: 4 }, next: at + 5 };
        if (tag === 0x23) return this.within(at + 1, 8, last, 'a double') && { value: { kind: 'real', value: this.view.getFloat64(at + 1, true), bytes: 8 }, next: at + 9 };
        return fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
      case 0x4: {
        const { length, from } = this.length(at, info, last);
        this.within(from, length, last, `${length} bytes of data`);
        return { value: { kind: 'data', value: this.bytes.slice(from, from + length) }, next: from + length };
      }
      case 0x6: {
        const { length, from } = this.length(at, info, last);
        this.within(from, length * 2, last, `a string of ${length} UTF-16 units`);
        return { value: { kind: 'string', value: utf16(this.view, from, length, true) }, next: from + length * 2 };
      }
      case 0x7: {
        const { length, from } = this.length(at, info, last);
        this.within(from, length, last, `an ASCII string of ${length} bytes`);
        // The length counts a terminating NUL, which NSXPCDecoder requires.
        if (length === 0 || this.bytes[from + length - 1] !== 0) fail('malformed', at, 'ASCII string without its terminating NUL');
        return { value: { kind: 'string', value: latin1(this.bytes, from, length - 1) }, next: from + length };
      }
      case 0xa:
      case 0xd:
        if (info !== 0) fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
        return this.container(at, tag === 0xa0, last, depth);
      case 0xb:
      case 0xc:
        if (info !== 0) fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
        return { value: { kind: 'bool', value: tag === 0xb0 }, next: at + 1 };
      case 0xe:
        if (info !== 0) fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
        return { value: { kind: 'null' }, next: at + 1 };
      case 0xf:
        if (info !== 0) fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
        this.within(at + 1, 8, last, 'a uint64');
        return { value: { kind: 'int', value: this.view.getBigUint64(at + 1, true) }, next: at + 9 };
      default:
        return fail('bad-marker', at, `unknown tag 0x${hex2(tag)}`);
    }
  }

  private container(at: number, isArray: boolean, last: number, depth: number): { value: PlistValue; next: number } {
    if (depth >= this.limits.maxDepth) fail('over-limit', at, `nests deeper than ${this.limits.maxDepth} levels`);
    this.within(at + 1, 8, last, 'a container end offset');
    const endBig = this.view.getBigUint64(at + 1, true);
    const headerLast = at + 8;
    // The end is the container's own last byte: at least its header's, at most its parent's.
    if (endBig < BigInt(headerLast)) fail('malformed', at + 1, `container end ${endBig} is before its own header ends (byte ${headerLast})`);
    if (endBig > BigInt(last)) {
      // Past the whole payload reads as a cut-short payload; past only the parent, as a broken one.
      const cut = last === this.bytes.length - 1;
      fail(cut ? 'truncated' : 'malformed', at + 1, `container end ${endBig} is past ${cut ? 'the end of the payload' : `its parent's end`} (byte ${last})`);
    }
    const end = Number(endBig);
    const items: PlistValue[] = [];
    let pos = headerLast + 1;
    while (pos <= end) {
      const { value, next } = this.object(pos, end, depth + 1);
      items.push(value);
      pos = next;
    }
    if (isArray) return { value: { kind: 'array', items }, next: end + 1 };
    if (items.length % 2 !== 0) fail('malformed', at, `dictionary holds ${items.length} objects, not key/value pairs`);
    const entries = new Map<string, PlistValue>();
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (key.kind !== 'string') fail('malformed', at, `dictionary key ${i / 2} is a ${key.kind}, not a string`);
      entries.set(key.value, items[i + 1]!);
    }
    return { value: { kind: 'dict', entries }, next: end + 1 };
  }

  private length(at: number, info: number, last: number): { length: number; from: number } {
    if (info !== 0x0f) return { length: info, from: at + 1 };
    this.within(at + 1, 1, last, 'a length');
    const lenTag = this.bytes[at + 1]!;
    const size = lenTag & 0x0f;
    if (lenTag >> 4 !== 0x1 || size > 8) fail('malformed', at + 1, `the length is not an integer (tag 0x${hex2(lenTag)})`);
    this.within(at + 2, size, last, 'a length');
    const length = this.int(at + 2, size);
    if (length < 0n || length > BigInt(this.bytes.length)) fail('malformed', at + 1, `length ${length} is larger than the payload`);
    return { length: Number(length), from: at + 2 + size };
  }

  private int(at: number, size: number): bigint {
    if (size === 8) return this.view.getBigInt64(at, true);
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[at + i]!);
    return value;
  }

  private within(from: number, length: number, last: number, what: string): true {
    if (from + length - 1 > last) {
      fail('truncated', from, last === this.bytes.length - 1 ? `${what} runs past the end of the payload` : `${what} runs past the end of its container (byte ${last})`);
    }
    return true;
  }
}
