/**
 * Encode/decode throughput of Apple's XPC serialization codec, next to JSON.stringify /
 * JSON.parse of the equivalent JSON in the same run. Prints MB/s and values/s and the ratio
 * codec ÷ JSON for each shape.
 */
import { encodeXpc, decodeXpc } from '../app/xpc/codec';
import { xpc, type XpcValue } from '../app/xpc/value';

interface Shape {
  name: string;
  value: XpcValue;
  json: unknown;
}

function smallDictionary(): Shape {
  const value = xpc.dictionary([
    ['op', xpc.string('echo')],
    ['id', xpc.int64(42)],
    ['flags', xpc.uint64(7)],
    ['ok', xpc.bool(true)],
    ['ratio', xpc.double(0.25)],
    ['name', xpc.string('com.example.echo')],
  ]);
  const json = { op: 'echo', id: 42, flags: 7, ok: true, ratio: 0.25, name: 'com.example.echo' };
  return { name: 'small dictionary (6 keys)', value, json };
}

function dataBlob(): Shape {
  const bytes = new Uint8Array(1 << 20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  // JSON has no bytes: the fair equivalent is the base64 text a JSON protocol would carry.
  return { name: '1 MiB data blob', value: xpc.data(bytes), json: { data: Buffer.from(bytes).toString('base64') } };
}

function deepNested(depth: number): Shape {
  let value: XpcValue = xpc.dictionary([['leaf', xpc.string('bottom')]]);
  let json: unknown = { leaf: 'bottom' };
  for (let i = 0; i < depth; i++) {
    value = xpc.dictionary([
      ['level', xpc.int64(i)],
      ['items', xpc.array([xpc.string(`item-${i}`), xpc.bool(i % 2 === 0)])],
      ['child', value],
    ]);
    json = { level: i, items: [`item-${i}`, i % 2 === 0], child: json };
  }
  return { name: `deep nested structure (depth ${depth})`, value, json };
}

/** Runs fn repeatedly for about `ms` milliseconds and returns iterations per second. */
function rate(fn: () => void, ms = 700): number {
  for (let i = 0; i < 50; i++) fn(); // warm-up
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) fn();
    iterations += 20;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (iterations / elapsed) * 1000;
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

let sink = 0;
const rows: string[][] = [];
for (const shape of [smallDictionary(), dataBlob(), deepNested(60)]) {
  const encoded = encodeXpc(shape.value);
  const text = JSON.stringify(shape.json);
  const decoded = decodeXpc(encoded);
  if (!decoded.ok) throw decoded.error;

  const encodeRate = rate(() => {
    sink += encodeXpc(shape.value).length;
  });
  const decodeRate = rate(() => {
    const r = decodeXpc(encoded);
    if (r.ok) sink++;
  });
  const stringifyRate = rate(() => {
    sink += JSON.stringify(shape.json).length;
  });
  const parseRate = rate(() => {
    sink += JSON.parse(text) ? 1 : 0;
  });

  const mb = (bytesPerValue: number, perSecond: number) => (bytesPerValue * perSecond) / 1e6;
  rows.push([
    shape.name,
    `${encoded.length} B`,
    `${fmt(mb(encoded.length, encodeRate))} MB/s, ${fmt(encodeRate, 0)} values/s`,
    `${fmt(mb(text.length, stringifyRate))} MB/s, ${fmt(stringifyRate, 0)} values/s`,
    `${fmt(encodeRate / stringifyRate, 2)}×`,
    `${fmt(mb(encoded.length, decodeRate))} MB/s, ${fmt(decodeRate, 0)} values/s`,
    `${fmt(mb(text.length, parseRate))} MB/s, ${fmt(parseRate, 0)} values/s`,
    `${fmt(decodeRate / parseRate, 2)}×`,
  ]);
}

console.log('| shape | XPC size | encodeXpc | JSON.stringify | encode ÷ stringify (values/s) | decodeXpc | JSON.parse | decode ÷ parse (values/s) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
if (sink === -1) console.log(sink);
