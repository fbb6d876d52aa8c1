/**
 * Tests only: assembles bplist00 files object by object, so a test can write what no plist
 * library would produce (shared references, cycles, lying trailers).
 */

/** One encoded object; references are indexes into the object list. */
export type RawObject = Uint8Array;

const REF_SIZE = 2;

export function asciiObject(text: string): RawObject {
  return withCount(0x5, text.length, Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

export function arrayObject(refs: readonly number[]): RawObject {
  return withCount(0xa, refs.length, encodeRefs(refs));
}

export function dictObject(entries: readonly (readonly [key: number, value: number])[]): RawObject {
  return withCount(0xd, entries.length, encodeRefs([...entries.map(([k]) => k), ...entries.map(([, v]) => v)]));
}

export interface TrailerOverrides {
  readonly objectCount?: number;
  readonly topObject?: number;
  readonly offsetTableStart?: number;
}

/** The whole file: header, objects, offset table (4-byte offsets) and trailer. */
export function assembleBinaryPlist(objects: readonly RawObject[], top = 0, overrides: TrailerOverrides = {}): Uint8Array {
  const header = new TextEncoder().encode('bplist00');
  const offsets: number[] = [];
  let at = header.length;
  for (const object of objects) {
    offsets.push(at);
    at += object.length;
  }
  const table = new Uint8Array(offsets.length * 4);
  offsets.forEach((offset, i) => new DataView(table.buffer).setUint32(i * 4, offset));
  const trailer = new Uint8Array(32);
  const view = new DataView(trailer.buffer);
  view.setUint8(6, 4);
  view.setUint8(7, REF_SIZE);
  view.setBigUint64(8, BigInt(overrides.objectCount ?? objects.length));
  view.setBigUint64(16, BigInt(overrides.topObject ?? top));
  view.setBigUint64(24, BigInt(overrides.offsetTableStart ?? at));
  return concat([header, ...objects, table, trailer]);
}

function withCount(type: number, count: number, payload: Uint8Array): RawObject {
  if (count < 15) return concat([Uint8Array.of((type << 4) | count), payload]);
  return concat([Uint8Array.of((type << 4) | 0x0f, 0x12), u32(count), payload]);
}

function encodeRefs(refs: readonly number[]): Uint8Array {
  const out = new Uint8Array(refs.length * REF_SIZE);
  refs.forEach((ref, i) => new DataView(out.buffer).setUint16(i * REF_SIZE, ref));
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
