/**
 * Objective-C object graphs as the inspector shows them, after a keyed archive's references
 * are resolved or an NSXPC payload's `$class` dictionaries are read. Foundation classes with
 * an obvious plain form (strings, data, dates, UUIDs, collections) become that form; any
 * other class stays an object with its class chain and its encoded fields.
 */
import type { PlistValue } from './plist-value';

type Scalar = Extract<PlistValue, { kind: 'null' | 'bool' | 'int' | 'real' | 'date' | 'data' | 'string' }>;

export type NsValue =
  | Scalar
  /** NSUUID, as its lowercase canonical text. */
  | { readonly kind: 'uuid'; readonly value: string }
  /** `className` is the archived class (NSArray, NSMutableSet …) when the value came from an object. */
  | { readonly kind: 'array'; readonly items: readonly NsValue[]; readonly className?: string }
  | { readonly kind: 'set'; readonly items: readonly NsValue[]; readonly className?: string }
  /** NSDictionary keys can be any object, so entries are pairs, in archive order. */
  | { readonly kind: 'dict'; readonly entries: readonly NsEntry[]; readonly className?: string }
  | { readonly kind: 'object'; readonly class: string; readonly classes: readonly string[]; readonly fields: ReadonlyMap<string, NsValue> }
  /** A reference back to an object that contains it (`$objects` index), shown instead of looping. */
  | { readonly kind: 'ref'; readonly uid: number };

export interface NsEntry {
  readonly key: NsValue;
  readonly value: NsValue;
}

const STRINGS = new Set(['NSString', 'NSMutableString']);
const DATAS = new Set(['NSData', 'NSMutableData']);
const ARRAYS = new Set(['NSArray', 'NSMutableArray', 'NSOrderedSet', 'NSMutableOrderedSet']);
const SETS = new Set(['NSSet', 'NSMutableSet', 'NSCountedSet']);
const DICTS = new Set(['NSDictionary', 'NSMutableDictionary']);

/**
 * The plain form of an object of class `className` whose fields are already decoded, or the
 * generic object form when the class is not a well-known one or its fields are not the expected
 * shape (a subclass may encode differently; showing the fields is then the honest answer).
 */
export function naturalize(className: string, classes: readonly string[], fields: ReadonlyMap<string, NsValue>): NsValue {
  const generic: NsValue = { kind: 'object', class: className, classes, fields };
  if (className === 'NSNull') return { kind: 'null' };
  if (STRINGS.has(className)) {
    const s = fields.get('NS.string');
    if (s?.kind === 'string') return s;
    const bytes = fields.get('NS.bytes');
    if (bytes?.kind === 'data') return { kind: 'string', value: utf8(bytes.value) };
    return generic;
  }
  if (DATAS.has(className)) {
    const d = fields.get('NS.data');
    return d?.kind === 'data' ? d : generic;
  }
  if (className === 'NSDate') {
    const t = fields.get('NS.time');
    return t?.kind === 'real' ? { kind: 'date', seconds: t.value } : t?.kind === 'int' ? { kind: 'date', seconds: Number(t.value) } : generic;
  }
  if (className === 'NSUUID') {
    const b = fields.get('NS.uuidbytes');
    return b?.kind === 'data' && b.value.length === 16 ? { kind: 'uuid', value: uuidText(b.value) } : generic;
  }
  if (className === 'NSNumber') {
    // NSXPC and some archivers spell numbers as objects; keyed archives usually store them inline.
    for (const key of ['NS.intval', 'NS.dblval', 'NS.boolval', 'NS.number']) {
      const v = fields.get(key);
      if (v && (v.kind === 'int' || v.kind === 'real' || v.kind === 'bool')) return v;
    }
    return generic;
  }
  if (ARRAYS.has(className) || SETS.has(className)) {
    const items = listOf(fields.get('NS.objects'));
    if (!items) return generic;
    return { kind: SETS.has(className) ? 'set' : 'array', items, className };
  }
  if (DICTS.has(className)) {
    const keys = listOf(fields.get('NS.keys'));
    const values = listOf(fields.get('NS.objects'));
    if (!keys || !values || keys.length !== values.length) return generic;
    return { kind: 'dict', entries: keys.map((key, i) => ({ key, value: values[i]! })), className };
  }
  return generic;
}

/** An absent list (an empty NSArray may omit NS.objects) is empty. */
function listOf(v: NsValue | undefined): readonly NsValue[] | undefined {
  if (v === undefined) return [];
  return v.kind === 'array' || v.kind === 'set' ? v.items : undefined;
}

export function uuidText(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Lenient UTF-8 (bad sequences become U+FFFD): NS.bytes is display text here, not data. */
function utf8(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
    if (need < 0 || i + need >= bytes.length) {
      out += '\ufffd';
      i++;
      continue;
    }
    let cp = need === 0 ? b : b & (0x3f >> need);
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok || cp > 0x10ffff) {
      out += '\ufffd';
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}
