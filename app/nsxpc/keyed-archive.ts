/**
 * NSKeyedArchiver archives: a bplist00 dictionary `{ $archiver, $version, $top, $objects }`.
 * `$objects[0]` is the string "$null"; every other object is a value or a dictionary whose
 * `$class` UID leads to `{ $classname, $classes }`, and whose fields refer to other objects by
 * UID. Resolving UIDs can loop (an object graph may contain itself) and can expand (one object
 * referenced many times), so both are bounded: a reference to an object being resolved becomes
 * a `ref` node, and every resolved node counts against a budget.
 */
import { decodeBplist00, DEFAULT_BPLIST00_LIMITS, type Bplist00Limits } from './bplist00';
import { attempt, fail, type NsxpcResult } from './errors';
import { naturalize, type NsValue } from './ns-value';
import type { PlistValue } from './plist-value';

export interface KeyedArchive {
  /** Usually "NSKeyedArchiver". */
  readonly archiver: string;
  readonly version: bigint;
  /** `$top` with every value resolved (keys like "root", or "10", "11" in some archives). */
  readonly top: ReadonlyMap<string, NsValue>;
  /** `$top.root`, or the only `$top` value when there is exactly one. */
  readonly root: NsValue | undefined;
}

export interface KeyedArchiveLimits extends Bplist00Limits {}

export function decodeKeyedArchive(bytes: Uint8Array, limits: KeyedArchiveLimits = DEFAULT_BPLIST00_LIMITS): NsxpcResult<KeyedArchive> {
  const plist = decodeBplist00(bytes, limits);
  if (!plist.ok) return plist;
  return unarchive(plist.value, limits);
}

/** Resolves an already-read archive plist. */
export function unarchive(plist: PlistValue, limits: KeyedArchiveLimits = DEFAULT_BPLIST00_LIMITS): NsxpcResult<KeyedArchive> {
  return attempt(() => new Unarchiver(plist, limits).run());
}

class Unarchiver {
  private readonly objects: readonly PlistValue[];
  private readonly onPath = new Set<number>();
  private produced = 0;

  constructor(
    private readonly plist: PlistValue,
    private readonly limits: KeyedArchiveLimits,
  ) {
    if (plist.kind !== 'dict') fail('not-archive', -1, `the plist is a ${plist.kind}, not an archive dictionary`);
    const objects = plist.entries.get('$objects');
    if (objects?.kind !== 'array') fail('not-archive', -1, '$objects is missing or not an array');
    this.objects = objects.items;
  }

  run(): KeyedArchive {
    const entries = (this.plist as Extract<PlistValue, { kind: 'dict' }>).entries;
    const archiver = entries.get('$archiver');
    const version = entries.get('$version');
    const top = entries.get('$top');
    if (archiver?.kind !== 'string') fail('not-archive', -1, '$archiver is missing or not a string');
    if (version?.kind !== 'int') fail('not-archive', -1, '$version is missing or not an integer');
    if (top?.kind !== 'dict') fail('not-archive', -1, '$top is missing or not a dictionary');
    const resolved = new Map<string, NsValue>();
    for (const [key, value] of top.entries) resolved.set(key, this.value(value, 0));
    const root = resolved.get('root') ?? (resolved.size === 1 ? [...resolved.values()][0] : undefined);
    return { archiver: archiver.value, version: version.value, top: resolved, root };
  }

  /** A value found inside an object: a UID is followed, containers are walked, scalars kept. */
  private value(v: PlistValue, depth: number): NsValue {
    if (++this.produced > this.limits.maxValues) fail('over-limit', -1, `resolves to more than ${this.limits.maxValues} values (shared objects count once per use)`);
    if (depth > this.limits.maxDepth) fail('over-limit', -1, `object graph nests deeper than ${this.limits.maxDepth} levels`);
    switch (v.kind) {
      case 'uid':
        return this.object(v.value, depth + 1);
      case 'array':
      case 'set':
        return { kind: v.kind, items: v.items.map((item) => this.value(item, depth + 1)) };
      case 'dict':
        return { kind: 'dict', entries: [...v.entries].map(([key, item]) => ({ key: { kind: 'string', value: key }, value: this.value(item, depth + 1) })) };
      default:
        return v;
    }
  }

  private object(uid: number, depth: number): NsValue {
    const obj = this.objects[uid];
    if (obj === undefined) fail('malformed', -1, `UID ${uid} is outside $objects (${this.objects.length} objects)`);
    if (obj.kind === 'string' && obj.value === '$null') return { kind: 'null' };
    if (obj.kind !== 'dict') return this.value(obj, depth);
    if (this.onPath.has(uid)) return { kind: 'ref', uid };
    this.onPath.add(uid);
    try {
      const classRef = obj.entries.get('$class');
      if (classRef === undefined) return this.value(obj, depth);
      if (classRef.kind !== 'uid') fail('malformed', -1, `object ${uid}: $class is a ${classRef.kind}, not a UID`);
      const { name, chain } = this.classOf(classRef.value, uid);
      const fields = new Map<string, NsValue>();
      for (const [key, field] of obj.entries) if (key !== '$class') fields.set(key, this.value(field, depth + 1));
      return naturalize(name, chain, fields);
    } finally {
      this.onPath.delete(uid);
    }
  }

  private classOf(classUid: number, uid: number): { name: string; chain: readonly string[] } {
    const cls = this.objects[classUid];
    if (cls?.kind !== 'dict') fail('malformed', -1, `object ${uid}: $class UID ${classUid} is not a class dictionary`);
    const name = cls.entries.get('$classname');
    if (name?.kind !== 'string') fail('malformed', -1, `class ${classUid}: $classname is missing or not a string`);
    const classes = cls.entries.get('$classes');
    const chain = classes?.kind === 'array' ? classes.items.flatMap((c) => (c.kind === 'string' ? [c.value] : [])) : [name.value];
    return { name: name.value, chain };
  }
}
