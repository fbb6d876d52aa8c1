/**
 * A bounded reader for binary property lists (bplist00). The `plist` package's binary parser
 * follows object references without limit, so a few hundred bytes of shared references (or a
 * reference cycle) expand into gigabytes; job plists are outside input, so this reader bounds
 * the object table, the nesting depth, and the expanded result: every visit of a shared
 * object counts again, which is what stops a small file from growing into a large value.
 *
 * Layout: "bplist00", the objects, an offset table (one offset per object), a 32-byte trailer.
 */
import type { PlistValue } from 'plist';

export interface BinaryPlistLimits {
  /** Objects the offset table may declare. */
  readonly maxObjects: number;
  /** Arrays and dictionaries nested inside each other. */
  readonly maxDepth: number;
  /** Values in the expanded result (keys included); a shared object counts once per use. */
  readonly maxValues: number;
  /** String and data bytes in the expanded result; a shared object counts once per use. */
  readonly maxBytes: number;
}

/** Far above any real launchd job (a few dozen objects, depth 3 or 4), far below harm. */
export const DEFAULT_BINARY_PLIST_LIMITS: BinaryPlistLimits = {
  maxObjects: 65_536,
  maxDepth: 64,
  maxValues: 100_000,
  maxBytes: 4 * 1024 * 1024,
};

/** A broken (`overLimit` false) or over-limit binary plist; the message says where or which bound. */
export class BinaryPlistError extends Error {
  constructor(
    message: string,
    readonly overLimit: boolean,
  ) {
    super(message);
  }
}

const MAGIC = 'bplist00';
const HEADER_BYTES = MAGIC.length;
const TRAILER_BYTES = 32;
const EPOCH_2001_MS = Date.UTC(2001, 0, 1);

interface Trailer {
  readonly offsetSize: number;
  readonly refSize: number;
  readonly objectCount: number;
  readonly topObject: number;
  readonly offsetTableStart: number;
}

export function parseBinaryPlist(bytes: Uint8Array, limits: BinaryPlistLimits = DEFAULT_BINARY_PLIST_LIMITS): PlistValue {
  return new Reader(bytes, limits).read();
}

