import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeXpc } from './describe';
import { INT64_MAX, INT64_MIN, UINT64_MAX, uuidFromString, xpc, type XpcValue } from './value';

describe('describeXpc', () => {
  it('prints a dictionary the way lldb po shows it', () => {
    const value = xpc.dictionary([
      ['op', xpc.string('ping')],
      ['n', xpc.int64(42)],
    ]);
    expect(describeXpc(value)).toBe(
      '<dictionary: 0x0> { count = 2, transaction: 0, voucher = 0x0, contents =\n' +
        '\t"op" => <string: 0x0> { length = 4, contents = "ping" }\n' +
        '\t"n" => <int64: 0x0>: 42\n' +
        '}',
    );
  });

  it('nests dictionaries and arrays with one more indent per level and closes each at its own level', () => {
    const value = xpc.dictionary([
      ['items', xpc.array([xpc.bool(true), xpc.dictionary([['k', xpc.uint64(7)]]), xpc.array([])])],
      ['empty', xpc.dictionary()],
    ]);
    expect(describeXpc(value)).toBe(
      [
        '<dictionary: 0x0> { count = 2, transaction: 0, voucher = 0x0, contents =',
        '\t"items" => <array: 0x0> { count = 3, capacity = 4, contents =',
        '\t\t0: <bool: 0x0>: true',
        '\t\t1: <dictionary: 0x0> { count = 1, transaction: 0, voucher = 0x0, contents =',
        '\t\t\t"k" => <uint64: 0x0>: 7',
        '\t\t}',
        '\t\t2: <array: 0x0> { count = 0, capacity = 0, contents =',
        '\t\t}',
        '\t}',
        '\t"empty" => <dictionary: 0x0> { count = 0, transaction: 0, voucher = 0x0, contents =',
        '\t}',
        '}',
      ].join('\n'),
    );
  });

  it('prints each scalar type in its libxpc shape', () => {
    const cases: [XpcValue, string][] = [
      [xpc.null(), '<null: 0x0>: null'],
      [xpc.bool(true), '<bool: 0x0>: true'],
      [xpc.bool(false), '<bool: 0x0>: false'],
      [xpc.int64(-5), '<int64: 0x0>: -5'],
      [xpc.int64(INT64_MIN), '<int64: 0x0>: -9223372036854775808'],
      [xpc.int64(INT64_MAX), '<int64: 0x0>: 9223372036854775807'],
      [xpc.uint64(UINT64_MAX), '<uint64: 0x0>: 18446744073709551615'],
      [xpc.double(1.5), '<double: 0x0>: 1.500000'],
      [xpc.date(1_795_381_001_123_456_789n), '<date: 0x0> Sun Nov 22 20:56:41 2026 UTC (approx)'],
      [xpc.date(-1n), '<date: 0x0> Wed Dec 31 23:59:59 1969 UTC (approx)'],
      [xpc.date(951_782_400_000_000_000n), '<date: 0x0> Tue Feb 29 00:00:00 2000 UTC (approx)'],
      [xpc.data(new Uint8Array([1, 2, 3])), '<data: 0x0>: { length = 3 bytes, contents = 0x010203 }'],
      [xpc.data(new Uint8Array()), '<data: 0x0>: { length = 0 bytes, contents = (nil) }'],
      [xpc.string('ping'), '<string: 0x0> { length = 4, contents = "ping" }'],
      [xpc.string(''), '<string: 0x0> { length = 0, contents = "" }'],
      [xpc.uuid(uuidFromString('3d3e272b-6e33-4625-b40a-86c28c41459e')!), '<uuid: 0x0> 3D3E272B-6E33-4625-B40A-86C28C41459E'],
      [xpc.fd('/private/tmp/probe.txt'), '<fd: 0x0> { type = file, path = /private/tmp/probe.txt }'],
      [xpc.shmem(16384), '<shmem: 0x0>: 16384 bytes (1 page)'],
      [xpc.shmem(20971520), '<shmem: 0x0>: 20971520 bytes (1280 pages)'],
      [xpc.shmem(16385), '<shmem: 0x0>: 16385 bytes (2 pages)'],
      [xpc.shmem(0), '<shmem: 0x0>: 0 bytes (0 pages)'],
      [xpc.endpoint('com.example.echo'), '<endpoint: 0x0> { name = "com.example.echo" }'],
    ];
    for (const [value, text] of cases) expect(describeXpc(value)).toBe(text);
  });

  it('prints an error object as the dictionary libxpc shows, with its XPCErrorDescription', () => {
    expect(describeXpc(xpc.error('Connection invalid'))).toBe(
      '<error: 0x0> { count = 1, transaction: 0, voucher = 0x0, contents =\n' +
        '\t"XPCErrorDescription" => <string: 0x0> { length = 18, contents = "Connection invalid" }\n' +
        '}',
    );
    expect(describeXpc(xpc.array([xpc.error('Connection interrupted')]))).toBe(
      '<array: 0x0> { count = 1, capacity = 1, contents =\n' +
        '\t0: <error: 0x0> { count = 1, transaction: 0, voucher = 0x0, contents =\n' +
        '\t\t"XPCErrorDescription" => <string: 0x0> { length = 22, contents = "Connection interrupted" }\n' +
        '\t}\n' +
        '}',
    );
  });

  it('prints doubles like %f when that is exact, else in shortest round-trip form', () => {
    const cases: [number, string][] = [
      [0, '0.000000'],
      [-0, '-0.000000'],
      [1, '1.000000'],
      [-2.25, '-2.250000'],
      [0.1, '0.100000'],
      [1e20, '100000000000000000000.000000'],
      [1 / 3, '0.3333333333333333'],
      [1e-7, '1e-7'],
      [1e300, '1e+300'],
      [5e-324, '5e-324'],
      [NaN, 'nan'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ];
    for (const [v, text] of cases) expect(describeXpc(xpc.double(v)), String(v)).toBe(`<double: 0x0>: ${text}`);
  });

  it('doubles always print a text that reads back to the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        const text = describeXpc(xpc.double(v)).slice('<double: 0x0>: '.length);
        const back = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
        expect(Object.is(back, v)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('counts string length in UTF-8 bytes and escapes quotes, backslashes and controls', () => {
    expect(describeXpc(xpc.string('é😀'))).toBe('<string: 0x0> { length = 6, contents = "é😀" }');
    expect(describeXpc(xpc.string('say "hi"\\\n\ttab\r\u0001\u007f'))).toBe(
      '<string: 0x0> { length = 17, contents = "say \\"hi\\"\\\\\\n\\ttab\\r\\u0001\\u007F" }',
    );
    expect(describeXpc(xpc.string('a\ud800b'))).toBe('<string: 0x0> { length = 5, contents = "a\\uD800b" }');
  });

  it('string length always equals the UTF-8 byte count (unpaired surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 8 }), (a, b) => {
        for (const s of [a, b, a + '\ud800' + b]) {
          const length = Number(/length = (\d+)/.exec(describeXpc(xpc.string(s)))![1]);
          expect(length).toBe(new TextEncoder().encode(s).length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('escapes dictionary keys and fd paths the same way', () => {
    const value = xpc.dictionary([['k"\n', xpc.fd('/tmp/x\ny')]]);
    expect(describeXpc(value)).toBe(
      '<dictionary: 0x0> { count = 1, transaction: 0, voucher = 0x0, contents =\n' +
        '\t"k\\"\\n" => <fd: 0x0> { type = file, path = /tmp/x\\ny }\n' +
        '}',
    );
  });

  it('shows the first 24 data bytes, then a "..." marker', () => {
    const bytes = Uint8Array.from({ length: 30 }, (_, i) => i);
    expect(describeXpc(xpc.data(bytes))).toBe(
      '<data: 0x0>: { length = 30 bytes, contents = 0x000102030405060708090a0b0c0d0e0f1011121314151617... }',
    );
    expect(describeXpc(xpc.data(bytes.slice(0, 24)))).toBe(
      '<data: 0x0>: { length = 24 bytes, contents = 0x000102030405060708090a0b0c0d0e0f1011121314151617 }',
    );
    expect(describeXpc(xpc.data(bytes), { maxDataBytes: 2 })).toBe('<data: 0x0>: { length = 30 bytes, contents = 0x0001... }');
  });

  it('rounds array capacity up to a power of two', () => {
    const capacityOf = (n: number) => /capacity = (\d+)/.exec(describeXpc(xpc.array(Array.from({ length: n }, () => xpc.null()))))![1];
    expect([0, 1, 2, 3, 5, 42, 64, 65].map(capacityOf)).toEqual(['0', '1', '2', '4', '8', '64', '64', '128']);
  });

  it('prints supplied addresses by value identity and 0x0 for the rest', () => {
    const inner = xpc.string('x');
    const outer = xpc.dictionary([['s', inner], ['t', xpc.string('y')]]);
    const addresses = new Map<XpcValue, bigint>([
      [outer, 0x600003e0c0c0n],
      [inner, 0xbdf019ef0n],
    ]);
    expect(describeXpc(outer, { addresses })).toBe(
      '<dictionary: 0x600003e0c0c0> { count = 2, transaction: 0, voucher = 0x0, contents =\n' +
        '\t"s" => <string: 0xbdf019ef0> { length = 1, contents = "x" }\n' +
        '\t"t" => <string: 0x0> { length = 1, contents = "y" }\n' +
        '}',
    );
  });

  it('uses the indent option for every level', () => {
    const value = xpc.array([xpc.array([xpc.int64(1)])]);
    expect(describeXpc(value, { indent: '  ' })).toBe(
      '<array: 0x0> { count = 1, capacity = 1, contents =\n' +
        '  0: <array: 0x0> { count = 1, capacity = 1, contents =\n' +
        '    0: <int64: 0x0>: 1\n' +
        '  }\n' +
        '}',
    );
  });

  it('is deterministic: the same value always gives the same text', () => {
    const make = () =>
      xpc.dictionary([
        ['when', xpc.date(123_456_789_000n)],
        ['id', xpc.uuid(new Uint8Array(16).fill(0xab))],
      ]);
    expect(describeXpc(make())).toBe(describeXpc(make()));
  });
});
