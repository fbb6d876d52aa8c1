/**
 * Writes bplist00 (the inverse of bplist00.ts), in the forms CFBinaryPList writes: the smallest
 * unsigned integer of 1/2/4 bytes, 8-byte two's complement for negatives and for 2^32 … 2^63-1,
 * 16 bytes above that; ASCII strings when every character is below 0x80, else UTF-16BE. No
 * object is shared, so the bytes depend only on the value.
 */
import type { PlistValue } from './plist-value';

const INT128_MIN = -(1n << 127n);
const INT128_MAX = (1n << 127n) - 1n;

export function encodeBplist00(value: PlistValue): Uint8Array {
  const objects: number[][] = [];
  // References are sized from the object count, known before writing since nothing is shared.
  const refSize = bytesFor(countObjects(value) - 1);
  // Reserve an index before writing children, so the top object is object 0 and references are stable.
  const add = (v: PlistValue): number => {
    const index = objects.length;
    objects.push([]);
    objects[index] = encodeObject(v, add, refSize);
    return index;
  };
  add(value);
  const out: number[] = [...'bplist00'].map((c) => c.charCodeAt(0));
  const offsets: number[] = [];
  for (const bytes of objects) {
    offsets.push(out.length);
    for (const b of bytes) out.push(b);
  }
  const tableStart = out.length;
  const offsetSize = bytesFor(tableStart);
  for (const offset of offsets) out.push(...be(BigInt(offset), offsetSize));
  out.push(0, 0, 0, 0, 0, 0, offsetSize, refSize);
  out.push(...be(BigInt(objects.length), 8), ...be(0n, 8), ...be(BigInt(tableStart), 8));
  return Uint8Array.from(out);
}

function countObjects(v: PlistValue): number {
  switch (v.kind) {
    case 'array':
    case 'set':
      return 1 + v.items.reduce((n, item) => n + countObjects(item), 0);
    case 'dict': {
      let n = 1;
      for (const item of v.entries.values()) n += 1 + countObjects(item);
      return n;
    }
    default:
      return 1;
  }
}

function encodeObject(v: PlistValue, add: (v: PlistValue) => number, refSize: number): number[] {
  switch (v.kind) {
    case 'null':
      return [0x00];
    case 'bool':
      return [v.value ? 0x09 : 0x08];
    case 'int':
      return encodeInt(v.value);
    case 'real': {
      const buf = new DataView(new ArrayBuffer(v.bytes));
      if (v.bytes === 4) buf.setFloat32(0, v.value);
      else buf.setFloat64(0, v.value);
      return [v.bytes === 4 ? 0x22 : 0x23, ...new Uint8Array(buf.buffer)];
    }
    case 'date': {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setFloat64(0, v.seconds);
      return [0x33, ...new Uint8Array(buf.buffer)];
    }
    case 'data':
      return [...header(0x4, v.value.length), ...v.value];
    case 'string': {
      let ascii = true;
      for (let i = 0; i < v.value.length; i++) if (v.value.charCodeAt(i) >= 0x80) ascii = false;
      if (ascii) return [...header(0x5, v.value.length), ...[...v.value].map((c) => c.charCodeAt(0))];
      const out = header(0x6, v.value.length);
      for (let i = 0; i < v.value.length; i++) {
        const unit = v.value.charCodeAt(i);
        out.push(unit >> 8, unit & 0xff);
      }
      return out;
    }
    case 'uid': {
      const size = bytesFor(v.value);
      return [0x80 | (size - 1), ...be(BigInt(v.value), size)];
    }
    case 'array':
    case 'set': {
      const out = header(v.kind === 'array' ? 0xa : 0xc, v.items.length);
      for (const item of v.items) out.push(...be(BigInt(add(item)), refSize));
      return out;
    }
    case 'dict': {
      const out = header(0xd, v.entries.size);
      const values: number[] = [];
      for (const [key, item] of v.entries) {
        out.push(...be(BigInt(add({ kind: 'string', value: key })), refSize));
        values.push(add(item));
      }
      for (const ref of values) out.push(...be(BigInt(ref), refSize));
      return out;
    }
  }
}

function encodeInt(value: bigint): number[] {
  if (value < INT128_MIN || value > INT128_MAX) throw new RangeError(`${value} does not fit in a 128-bit plist integer`);
  if (value >= 0n && value < 0x100n) return [0x10, ...be(value, 1)];
  if (value >= 0n && value < 0x10000n) return [0x11, ...be(value, 2)];
  if (value >= 0n && value < 0x100000000n) return [0x12, ...be(value, 4)];
  if (value >= -(1n << 63n) && value < 1n << 63n) return [0x13, ...be(BigInt.asUintN(64, value), 8)];
  return [0x14, ...be(BigInt.asUintN(128, value), 16)];
}

function header(type: number, count: number): number[] {
  if (count < 0x0f) return [(type << 4) | count];
  return [(type << 4) | 0x0f, ...encodeInt(BigInt(count))];
}

/** Smallest of 1, 2, 4, 8 bytes that holds n. */
function bytesFor(n: number): number {
  if (n < 0x100) return 1;
  if (n < 0x10000) return 2;
  if (n < 0x100000000) return 4;
  return 8;
}

function be(value: bigint, size: number): number[] {
  const out = new Array<number>(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}