class Reader {
  private readonly view: DataView;
  private readonly trailer: Trailer;
  /** Object offsets, read once from the offset table. */
  private readonly offsets: Float64Array;
  /** Containers on the current path from the top object; meeting one again is a cycle. */
  private readonly onPath: Uint8Array;
  private values = 0;
  private expandedBytes = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: BinaryPlistLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < HEADER_BYTES + TRAILER_BYTES) fail(`the file is ${bytes.byteLength} bytes, too short for a header and a trailer`);
    for (let i = 0; i < HEADER_BYTES; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) fail(`the file does not start with "${MAGIC}"`);
    this.trailer = this.readTrailer();
    this.offsets = this.readOffsetTable();
    this.onPath = new Uint8Array(this.trailer.objectCount);
  }

  read(): PlistValue {
    return this.object(this.trailer.topObject, 0);
  }

  private readTrailer(): Trailer {
    const at = this.bytes.byteLength - TRAILER_BYTES;
    const offsetSize = this.view.getUint8(at + 6);
    const refSize = this.view.getUint8(at + 7);
    if (offsetSize < 1 || offsetSize > 8) fail(`trailer: offset size ${offsetSize} is not 1 to 8 bytes`);
    if (refSize < 1 || refSize > 8) fail(`trailer: object reference size ${refSize} is not 1 to 8 bytes`);
    const objectCount = this.uint(at + 8, 8, 'trailer: object count');
    const topObject = this.uint(at + 16, 8, 'trailer: top object');
    const offsetTableStart = this.uint(at + 24, 8, 'trailer: offset table position');
    if (objectCount === 0) fail('trailer: the file declares no objects');
    if (objectCount > this.limits.maxObjects) {
      refuse(`the file declares ${objectCount} objects; job plists are limited to ${this.limits.maxObjects}`);
    }
    if (topObject >= objectCount) fail(`trailer: top object ${topObject} is not one of the ${objectCount} objects`);
    if (offsetTableStart < HEADER_BYTES || offsetTableStart + objectCount * offsetSize > at) {
      fail(`trailer: the offset table (${objectCount} × ${offsetSize} bytes at ${offsetTableStart}) does not fit in the file`);
    }
    return { offsetSize, refSize, objectCount, topObject, offsetTableStart };
  }

  private readOffsetTable(): Float64Array {
    const { objectCount, offsetSize, offsetTableStart } = this.trailer;
    const offsets = new Float64Array(objectCount);
    for (let i = 0; i < objectCount; i++) {
      const offset = this.uint(offsetTableStart + i * offsetSize, offsetSize, `offset of object ${i}`);
      if (offset < HEADER_BYTES || offset >= offsetTableStart) fail(`object ${i} is said to start at byte ${offset}, outside the object area`);
      offsets[i] = offset;
    }
    return offsets;
  }

  private object(index: number, depth: number): PlistValue {
    if (++this.values > this.limits.maxValues) {
      refuse(`expands to more than ${this.limits.maxValues} values (shared references count once per use); job plists are limited to that`);
    }
    let at = this.offsets[index] ?? fail(`object reference ${index} is out of range`);
    const marker = this.byte(at++, `object ${index}`);
    const type = marker >> 4;
    const info = marker & 0x0f;
    switch (type) {
      case 0x0:
        if (marker === 0x00) return null;
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        return fail(`object ${index}: unknown marker 0x${hex(marker)}`);
      case 0x1:
        return this.integer(at, info, index);
      case 0x2:
        if (info === 2) return this.within(at, 4, index) && this.view.getFloat32(at);
        if (info === 3) return this.within(at, 8, index) && this.view.getFloat64(at);
        return fail(`object ${index}: a real of ${1 << info} bytes is not supported`);
      case 0x3:
        if (marker !== 0x33) return fail(`object ${index}: unknown marker 0x${hex(marker)}`);
        this.within(at, 8, index);
        return new Date(EPOCH_2001_MS + this.view.getFloat64(at) * 1000);
      case 0x4: {
        const { count, start } = this.count(at, info, index);
        this.within(start, count, index);
        this.countBytes(count);
        return this.bytes.slice(start, start + count);
      }
      case 0x5: {
        const { count, start } = this.count(at, info, index);
        this.within(start, count, index);
        this.countBytes(count);
        return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, count).toString('latin1');
      }
      case 0x6: {
        const { count, start } = this.count(at, info, index);
        this.within(start, count * 2, index);
        this.countBytes(count * 2);
        // Stored big-endian; swap a copy to read it as UTF-16LE.
        return Buffer.from(this.bytes.subarray(start, start + count * 2)).swap16().toString('utf16le');
      }
      case 0x8:
        return fail(`object ${index}: a UID (keyed-archive reference) is not a launchd plist value`);
      case 0xa:
      case 0xc: {
        // A set (0xC) has no plist XML form; launchd reads it as an array, so do we.
        const { count, start } = this.count(at, info, index);
        const refs = this.refs(start, count, index);
        return this.container(index, depth, () => refs.map((ref) => this.object(ref, depth + 1)));
      }
      case 0xd: {
        const { count, start } = this.count(at, info, index);
        const refs = this.refs(start, count * 2, index);
        return this.container(index, depth, () => {
          const dict: { [key: string]: PlistValue } = {};
          for (let i = 0; i < count; i++) {
            const key = this.object(refs[i]!, depth + 1);
            if (typeof key !== 'string') fail(`object ${index}: dictionary key ${i} is not a string`);
            // defineProperty, not assignment: a key named "__proto__" must stay an ordinary key.
            Object.defineProperty(dict, key, { value: this.object(refs[count + i]!, depth + 1), enumerable: true, writable: true, configurable: true });
          }
          return dict;
        });
      }
      default:
        return fail(`object ${index}: unknown marker 0x${hex(marker)}`);
    }
  }

  private container(index: number, depth: number, build: () => PlistValue): PlistValue {
    if (depth >= this.limits.maxDepth) refuse(`nests deeper than ${this.limits.maxDepth} levels; job plists are limited to that`);
    if (this.onPath[index] === 1) fail(`object ${index} contains itself (a reference cycle)`);
    this.onPath[index] = 1;
    try {
      return build();
    } finally {
      this.onPath[index] = 0;
    }
  }

  private integer(at: number, info: number, index: number): number {
    if (info > 3) fail(`object ${index}: an integer of ${1 << info} bytes is not supported`);
    const size = 1 << info;
    this.within(at, size, index);
    // 1-, 2- and 4-byte integers are unsigned, 8-byte ones signed (as CoreFoundation writes them).
    if (size === 8) return Number(this.view.getBigInt64(at));
    return this.uint(at, size, `object ${index}`);
  }

  /** The element count of a string, data, array or dictionary: in the marker, or an integer after it. */
  private count(at: number, info: number, index: number): { count: number; start: number } {
    if (info !== 0x0f) return { count: info, start: at };
    const intMarker = this.byte(at, `object ${index}`);
    if (intMarker >> 4 !== 0x1 || (intMarker & 0x0f) > 3) fail(`object ${index}: its length is not an integer`);
    const size = 1 << (intMarker & 0x0f);
    this.within(at + 1, size, index);
    return { count: this.uint(at + 1, size, `object ${index}: length`), start: at + 1 + size };
  }

  private refs(start: number, count: number, index: number): number[] {
    const { refSize, objectCount } = this.trailer;
    this.within(start, count * refSize, index);
    const refs: number[] = [];
    for (let i = 0; i < count; i++) {
      const ref = this.uint(start + i * refSize, refSize, `object ${index}: reference ${i}`);
      if (ref >= objectCount) fail(`object ${index}: reference ${i} is to object ${ref}, but there are ${objectCount}`);
      refs.push(ref);
    }
    return refs;
  }

  private countBytes(n: number): void {
    this.expandedBytes += n;
    if (this.expandedBytes > this.limits.maxBytes) {
      refuse(`expands to more than ${this.limits.maxBytes} bytes of strings and data (shared references count once per use); job plists are limited to that`);
    }
  }

  /** Throws unless `length` bytes from `start` lie inside the object area. */
  private within(start: number, length: number, index: number): true {
    if (start + length > this.trailer.offsetTableStart) fail(`object ${index} runs past the end of the object area`);
    return true;
  }

  private byte(at: number, what: string): number {
    if (at >= this.bytes.byteLength) fail(`${what}: runs past the end of the file`);
    return this.view.getUint8(at);
  }

  /** A big-endian unsigned integer of 1 to 8 bytes; above 2^53 is refused rather than rounded. */
  private uint(at: number, size: number, what: string): number {
    if (at + size > this.bytes.byteLength) fail(`${what}: runs past the end of the file`);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.view.getUint8(at + i);
    if (!Number.isSafeInteger(value)) fail(`${what}: ${value} is too large`);
    return value;
  }
}

function fail(message: string): never {
  throw new BinaryPlistError(message, false);
}

function refuse(message: string): never {
  throw new BinaryPlistError(message, true);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
