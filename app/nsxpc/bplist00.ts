/**
 * A bounded reader for binary property lists (bplist00), the container NSKeyedArchiver writes.
 *
 * Layout: "bplist00", the objects, an offset table (one big-endian offset per object), and a
 * 32-byte trailer (offset size, reference size, object count, top object, offset-table start).
 * Payloads are outside input: the object table, nesting depth and expanded size are bounded
 * (a shared object counts again on every use, so a few hundred bytes of shared references
 * cannot grow into gigabytes), and a container that contains itself is an error.
 */
import { attempt, fail, hex2, type NsxpcResult } from './errors';
import type { PlistValue } from './plist-value';

export interface Bplist00Limits {
  /** Objects the offset table may declare. */
  readonly maxObjects: number;
  /** Arrays, sets and dictionaries nested inside each other. */
  readonly maxDepth: number;
  /** Values in the expanded result (keys included); a shared object counts once per use. */
  readonly maxValues: number;
  /** String and data bytes in the expanded result; a shared object counts once per use. */
  readonly maxBytes: number;
}

/** Far above a real XPC or DTX archive (hundreds of objects), far below harm. */
export const DEFAULT_BPLIST00_LIMITS: Bplist00Limits = {
  maxObjects: 1 << 20,
  maxDepth: 128,
  maxValues: 1_000_000,
  maxBytes: 64 * 1024 * 1024,
};

export const BPLIST00_MAGIC = 'bplist00';
const HEADER = 8;
const TRAILER = 32;

export function isBplist00(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER) return false;
  for (let i = 0; i < HEADER; i++) if (bytes[i] !== BPLIST00_MAGIC.charCodeAt(i)) return false;
  return true;
}

export function decodeBplist00(bytes: Uint8Array, limits: Bplist00Limits = DEFAULT_BPLIST00_LIMITS): NsxpcResult<PlistValue> {
  return attempt(() => new Reader(bytes, limits).read());
}

