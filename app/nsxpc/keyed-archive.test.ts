import { describe, expect, it } from 'vitest';
import { encodeBplist00 } from './bplist00-writer';
import { plain } from './fixtures/shape';
import { decodeKeyedArchive, unarchive } from './keyed-archive';
import { plist, type PlistValue } from './plist-value';

const cls = (name: string, ...supers: string[]) => plist.dict([['$classname', plist.string(name)], ['$classes', plist.array([name, ...supers, 'NSObject'].map(plist.string))]]);
const archiveOf = (objects: PlistValue[], top: Iterable<[string, PlistValue]> = [['root', plist.uid(1)]]) =>
  plist.dict([
    ['$version', plist.int(100000)],
    ['$archiver', plist.string('NSKeyedArchiver')],
    ['$top', plist.dict(top)],
    ['$objects', plist.array(objects)],
  ]);

describe('NSKeyedArchiver unarchiver', () => {
  it('turns well-known classes into plain values', () => {
    const objects = [
      plist.string('$null'),
      plist.dict([['$class', plist.uid(2)], ['NS.keys', plist.array([plist.uid(3), plist.uid(4), plist.uid(5), plist.uid(6), plist.uid(7)])], ['NS.objects', plist.array([plist.uid(8), plist.uid(10), plist.uid(12), plist.uid(14), plist.uid(0)])]]),
      cls('NSMutableDictionary', 'NSDictionary'),
      plist.string('date'),
      plist.string('set'),
      plist.string('text'),
      plist.string('uuid'),
      plist.string('nothing'),
      plist.dict([['$class', plist.uid(9)], ['NS.time', plist.real(1.5)]]),
      cls('NSDate'),
      plist.dict([['$class', plist.uid(11)], ['NS.objects', plist.array([plist.uid(3)])]]),
      cls('NSSet'),
      plist.dict([['$class', plist.uid(13)], ['NS.string', plist.string('héllo')]]),
      cls('NSMutableString', 'NSString'),
      plist.dict([['$class', plist.uid(15)], ['NS.uuidbytes', plist.data(Uint8Array.from({ length: 16 }, (_, i) => i))]]),
      cls('NSUUID'),
    ];
    const r = unarchive(archiveOf(objects));
    if (!r.ok) throw r.error;
    expect(plain(r.value.root!)).toEqual({ date: { date: 1.5 }, set: ['date'], text: 'héllo', uuid: '00010203-0405-0607-0809-0a0b0c0d0e0f', nothing: null });
    expect(r.value.root).toMatchObject({ kind: 'dict', className: 'NSMutableDictionary' });
  });

  it('keeps other classes as class, class chain and fields', () => {
    const objects = [plist.string('$null'), plist.dict([['$class', plist.uid(2)], ['count', plist.int(-3)], ['name', plist.uid(3)], ['none', plist.uid(0)]]), cls('MyThing', 'MyBase'), plist.string('x')];
    const r = unarchive(archiveOf(objects));
    if (!r.ok) throw r.error;
    expect(r.value.root).toMatchObject({ kind: 'object', class: 'MyThing', classes: ['MyThing', 'MyBase', 'NSObject'] });
    expect(plain(r.value.root!)).toEqual({ $class: 'MyThing', count: -3n, name: 'x', none: null });
  });

  it('shows a reference back to an object being resolved as a ref, not a loop', () => {
    const objects = [plist.string('$null'), plist.dict([['$class', plist.uid(2)], ['parent', plist.uid(3)]]), cls('Child'), plist.dict([['$class', plist.uid(4)], ['child', plist.uid(1)]]), cls('Parent')];
    const r = unarchive(archiveOf(objects));
    if (!r.ok) throw r.error;
    expect(plain(r.value.root!)).toEqual({ $class: 'Child', parent: { $class: 'Parent', child: { $ref: 1 } } });
  });

  it('bounds expansion of shared objects: each use counts', () => {
    // Object i is an NSArray of [i+1, i+1]; 40 levels would resolve to 2^40 values.
    const objects: PlistValue[] = [plist.string('$null'), cls('NSArray')];
    for (let i = 0; i < 40; i++) objects.push(plist.dict([['$class', plist.uid(1)], ['NS.objects', plist.array([plist.uid(objects.length + 1), plist.uid(objects.length + 1)])]]));
    objects.push(plist.string('leaf'));
    const r = decodeKeyedArchive(encodeBplist00(archiveOf(objects, [['root', plist.uid(2)]])), { maxObjects: 1000, maxDepth: 200, maxValues: 10_000, maxBytes: 1 << 20 });
    expect(!r.ok && r.error.code).toBe('over-limit');
  });

  it('reports what is wrong with a broken archive', () => {
    const notArchive = unarchive(plist.array([]));
    expect(!notArchive.ok && [notArchive.error.code, notArchive.error.message]).toEqual(['not-archive', 'the plist is a array, not an archive dictionary']);
    const badUid = unarchive(archiveOf([plist.string('$null')], [['root', plist.uid(7)]]));
    expect(!badUid.ok && badUid.error.reason).toBe('UID 7 is outside $objects (1 objects)');
    const badClass = unarchive(archiveOf([plist.string('$null'), plist.dict([['$class', plist.uid(0)]])]));
    expect(!badClass.ok && badClass.error.reason).toBe('object 1: $class UID 0 is not a class dictionary');
    const noObjects = unarchive(plist.dict([['$top', plist.dict([])]]));
    expect(!noObjects.ok && noObjects.error.reason).toBe('$objects is missing or not an array');
  });
});
