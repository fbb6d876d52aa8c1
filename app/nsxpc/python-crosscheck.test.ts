/**
 * Cross-checks against independent implementations: Python's plistlib (bplist00, both
 * directions) and bpylist2 from PyPI (NSKeyedArchiver). Generated values are written to a
 * temp directory and one python3 process reads them all. Real archives N9–N15 come from
 * ../shared/interop/xpc-samples/ (origins in SOURCES.md there: rec0de/bytewitch for N9,
 * danielpaulus/go-ios fixtures for N10–N15).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBplist00 } from './bplist00';
import { encodeBplist00 } from './bplist00-writer';
import type { NsxpcResult } from './errors';
import { plistArbitrary } from './fixtures/arbitrary';
import { hex, nsShape, type Shape } from './fixtures/shape';
import { decodeKeyedArchive } from './keyed-archive';
import { plist, type PlistValue } from './plist-value';

const SAMPLES = new URL('../../../shared/interop/xpc-samples/', import.meta.url);
const ARCHIVES = [
  'nska-bytewitch-SASButtonIdentifier-SASTimeInterval.bplist00.hex', // N9
  'nska-goios-dtx-selector-requestChannelWithCode.hex', // N10
  'nska-goios-dtx-selector-IDE-initiateSession.hex', // N11
  'nska-goios-DTTapMessage.bin', // N12
  'nska-goios-XCTCapabilities.bin', // N13
  'nska-goios-NSNull-ax-focus-on-element.bin', // N14
  'nska-goios-NSUUID.bin', // N15
];
function sample(name: string): Uint8Array {
  const raw = readFileSync(new URL(name, SAMPLES));
  return name.endsWith('.hex') ? Uint8Array.from(Buffer.from(raw.toString('utf8').trim(), 'hex')) : new Uint8Array(raw);
}

function python(args: readonly string[], input?: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync('python3', args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  return { ok: r.status === 0 && r.error === undefined, out: r.stdout ?? '', err: r.stderr ?? String(r.error) };
}
const HAS_PYTHON = python(['-c', 'import plistlib']).ok;
const HAS_BPYLIST2 = HAS_PYTHON && python(['-c', 'import bpylist2']).ok;
if (!HAS_PYTHON) console.error('python-crosscheck: python3 with plistlib is not available; the plistlib cross-checks are skipped');
else if (!HAS_BPYLIST2) console.error('python-crosscheck: bpylist2 is not importable (pip install bpylist2==4.1.1); the NSKeyedArchiver cross-checks are skipped');

const dir = mkdtempSync(join(tmpdir(), 'nsxpc-crosscheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeAll(files: readonly Uint8Array[], tag: string): string[] {
  return files.map((bytes, i) => {
    const path = join(dir, `${tag}-${i}.bplist`);
    writeFileSync(path, bytes);
    return path;
  });
}

/** Python side's JSON shape: reals as their 8 IEEE bytes in hex (exact, and NaN/inf survive JSON). */
const PY_SHAPE = `
import base64, datetime, json, plistlib, struct, sys
EPOCH = datetime.datetime(2001, 1, 1)
def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, plistlib.UID): return {'uid': v.data}
    if isinstance(v, int): return {'int': str(v)}
    if isinstance(v, float): return {'real': struct.pack('>d', v).hex()}
    if isinstance(v, bytes): return {'data': v.hex()}
    if isinstance(v, datetime.datetime): return {'date': (v - EPOCH) / datetime.timedelta(seconds=1)}
    if isinstance(v, list): return [enc(x) for x in v]
    if isinstance(v, dict): return {'dict': [[k, enc(x)] for k, x in v.items()]}
    raise TypeError(type(v))
def dec(s):
    if s is None or isinstance(s, (bool, str)): return s
    if isinstance(s, list): return [dec(x) for x in s]
    if 'uid' in s: return plistlib.UID(s['uid'])
    if 'int' in s: return int(s['int'])
    if 'real' in s: return struct.unpack('>d', bytes.fromhex(s['real']))[0]
    if 'data' in s: return bytes.fromhex(s['data'])
    if 'date' in s: return EPOCH + datetime.timedelta(seconds=s['date'])
    return {k: dec(x) for k, x in s['dict']}
`;