class Reader {
  private readonly view: DataView;
  private readonly refSize: number;
  private readonly objectCount: number;
  private readonly topObject: number;
  private readonly tableStart: number;
  private readonly offsets: Float64Array;
  /** Containers on the path from the top object; meeting one again is a cycle. */
  private readonly onPath: Uint8Array;
  private values = 0;
  private expandedBytes = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: Bplist00Limits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isBplist00(bytes)) fail('bad-magic', 0, `does not start with "${BPLIST00_MAGIC}"`);
    if (bytes.length < HEADER + TRAILER) fail('truncated', bytes.length, `${bytes.length} bytes is too short for a header and a trailer`);
    const at = bytes.length - TRAILER;
    const offsetSize = bytes[at + 6]!;
    this.refSize = bytes[at + 7]!;
    if (offsetSize < 1 || offsetSize > 8) fail('malformed', at + 6, `trailer: offset size ${offsetSize} is not 1 to 8 bytes`);
    if (this.refSize < 1 || this.refSize > 8) fail('malformed', at + 7, `trailer: reference size ${this.refSize} is not 1 to 8 bytes`);
    this.objectCount = this.uint(at + 8, 8, 'trailer: object count');
    this.topObject = this.uint(at + 16, 8, 'trailer: top object');
    this.tableStart = this.uint(at + 24, 8, 'trailer: offset table position');
    if (this.objectCount === 0) fail('malformed', at + 8, 'trailer: no objects declared');
    if (this.objectCount > limits.maxObjects) fail('over-limit', at + 8, `trailer declares ${this.objectCount} objects; the limit is ${limits.maxObjects}`);
    if (this.topObject >= this.objectCount) fail('malformed', at + 16, `trailer: top object ${this.topObject} is not one of the ${this.objectCount} objects`);
    if (this.tableStart < HEADER || this.tableStart + this.objectCount * offsetSize > at) {
      fail('malformed', at + 24, `trailer: the offset table (${this.objectCount} × ${offsetSize} bytes at ${this.tableStart}) does not fit before the trailer`);
    }
    this.offsets = new Float64Array(this.objectCount);
    for (let i = 0; i < this.objectCount; i++) {
      const where = this.tableStart + i * offsetSize;
      const offset = this.uint(where, offsetSize, `offset of object ${i}`);
      if (offset < HEADER || offset >= this.tableStart) fail('malformed', where, `object ${i} is said to start at byte ${offset}, outside the object area`);
      this.offsets[i] = offset;
    }
    this.onPath = new Uint8Array(this.objectCount);
  }

  read(): PlistValue {
    return this.object(this.topObject, 0);
  }

  private object(index: number, depth: number): PlistValue {
    const start = this.offsets[index]!;
    if (++this.values > this.limits.maxValues) fail('over-limit', start, `expands to more than ${this.limits.maxValues} values (shared objects count once per use)`);
    const marker = this.bytes[start]!;
    const at = start + 1;
    const info = marker & 0x0f;
    switch (marker >> 4) {
      case 0x0:
        if (marker === 0x00) return { kind: 'null' };
        if (marker === 0x08) return { kind: 'bool', value: false };
        if (marker === 0x09) return { kind: 'bool', value: true };
        return fail('bad-marker', start, `object ${index}: unknown marker 0x${hex2(marker)}`);
      case 0x1: {
        if (info > 4) fail('malformed', start, `object ${index}: an integer of ${1 << info} bytes is not defined`);
        const size = 1 << info;
        this.within(at, size, start, index);
        return { kind: 'int', value: this.integer(at, size) };
      }
      case 0x2:
        if (info === 2) return this.within(at, 4, start, index) && { kind: 'real', value: this.view.getFloat32(at), bytes: 4 };
        if (info === 3) return this.within(at, 8, start, index) && { kind: 'real', value: this.view.getFloat64(at), bytes: 8 };
        return fail('malformed', start, `object ${index}: a real of ${1 << info} bytes is not defined`);
      case 0x3:
        if (marker !== 0x33) return fail('bad-marker', start, `object ${index}: unknown marker 0x${hex2(marker)}`);
        return this.within(at, 8, start, index) && { kind: 'date', seconds: this.view.getFloat64(at) };
      case 0x4: {
        const { count, from } = this.count(at, info, start, index);
        this.within(from, count, start, index);
        this.countBytes(count, start);
        return { kind: 'data', value: this.bytes.slice(from, from + count) };
      }
      case 0x5: {
        const { count, from } = this.count(at, info, start, index);
        this.within(from, count, start, index);
        this.countBytes(count, start);
        return { kind: 'string', value: latin1(this.bytes, from, count) };
      }
      case 0x6: {
        // Length in UTF-16 code units, stored big-endian.
        const { count, from } = this.count(at, info, start, index);
        this.within(from, count * 2, start, index);
        this.countBytes(count * 2, start);
        return { kind: 'string', value: utf16(this.view, from, count, false) };
      }
      case 0x8: {
        // A UID holds info+1 big-endian bytes; it is an index into $objects, so beyond 2^53 is nonsense.
        const size = info + 1;
        this.within(at, size, start, index);
        return { kind: 'uid', value: this.uint(at, size, `object ${index}: UID`) };
      }
      case 0xa:
      case 0xc: {
        const { count, from } = this.count(at, info, start, index);
        const refs = this.refs(from, count, start, index);
        const kind = marker >> 4 === 0xa ? 'array' : 'set';
        return this.container(index, start, depth, () => ({ kind, items: refs.map((ref) => this.object(ref, depth + 1)) }));
      }
      case 0xd: {
        const { count, from } = this.count(at, info, start, index);
        const refs = this.refs(from, count * 2, start, index);
        return this.container(index, start, depth, () => {
          const entries = new Map<string, PlistValue>();
          for (let i = 0; i < count; i++) {
            const key = this.object(refs[i]!, depth + 1);
            if (key.kind !== 'string') fail('malformed', this.offsets[refs[i]!]!, `object ${index}: dictionary key ${i} is a ${key.kind}, not a string`);
            entries.set(key.value, this.object(refs[count + i]!, depth + 1));
          }
          return { kind: 'dict', entries };
        });
      }
      default:
        return fail('bad-marker', start, `object ${index}: unknown marker 0x${hex2(marker)}`);
    }
  }

  private container(index: number, start: number, depth: number, build: () => PlistValue): PlistValue {
    if (depth >= this.limits.maxDepth) fail('over-limit', start, `nests deeper than ${this.limits.maxDepth} levels`);
    if (this.onPath[index] === 1) fail('cycle', start, `object ${index} contains itself`);
    this.onPath[index] = 1;
    try {
      return build();
    } finally {
      this.onPath[index] = 0;
    }
  }

  /** 1-, 2- and 4-byte integers are unsigned; 8- and 16-byte ones two's complement (CFBinaryPList and plistlib agree). */
  private integer(at: number, size: number): bigint {
    if (size === 8) return this.view.getBigInt64(at);
    if (size === 16) return BigInt.asIntN(128, (this.view.getBigUint64(at) << 64n) | this.view.getBigUint64(at + 8));
    return BigInt(this.uint(at, size, 'integer'));
  }

  /** Element count: in the marker's low nibble, or (0xF) an integer object right after it. */
  private count(at: number, info: number, start: number, index: number): { count: number; from: number } {
    if (info !== 0x0f) return { count: info, from: at };
    this.within(at, 1, start, index);
    const intMarker = this.bytes[at]!;
    if (intMarker >> 4 !== 0x1 || (intMarker & 0x0f) > 3) fail('malformed', at, `object ${index}: its length is not an integer (marker 0x${hex2(intMarker)})`);
    const size = 1 << (intMarker & 0x0f);
    this.within(at + 1, size, start, index);
    const count = size === 8 ? Number(this.view.getBigInt64(at + 1)) : this.uint(at + 1, size, `object ${index}: length`);
    if (count < 0 || count > this.bytes.length) fail('malformed', at, `object ${index}: length ${count} is larger than the file`);
    return { count, from: at + 1 + size };
  }

  private refs(from: number, count: number, start: number, index: number): number[] {
    this.within(from, count * this.refSize, start, index);
    const refs: number[] = [];
    for (let i = 0; i < count; i++) {
      const where = from + i * this.refSize;
      const ref = this.uint(where, this.refSize, `object ${index}: reference ${i}`);
      if (ref >= this.objectCount) fail('malformed', where, `object ${index}: reference ${i} is to object ${ref}, but there are ${this.objectCount}`);
      refs.push(ref);
    }
    return refs;
  }

  private countBytes(n: number, start: number): void {
    this.expandedBytes += n;
    if (this.expandedBytes > this.limits.maxBytes) fail('over-limit', start, `expands to more than ${this.limits.maxBytes} bytes of strings and data (shared objects count once per use)`);
  }

  /** Fails unless `length` bytes from `from` lie inside the object area. */
  private within(from: number, length: number, start: number, index: number): true {
    if (from + length > this.tableStart) fail('truncated', start, `object ${index} runs past the end of the object area (byte ${this.tableStart})`);
    return true;
  }

  /** Big-endian unsigned, 1 to 8 bytes; above 2^53 is refused rather than rounded. */
  private uint(at: number, size: number, what: string): number {
    if (at + size > this.bytes.length) fail('truncated', at, `${what} runs past the end of the bytes`);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.bytes[at + i]!;
    if (!Number.isSafeInteger(value)) fail('malformed', at, `${what}: ${value} is too large`);
    return value;
  }
}

export function latin1(bytes: Uint8Array, from: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 4096) out += String.fromCharCode(...bytes.subarray(from + i, from + Math.min(count, i + 4096)));
  return out;
}

/** `count` UTF-16 code units; lone surrogates are kept as they are (they are valid NSString content). */
export function utf16(view: DataView, from: number, count: number, littleEndian: boolean): string {
  let out = '';
  const chunk: number[] = [];
  for (let i = 0; i < count; i++) {
    chunk.push(view.getUint16(from + i * 2, littleEndian));
    if (chunk.length === 4096) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return out + String.fromCharCode(...chunk);
}