function realHex(n: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return hex(new Uint8Array(view.buffer));
}

/** Our value in the Python shape. */
function pyShape(v: PlistValue): Shape {
  switch (v.kind) {
    case 'null':
      return null;
    case 'bool':
    case 'string':
      return v.value;
    case 'int':
      return { int: v.value.toString() };
    case 'real':
      return { real: realHex(v.value) };
    case 'date':
      return { date: v.seconds };
    case 'data':
      return { data: hex(v.value) };
    case 'uid':
      return { uid: v.value };
    case 'array':
    case 'set':
      return v.items.map(pyShape);
    case 'dict':
      return { dict: [...v.entries].map(([k, item]) => [k, pyShape(item)]) };
  }
}

/** Deep equality where dates (Python keeps microseconds) may differ by a microsecond. */
function expectSameShape(ours: Shape, theirs: Shape, path = '$'): void {
  if (ours !== null && typeof ours === 'object' && !Array.isArray(ours) && 'date' in ours && theirs !== null && typeof theirs === 'object' && !Array.isArray(theirs) && 'date' in theirs) {
    const a = ours.date as number;
    const b = theirs.date as number;
    expect(Math.abs(a - b), `${path}: date ${a} vs ${b}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a) / 1e9));
    return;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    expect(theirs.length, `${path}: length`).toBe(ours.length);
    ours.forEach((item, i) => expectSameShape(item, theirs[i]!, `${path}[${i}]`));
    return;
  }
  if (ours !== null && theirs !== null && typeof ours === 'object' && typeof theirs === 'object') {
    expect(Object.keys(theirs).sort(), `${path}: keys`).toEqual(Object.keys(ours).sort());
    for (const key of Object.keys(ours)) expectSameShape((ours as Record<string, Shape>)[key]!, (theirs as Record<string, Shape>)[key]!, `${path}.${key}`);
    return;
  }
  expect(theirs, path).toEqual(ours);
}

function ok<T>(r: NsxpcResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** What plistlib can hold: no null or sets, ints -2^63 … 2^64-1, strings without lone surrogates, dates Python can represent. */
const PY_VALUES = plistArbitrary({ intMin: -(2n ** 63n), intMax: 2n ** 64n - 1n, pythonDates: true });

describe.skipIf(!HAS_PYTHON)('bplist00 against Python plistlib', () => {
  it('plistlib reads what we write: generated values with UIDs, 64-bit and 2^64-1 ints, dates, data', () => {
    const values = fc.sample(PY_VALUES, { numRuns: 300, seed: 1700 });
    values.push(plist.dict([['uid', plist.uid(0xfffffffe)], ['neg', plist.int(-(2n ** 63n))], ['big', plist.int(2n ** 64n - 1n)], ['date', plist.date(-978307200.5)], ['data', plist.data(new Uint8Array([0, 255]))]]));
    const paths = writeAll(values.map(encodeBplist00), 'ours');
    const r = python(['-c', `${PY_SHAPE}\nprint(json.dumps([enc(plistlib.loads(open(p, 'rb').read(), fmt=plistlib.FMT_BINARY)) for p in sys.argv[1:]]))`, ...paths]);
    expect(r.err).toBe('');
    const theirs = JSON.parse(r.out) as Shape[];
    values.forEach((v, i) => expectSameShape(pyShape(v), theirs[i]!, `value ${i}`));
  });

  it('we read what plistlib writes (it shares equal objects, so references repeat)', () => {
    const values = fc.sample(PY_VALUES, { numRuns: 300, seed: 1701 });
    const r = python(['-c', `${PY_SHAPE}\nprint(json.dumps([plistlib.dumps(dec(s), fmt=plistlib.FMT_BINARY, sort_keys=False).hex() for s in json.load(sys.stdin)]))`], JSON.stringify(values.map(pyShape)));
    expect(r.err).toBe('');
    const files = (JSON.parse(r.out) as string[]).map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    files.forEach((bytes, i) => expectSameShape(pyShape(values[i]!), pyShape(ok(decodeBplist00(bytes))), `value ${i}`));
  });

  it('real keyed archives N9–N15 read the same in plistlib and here', () => {
    const paths = writeAll(ARCHIVES.map(sample), 'sample');
    const r = python(['-c', `${PY_SHAPE}\nprint(json.dumps([enc(plistlib.loads(open(p, 'rb').read(), fmt=plistlib.FMT_BINARY)) for p in sys.argv[1:]]))`, ...paths]);
    expect(r.err).toBe('');
    const theirs = JSON.parse(r.out) as Shape[];
    ARCHIVES.forEach((name, i) => expectSameShape(pyShape(ok(decodeBplist00(sample(name)))), theirs[i]!, name));
  });
});

/** bpylist2 maps only a few Foundation classes; the rest get a generic field dump matching nsShape's object form. */
const BPY_SHAPE = `
import json, plistlib, sys
from bpylist2 import archiver
from bpylist2.archive_types import timestamp
MAPPED = {'NSDictionary', 'NSMutableDictionary', 'NSArray', 'NSMutableArray', 'NSSet', 'NSMutableSet', 'NSDate', 'NSMutableData'}
def generic(name):
    class Generic:
        @staticmethod
        def decode_archive(a):
            if name == 'NSNull': return None
            if name in ('NSString', 'NSMutableString'): return a.decode('NS.string')
            if name == 'NSData': return a.decode('NS.data')
            if name == 'NSUUID': return {'uuid': a.decode('NS.uuidbytes').hex()}
            return {'class': name, 'fields': [[k, a.decode(k)] for k in a.object if k != '$class']}
    return Generic
def enc(v):
    if isinstance(v, timestamp): return {'date': float(v) - 978307200}
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return {'int': str(v)}
    if isinstance(v, float): return {'real': v}
    if isinstance(v, bytes): return {'data': v.hex()}
    if isinstance(v, list): return [enc(x) for x in v]
    if isinstance(v, dict) and 'uuid' in v: return v
    if isinstance(v, dict) and 'class' in v: return {'class': v['class'], 'fields': [[k, enc(x)] for k, x in v['fields']]}
    if isinstance(v, dict): return {'dict': [[enc(k), enc(x)] for k, x in v.items()]}
    raise TypeError(type(v))
out = []
for p in sys.argv[1:]:
    data = open(p, 'rb').read()
    objs = plistlib.loads(data)['$objects']
    names = {o['$classname'] for o in objs if isinstance(o, dict) and '$classname' in o}
    archiver.update_class_map({n: generic(n) for n in names - MAPPED})
    top = plistlib.loads(data)['$top']
    u = archiver.Unarchive(data)
    # Not unpack_archive_header(): it insists on a $top "root" key, and N9 has "10" and "11".
    u.objects = objs
    out.append({k: enc(u.decode_object(uid)) for k, uid in top.items()})
print(json.dumps(out))
`;

/** A small object graph to archive: what NSKeyedArchiver would write for these Foundation values. */
type Graph =
  | { t: 'string'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'real'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'data'; v: Uint8Array }
  | { t: 'date'; v: number }
  | { t: 'array'; items: Graph[] }
  | { t: 'dict'; entries: [string, Graph][] }
  | { t: 'object'; cls: string; fields: [string, Graph][] };

const graphArbitrary: fc.Arbitrary<Graph> = fc.letrec<{ g: Graph }>((tie) => ({
  g: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 20 }).map((v): Graph => ({ t: 'string', v })),
    fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((v): Graph => ({ t: 'int', v })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v): Graph => ({ t: 'real', v })),
    fc.boolean().map((v): Graph => ({ t: 'bool', v })),
    fc.constant<Graph>({ t: 'null' }),
    fc.uint8Array({ maxLength: 20 }).map((v): Graph => ({ t: 'data', v })),
    fc.integer({ min: -1e9, max: 1e9 }).map((v): Graph => ({ t: 'date', v })),
    fc.array(tie('g'), { maxLength: 5 }).map((items): Graph => ({ t: 'array', items })),
    fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), tie('g')), { selector: ([k]) => k, maxLength: 5 }).map((entries): Graph => ({ t: 'dict', entries })),
    fc
      .tuple(fc.constantFrom('MyThing', 'XYZRecord'), fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('$')), tie('g')), { selector: ([k]) => k, maxLength: 4 }))
      .map(([cls, fields]): Graph => ({ t: 'object', cls, fields })),
  ),
})).g;

function archiveGraph(root: Graph): Uint8Array {
  const objects: PlistValue[] = [plist.string('$null')];
  const classes = new Map<string, number>();
  const classUid = (name: string): PlistValue => {
    let uid = classes.get(name);
    if (uid === undefined) {
      uid = objects.push(plist.dict([['$classname', plist.string(name)], ['$classes', plist.array([plist.string(name), plist.string('NSObject')])]])) - 1;
      classes.set(name, uid);
    }
    return plist.uid(uid);
  };
  const push = (make: () => PlistValue): PlistValue => {
    const uid = objects.push(plist.null()) - 1;
    objects[uid] = make();
    return plist.uid(uid);
  };
  /** Collections hold objects, so their numbers become $objects entries; an object's own fields may be inline. */
  const element = (g: Graph): PlistValue => (g.t === 'int' || g.t === 'real' || g.t === 'bool' ? push(() => add(g)) : add(g));
  const add = (g: Graph): PlistValue => {
    switch (g.t) {
      case 'string':
        return push(() => plist.string(g.v));
      case 'int':
        return plist.int(g.v);
      case 'real':
        return plist.real(g.v);
      case 'bool':
        return plist.bool(g.v);
      case 'null':
        return plist.uid(0);
      case 'data':
        return push(() => plist.data(g.v));
      case 'date':
        return push(() => plist.dict([['$class', classUid('NSDate')], ['NS.time', plist.real(g.v)]]));
      case 'array':
        return push(() => plist.dict([['$class', classUid('NSArray')], ['NS.objects', plist.array(g.items.map(element))]]));
      case 'dict':
        return push(() => plist.dict([['$class', classUid('NSDictionary')], ['NS.keys', plist.array(g.entries.map(([k]) => add({ t: 'string', v: k })))], ['NS.objects', plist.array(g.entries.map(([, v]) => element(v)))]]));
      case 'object':
        return push(() => plist.dict([['$class', classUid(g.cls)], ...g.fields.map(([k, v]): [string, PlistValue] => [k, add(v)])]));
    }
  };
  const top = add(root);
  return encodeBplist00(
    plist.dict([
      ['$version', plist.int(100000)],
      ['$archiver', plist.string('NSKeyedArchiver')],
      ['$top', plist.dict([['root', top.kind === 'uid' ? top : push(() => top)]])],
      ['$objects', plist.array(objects)],
    ]),
  );
}

describe.skipIf(!HAS_BPYLIST2)('NSKeyedArchiver against bpylist2', () => {
  function compare(files: readonly Uint8Array[], names: readonly string[]): void {
    const r = python(['-c', BPY_SHAPE, ...writeAll(files, 'archive')]);
    expect(r.err).toBe('');
    const theirs = JSON.parse(r.out) as Record<string, Shape>[];
    files.forEach((bytes, i) => {
      const ours = ok(decodeKeyedArchive(bytes));
      const shape: Record<string, Shape> = {};
      for (const [k, v] of ours.top) shape[k] = nsShape(v);
      expectSameShape(shape, theirs[i]!, names[i]);
    });
  }

  it('real archives N9–N15 unarchive to the same objects', () => {
    compare(ARCHIVES.map(sample), ARCHIVES);
  });

  it('generated archives of strings, numbers, data, dates, arrays, dictionaries and custom classes unarchive to the same objects', () => {
    const graphs = fc.sample(graphArbitrary, { numRuns: 200, seed: 1702 });
    compare(graphs.map(archiveGraph), graphs.map((_, i) => `graph ${i}`));
  });
});
