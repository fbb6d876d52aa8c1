import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromXpcJson,
  parseXpcJson,
  parseXpcJsonOrThrow,
  printXpcJson,
  toXpcJson,
  XpcJsonError,
} from './json';
import { INT64_MAX, INT64_MIN, UINT64_MAX, uuidFromString, xpc, xpcEquals, type XpcValue } from './value';

// ---- a local arbitrary over every XPC type, biased towards the edge cases of XPC-JSON -----------

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  // unpaired surrogates: legal in JS strings and JSON \u escapes, never produced by unit 'binary'
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 4 })).map((parts) => parts.join('')),
);
const key = fc
  .oneof(
    text,
    fc.constantFrom('$int64', '$dict', '$entries', '$', '$x', '0', '1', '42', '4294967295', '__proto__', 'constructor', 'a b'),
    fc.nat(1000).map(String),
  )
  .filter((k) => !k.includes('\0'));
const int64 = fc.oneof(
  fc.bigInt(INT64_MIN, INT64_MAX),
  fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n)),
);
const double = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, 1, -1, 0.1, 1e21, 1e300, 5e-324, Number.MAX_SAFE_INTEGER + 2),
  fc.integer().map((n) => n * 1.0),
);
const scalar: fc.Arbitrary<XpcValue> = fc.oneof(
  fc.constant(xpc.null()),
  fc.boolean().map(xpc.bool),
  int64.map(xpc.int64),
  fc.oneof(fc.bigInt(0n, UINT64_MAX), fc.constantFrom(0n, UINT64_MAX)).map(xpc.uint64),
  double.map(xpc.double),
  int64.map(xpc.date),
  fc.uint8Array({ maxLength: 40 }).map(xpc.data),
  text.map(xpc.string),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map(xpc.uuid),
  text.map(xpc.fd),
  fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)).map(xpc.shmem),
  text.map(xpc.error),
  text.map(xpc.endpoint),
);
const { value: localXpcValue } = fc.letrec<{ value: XpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map(xpc.array),
    fc.uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 4 }).map((entries) => xpc.dictionary(entries)),
    // a dictionary with a single `$` key: must be written {"$dict":…}
    fc.tuple(text.map((s) => `$${s}`).filter((k) => !k.includes('\0')), tie('value')).map((entry) => xpc.dictionary([entry])),
  ),
}));
const anyXpcValue = localXpcValue;

function expectSameValue(actual: XpcValue, expected: XpcValue): void {
  if (!xpcEquals(actual, expected)) {
    expect.fail(`values differ:\n  got      ${printXpcJson(actual, { indent: 0 })}\n  expected ${printXpcJson(expected, { indent: 0 })}`);
  }
}

function parseError(source: string): XpcJsonError {
  const result = parseXpcJson(source);
  if (result.ok) return expect.fail(`expected ${JSON.stringify(source)} to be rejected`);
  return result.error;
}

function treeError(tree: unknown, path?: string): XpcJsonError {
  try {
    fromXpcJson(tree, path);
  } catch (error) {
    expect(error).toBeInstanceOf(XpcJsonError);
    return error as XpcJsonError;
  }
  return expect.fail('expected the tree to be rejected');
}

/** Whether every dictionary's key order survives a JS object (no integer-like key out of order). */
function orderSurvivesObjects(value: XpcValue): boolean {
  if (value.type === 'array') return value.items.every(orderSurvivesObjects);
  if (value.type !== 'dictionary') return true;
  const object: Record<string, true> = {};
  for (const k of value.entries.keys()) Object.defineProperty(object, k, { value: true, enumerable: true });
  const keys = Object.keys(object);
  return [...value.entries.keys()].every((k, i) => keys[i] === k) && [...value.entries.values()].every(orderSurvivesObjects);
}

// ---- round trips ---------------------------------------------------------------------------------

describe('XPC-JSON round trips', () => {
  it('parse(print(v)) equals v and print(parse(print(v))) is byte-identical, for every indent', () => {
    fc.assert(
      fc.property(anyXpcValue, fc.constantFrom(0, 2, 4), (value, indent) => {
        const printed = printXpcJson(value, { indent });
        const parsed = parseXpcJsonOrThrow(printed);
        expectSameValue(parsed, value);
        expect(printXpcJson(parsed, { indent })).toBe(printed);
      }),
      { numRuns: 1000 },
    );
  });

  it('fromXpcJson(toXpcJson(v)) equals v, also after JSON.stringify/JSON.parse and structuredClone', () => {
    fc.assert(
      fc.property(anyXpcValue, (value) => {
        const tree = toXpcJson(value);
        expectSameValue(fromXpcJson(tree), value);
        expectSameValue(fromXpcJson(JSON.parse(JSON.stringify(tree))), value);
        expectSameValue(fromXpcJson(structuredClone(tree)), value);
      }),
      { numRuns: 1000 },
    );
  });

  it('trees are plain JSON data: JSON.stringify/parse gives back an equal tree (no bigint, Map or bytes)', () => {
    fc.assert(
      fc.property(anyXpcValue, (value) => {
        const tree = toXpcJson(value);
        expect(() => JSON.stringify(tree)).not.toThrow();
        expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
      }),
      { numRuns: 300 },
    );
  });

  it('compact text equals JSON.stringify of the tree when key order fits in objects, so JSON.parse consumers read it', () => {
    fc.assert(
      fc.property(anyXpcValue, (value) => {
        fc.pre(orderSurvivesObjects(value));
        const compact = printXpcJson(value, { indent: 0 });
        expect(compact).toBe(JSON.stringify(toXpcJson(value)));
        expectSameValue(fromXpcJson(JSON.parse(compact)), value);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the distinctions JSON numbers blur: NaN, -0, ±Infinity, integral doubles, int64 vs uint64', () => {
    const values = [
      xpc.double(NaN),
      xpc.double(-0),
      xpc.double(0),
      xpc.double(Infinity),
      xpc.double(-Infinity),
      xpc.double(1),
      xpc.double(1e21),
      xpc.double(5e-324),
      xpc.int64(1),
      xpc.int64(0),
      xpc.uint64(1),
      xpc.int64(INT64_MIN),
      xpc.int64(INT64_MAX),
      xpc.uint64(UINT64_MAX),
    ];
    for (const value of values) {
      const printed = printXpcJson(value);
      expectSameValue(parseXpcJsonOrThrow(printed), value);
      expectSameValue(fromXpcJson(JSON.parse(printed)), value);
    }
  });
});

// ---- canonical printing --------------------------------------------------------------------------

describe('printXpcJson', () => {
  it('prints every type in its canonical form', () => {
    const value = xpc.dictionary([
      ['op', xpc.string('ping')],
      ['n', xpc.int64(42)],
      ['big', xpc.int64(INT64_MAX)],
      ['u', xpc.uint64(7)],
      ['ratio', xpc.double(0.5)],
      ['one', xpc.double(1)],
      ['nan', xpc.double(NaN)],
      ['negzero', xpc.double(-0)],
      ['ok', xpc.bool(true)],
      ['nothing', xpc.null()],
      ['when', xpc.date(1_795_381_001_123_456_789n)],
      ['bytes', xpc.data(new Uint8Array([1, 2, 3]))],
      ['id', xpc.uuid(uuidFromString('0123ABCD-89ab-cdef-0123-456789ABCDEF')!)],
      ['file', xpc.fd('/tmp/a b')],
      ['region', xpc.shmem(16384)],
      ['err', xpc.error('Connection invalid')],
      ['peer', xpc.endpoint('com.example.echo')],
      ['list', xpc.array([xpc.int64(1), xpc.array([]), xpc.dictionary()])],
      ['wrapped', xpc.dictionary([['$ref', xpc.string('x')]])],
    ]);
    expect(printXpcJson(value)).toBe(
      [
        '{',
        '  "op": "ping",',
        '  "n": 42,',
        '  "big": {"$int64": "9223372036854775807"},',
        '  "u": {"$uint64": "7"},',
        '  "ratio": 0.5,',
        '  "one": {"$double": 1},',
        '  "nan": {"$double": "NaN"},',
        '  "negzero": {"$double": "-0"},',
        '  "ok": true,',
        '  "nothing": null,',
        '  "when": {"$date": "2026-11-22T20:56:41.123456789Z"},',
        '  "bytes": {"$data": "AQID"},',
        '  "id": {"$uuid": "0123abcd-89ab-cdef-0123-456789abcdef"},',
        '  "file": {"$fd": "/tmp/a b"},',
        '  "region": {"$shmem": 16384},',
        '  "err": {"$error": "Connection invalid"},',
        '  "peer": {"$endpoint": "com.example.echo"},',
        '  "list": [',
        '    1,',
        '    [],',
        '    {}',
        '  ],',
        '  "wrapped": {',
        '    "$dict": {',
        '      "$ref": "x"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('prints compact text with indent 0', () => {
    const value = xpc.dictionary([
      ['a', xpc.array([xpc.int64(1), xpc.double(2.5)])],
      ['$only', xpc.dictionary([['$k', xpc.bool(false)]])],
    ]);
    expect(printXpcJson(value, { indent: 0 })).toBe('{"a":[1,2.5],"$only":{"$dict":{"$k":false}}}');
  });

  it('escapes strings like JSON.stringify, including lone surrogates, and keeps other text as is', () => {
    const value = xpc.string('q"b\\n\n\u0001\u007f é 😀 \ud800');
    expect(printXpcJson(value)).toBe('"q\\"b\\\\n\\n\\u0001\u007f é 😀 \\ud800"');
    expectSameValue(parseXpcJsonOrThrow(printXpcJson(value)), value);
  });

  it('writes int64 outside ±(2^53-1) as a $int64 tag and inside it as a plain number', () => {
    expect(printXpcJson(xpc.int64(2n ** 53n - 1n))).toBe('9007199254740991');
    expect(printXpcJson(xpc.int64(2n ** 53n))).toBe('{"$int64": "9007199254740992"}');
    expect(printXpcJson(xpc.int64(-(2n ** 53n)))).toBe('{"$int64": "-9007199254740992"}');
  });

  it('writes dates in UTC with 9 fraction digits, before the epoch too', () => {
    expect(printXpcJson(xpc.date(0n))).toBe('{"$date": "1970-01-01T00:00:00.000000000Z"}');
    expect(printXpcJson(xpc.date(-1n))).toBe('{"$date": "1969-12-31T23:59:59.999999999Z"}');
    expect(printXpcJson(xpc.date(INT64_MIN))).toBe('{"$date": "1677-09-21T00:12:43.145224192Z"}');
    expect(printXpcJson(xpc.date(INT64_MAX))).toBe('{"$date": "2262-04-11T23:47:16.854775807Z"}');
    expect(printXpcJson(xpc.date(951_782_400_000_000_000n))).toBe('{"$date": "2000-02-29T00:00:00.000000000Z"}');
  });
});

// ---- reading plain JSON and tags -----------------------------------------------------------------

describe('parseXpcJson', () => {
  it('maps plain JSON naturally and keeps key order', () => {
    const value = parseXpcJsonOrThrow('{"z":"s","b":true,"n":null,"a":[1,2.5,-3e2],"o":{},"2":1,"1":2}');
    expectSameValue(
      value,
      xpc.dictionary([
        ['z', xpc.string('s')],
        ['b', xpc.bool(true)],
        ['n', xpc.null()],
        ['a', xpc.array([xpc.int64(1), xpc.double(2.5), xpc.double(-300)])],
        ['o', xpc.dictionary()],
        ['2', xpc.int64(1)],
        ['1', xpc.int64(2)],
      ]),
    );
  });

  it('reads integer literals exactly across the whole int64 range, never through a double', () => {
    expectSameValue(parseXpcJsonOrThrow('9223372036854775807'), xpc.int64(INT64_MAX));
    expectSameValue(parseXpcJsonOrThrow('-9223372036854775808'), xpc.int64(INT64_MIN));
    expectSameValue(parseXpcJsonOrThrow('9007199254740993'), xpc.int64(9007199254740993n));
    expectSameValue(parseXpcJsonOrThrow('-0'), xpc.int64(0));
  });

  it('reads a fraction or an exponent as a double', () => {
    expectSameValue(parseXpcJsonOrThrow('1.0'), xpc.double(1));
    expectSameValue(parseXpcJsonOrThrow('1e2'), xpc.double(100));
    expectSameValue(parseXpcJsonOrThrow('-0.0'), xpc.double(-0));
    expectSameValue(parseXpcJsonOrThrow('9223372036854775808.0'), xpc.double(9223372036854775808));
  });

  it('reads every tag', () => {
    const cases: [string, XpcValue][] = [
      ['{"$int64":"-5"}', xpc.int64(-5)],
      ['{"$uint64":"18446744073709551615"}', xpc.uint64(UINT64_MAX)],
      ['{"$double":1}', xpc.double(1)],
      ['{"$double":2.5e3}', xpc.double(2500)],
      ['{"$double":"NaN"}', xpc.double(NaN)],
      ['{"$double":"Infinity"}', xpc.double(Infinity)],
      ['{"$double":"-Infinity"}', xpc.double(-Infinity)],
      ['{"$double":"-0"}', xpc.double(-0)],
      ['{"$date":"2026-11-22T20:56:41.123456789Z"}', xpc.date(1_795_381_001_123_456_789n)],
      ['{"$data":""}', xpc.data(new Uint8Array())],
      ['{"$data":"AQID"}', xpc.data(new Uint8Array([1, 2, 3]))],
      ['{"$uuid":"0123ABCD-89AB-CDEF-0123-456789ABCDEF"}', xpc.uuid(uuidFromString('0123abcd-89ab-cdef-0123-456789abcdef')!)],
      ['{"$fd":"/etc/hosts"}', xpc.fd('/etc/hosts')],
      ['{"$shmem":4096}', xpc.shmem(4096)],
      ['{"$error":"Connection invalid"}', xpc.error('Connection invalid')],
      ['{"$endpoint":"com.example.echo"}', xpc.endpoint('com.example.echo')],
      ['{"$dict":{"$int64":"not a tag here"}}', xpc.dictionary([['$int64', xpc.string('not a tag here')]])],
      ['{"$dict":{}}', xpc.dictionary()],
      ['{"$entries":[["b",1],["0",{"$int64":"2"}]]}', xpc.dictionary([['b', xpc.int64(1)], ['0', xpc.int64(2)]])],
      ['{"$a":1,"$b":2}', xpc.dictionary([['$a', xpc.int64(1)], ['$b', xpc.int64(2)]])],
    ];
    for (const [source, expected] of cases) {
      const result = parseXpcJson(source);
      if (!result.ok) expect.fail(`${source}: ${result.error.message}`);
      expectSameValue(result.value, expected);
    }
  });

  it('accepts dates with an offset and fewer fraction digits, and prints them back in UTC with 9 digits', () => {
    const value = parseXpcJsonOrThrow('{"$date":"2026-11-22T22:56:41.5+02:00"}');
    expect(printXpcJson(value, { indent: 0 })).toBe('{"$date":"2026-11-22T20:56:41.500000000Z"}');
    const west = parseXpcJsonOrThrow('{"$date":"2026-11-22T15:26:41-05:30"}');
    expect(printXpcJson(west, { indent: 0 })).toBe('{"$date":"2026-11-22T20:56:41.000000000Z"}');
    expectSameValue(parseXpcJsonOrThrow('{"$date":"1969-12-31T23:59:59.999999999Z"}'), xpc.date(-1n));
  });

  it('skips a leading byte-order mark', () => {
    expectSameValue(parseXpcJsonOrThrow('\ufeff[true]'), xpc.array([xpc.bool(true)]));
  });

  it('never throws, whatever the input', () => {
    const mutated = fc
      .tuple(localXpcValue, fc.nat(), fc.nat(4), fc.string({ maxLength: 3 }))
      .map(([value, at, cut, insert]) => {
        const printed = printXpcJson(value);
        const i = at % (printed.length + 1);
        return printed.slice(0, i) + insert + printed.slice(i + cut);
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), mutated), (source) => {
        const result = parseXpcJson(source);
        if (!result.ok) {
          expect(result.error).toBeInstanceOf(XpcJsonError);
          expect(result.error.line).toBeGreaterThanOrEqual(1);
          expect(result.error.column).toBeGreaterThanOrEqual(1);
          expect(result.error.path.startsWith('$')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- errors: path, line and column ----------------------------------------------------------------

describe('XPC-JSON errors', () => {
  it('points a wrong tag payload at its JSON path, line and column', () => {
    const source = ['{', '  "items": [', '    {}, {}, {},', '    {"count": {"$int64": 12}}', '  ]', '}'].join('\n');
    const error = parseError(source);
    expect(error.message).toBe('$.items[3].count: expected an integer string for $int64, got number (line 4, column 26)');
    expect(error.path).toBe('$.items[3].count');
    expect([error.line, error.column]).toEqual([4, 26]);
    expect(source.slice(error.offset, error.offset + 2)).toBe('12');
    expect(error.reason).toBe('expected an integer string for $int64, got number');
  });

  it('rejects an integer literal outside int64 and points at it', () => {
    const error = parseError('{"a": [1,\n 9223372036854775808]}');
    expect(error.path).toBe('$.a[1]');
    expect([error.line, error.column]).toEqual([2, 2]);
    expect(error.reason).toMatch(/outside the int64 range/);
    expect(error.reason).toContain('{"$uint64":"9223372036854775808"}');
    expect(parseError('-9223372036854775809').reason).toMatch(/outside the int64 range/);
  });

  it('rejects a duplicate key, pointing at the second one', () => {
    const error = parseError('{"outer": {"k": 1,\n  "k": 2}}');
    expect(error.message).toBe('$.outer: duplicate key "k" (line 2, column 3)');
  });

  it('rejects an unknown $tag and says how to send such a dictionary', () => {
    const error = parseError('{"x": {"$int": "5"}}');
    expect(error.path).toBe('$.x');
    expect([error.line, error.column]).toEqual([1, 8]);
    expect(error.reason).toContain('unknown type tag "$int"');
    expect(error.reason).toContain('{"$dict":{"$int":…}}');
  });

  it('quotes keys that are not identifiers in paths', () => {
    expect(parseError('{"a b": [{"c.d": {"$uint64": "-1"}}]}').path).toBe('$["a b"][0]["c.d"]');
  });

  it('uses the $dict / $entries segments in paths inside wrappers', () => {
    expect(parseError('{"$dict": {"$k": {"$fd": 1}}}').path).toBe('$.$dict.$k');
    expect(parseError('{"$entries": [["a", 1], ["b", {"$uuid": "x"}]]}').path).toBe('$.$entries[1][1]');
    expect(parseError('{"$entries": [["a", 1], ["a", 2]]}').reason).toBe('duplicate key "a"');
    expect(parseError('{"$entries": [["a"]]}').path).toBe('$.$entries[0]');
  });

  it('explains each bad tag payload', () => {
    const cases: [string, RegExp][] = [
      ['{"$int64":"5.0"}', /\$int64 "5.0" is not a decimal integer/],
      ['{"$int64":"9223372036854775808"}', /outside the int64 range/],
      ['{"$uint64":"-1"}', /not an unsigned decimal integer/],
      ['{"$uint64":"18446744073709551616"}', /outside the uint64 range/],
      ['{"$uint64":5}', /expected an unsigned integer string for \$uint64, got number/],
      ['{"$double":"nan"}', /must be one of "NaN", "Infinity", "-Infinity", "-0"/],
      ['{"$double":"toString"}', /must be one of "NaN", "Infinity", "-Infinity", "-0"/],
      ['{"$double":"constructor"}', /must be one of "NaN", "Infinity", "-Infinity", "-0"/],
      ['{"$double":true}', /expected a number .* for \$double, got boolean/],
      ['{"$double":1e400}', /does not fit in a double/],
      ['{"$date":"2026-02-30T00:00:00Z"}', /day 30 is out of range 01–28/],
      ['{"$date":"2026-11-22 20:56:41Z"}', /not an RFC 3339 timestamp/],
      ['{"$date":"2026-11-22T20:56:41.1234567891Z"}', /at most 9/],
      ['{"$date":"2016-12-31T23:59:60Z"}', /leap second/],
      ['{"$date":"2263-01-01T00:00:00Z"}', /outside the date range/],
      ['{"$date":12}', /expected an RFC 3339 timestamp string for \$date, got number/],
      ['{"$data":"AQI"}', /\$data: base64 length must be a multiple of 4/],
      ['{"$data":"AQ-D"}', /\$data: invalid base64 character "-" at index 2/],
      ['{"$uuid":"0123"}', /is not a uuid/],
      ['{"$shmem":-1}', /non-negative integer/],
      ['{"$shmem":1.5}', /non-negative integer/],
      ['{"$shmem":"4096"}', /expected a size in bytes .* got string/],
      ['{"$fd":null}', /expected a file path string for \$fd, got null/],
      ['{"$error":[]}', /got array/],
      ['{"$endpoint":{}}', /got object/],
      ['{"$dict":[]}', /expected an object for \$dict, got array/],
      ['{"$entries":{}}', /expected an array of \[key, value\] pairs/],
      ['1e400', /does not fit in a double/],
      ['{"a\\u0000b": 1}', /contains NUL/],
    ];
    for (const [source, reason] of cases) expect(parseError(source).reason, source).toMatch(reason);
  });

  it('reports syntax errors with path, line and column', () => {
    const cases: [string, string][] = [
      ['', '$: expected a JSON value, got end of input (line 1, column 1)'],
      ['{"a": [1, 2,]}', "$.a: trailing comma before ']' (line 1, column 13)"],
      ['{"a": 1,}', "$: trailing comma before '}' (line 1, column 9)"],
      ['{"a" 1}', `$: expected ':' after key "a", got '1' (line 1, column 6)`],
      ['{"a": "b}', '$.a: unterminated string (line 1, column 7)'],
      ['[01]', '$[0]: malformed number "01" (line 1, column 2)'],
      ['[1.]', '$[0]: malformed number "1." (line 1, column 2)'],
      ['{"n": NaN}', "$.n: expected a JSON value, got 'NaN' (line 1, column 7)"],
      ['{"t": tru}', "$.t: expected a JSON value, got 'tru' (line 1, column 7)"],
      ['{"a": 1}\n[2]', "$: unexpected '[' after the end of the JSON value (line 2, column 1)"],
      ['{"a": 1 "b": 2}', `$: expected ',' or '}' after an object member, got '"' (line 1, column 9)`],
      ['[\n\t"x\ty"]', '$[0]: raw control character U+0009 in a string; write it as \\u0009 (line 2, column 4)'],
      ['["\\x"]', '$[0]: invalid escape "\\\\x" in a string (line 1, column 3)'],
      ['["\\u12g4"]', '$[0]: \\u must be followed by 4 hex digits (line 1, column 3)'],
      ['{1: 2}', "$: expected a string key, got '1' (line 1, column 2)"],
      ['\r\n\r\n  x', "$: expected a JSON value, got 'x' (line 3, column 3)"],
    ];
    for (const [source, message] of cases) expect(parseError(source).message, JSON.stringify(source)).toBe(message);
  });

  it('refuses nesting deeper than the limit instead of overflowing the stack', () => {
    const error = parseError('['.repeat(5000) + ']'.repeat(5000));
    expect(error.reason).toMatch(/nesting deeper than 1024 levels/);
    expect(parseXpcJson('['.repeat(1000) + ']'.repeat(1000)).ok).toBe(true);
  });

  it('refuses absurdly long number literals', () => {
    expect(parseError('1'.repeat(5000)).reason).toMatch(/number literal longer than 1000 characters/);
  });

  it('parseXpcJsonOrThrow throws the same XpcJsonError', () => {
    expect(() => parseXpcJsonOrThrow('{"a": {"$x": 1}}')).toThrow(XpcJsonError);
    expect(() => parseXpcJsonOrThrow('{"a": {"$x": 1}}')).toThrow(/^\$\.a: unknown type tag/);
  });
});

// ---- trees ---------------------------------------------------------------------------------------

describe('toXpcJson / fromXpcJson', () => {
  it('builds the canonical tree', () => {
    const tree = toXpcJson(
      xpc.dictionary([
        ['n', xpc.int64(5)],
        ['big', xpc.int64(-(2n ** 60n))],
        ['d', xpc.double(1)],
        ['f', xpc.double(0.25)],
        ['z', xpc.double(-0)],
        ['u', xpc.uint64(3)],
        ['b', xpc.data(new Uint8Array([255]))],
        ['w', xpc.dictionary([['$k', xpc.null()]])],
      ]),
    );
    expect(tree).toEqual({
      n: 5,
      big: { $int64: '-1152921504606846976' },
      d: { $double: 1 },
      f: 0.25,
      z: { $double: '-0' },
      u: { $uint64: '3' },
      b: { $data: '/w==' },
      w: { $dict: { $k: null } },
    });
  });

  it('writes a dictionary as $entries when a JS object would reorder its integer-like keys', () => {
    const value = xpc.dictionary([['b', xpc.int64(1)], ['0', xpc.int64(2)]]);
    expect(toXpcJson(value)).toEqual({ $entries: [['b', 1], ['0', 2]] });
    expectSameValue(fromXpcJson(JSON.parse(JSON.stringify(toXpcJson(value)))), value);
    // ascending integer keys first keep their order in an object, so they stay plain
    expect(toXpcJson(xpc.dictionary([['0', xpc.null()], ['1', xpc.null()], ['x', xpc.null()]]))).toEqual({ 0: null, 1: null, x: null });
  });

  it('keeps a "__proto__" key as an own property', () => {
    const value = xpc.dictionary([['__proto__', xpc.int64(1)], ['a', xpc.int64(2)]]);
    const tree = toXpcJson(value) as Record<string, unknown>;
    expect(Object.keys(tree)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(tree)).toBe(Object.prototype);
    expect(JSON.stringify(tree)).toBe('{"__proto__":1,"a":2}');
    expectSameValue(fromXpcJson(JSON.parse(JSON.stringify(tree))), value);
  });

  it('rejects plain integers that JSON.parse may have rounded', () => {
    const error = treeError(JSON.parse('{"id": 9007199254740993}'));
    expect(error.message).toMatch(/^\$\.id: integer 9007199254740992 is outside ±\(2\^53-1\)/);
    expect(error.reason).toContain('{"$int64":"…"}');
    expect([error.line, error.column, error.offset]).toEqual([0, 0, -1]);
    expectSameValue(fromXpcJson(Number.MAX_SAFE_INTEGER), xpc.int64(Number.MAX_SAFE_INTEGER));
  });

  it('reads a plain integral number as int64 and a fractional one as double', () => {
    expectSameValue(fromXpcJson(JSON.parse('1.0')), xpc.int64(1));
    expectSameValue(fromXpcJson(1.5), xpc.double(1.5));
  });

  it('rejects values that are not JSON data, naming the path', () => {
    expect(treeError({ a: [1, 2n] }).message).toBe('$.a[1]: expected a JSON value, got bigint');
    expect(treeError({ a: undefined }).message).toBe('$.a: expected a JSON value, got undefined');
    expect(treeError({ m: new Map() }).message).toBe('$.m: expected a JSON value, got a Map');
    expect(treeError({ d: new Uint8Array(1) }).message).toBe('$.d: expected a JSON value, got a Uint8Array');
    expect(treeError([NaN]).message).toBe('$[0]: expected a JSON value, got the number NaN (write {"$double":"NaN"})');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(treeError(cyclic).reason).toMatch(/nesting deeper than 1024 levels \(or a cycle\)/);
  });

  it('prefixes errors with the caller-supplied path', () => {
    expect(treeError({ count: { $int64: 5 } }, '$.payload').message).toBe(
      '$.payload.count: expected an integer string for $int64, got number',
    );
  });

  it('applies the same tag rules as the text parser', () => {
    expect(treeError({ $nope: 1 }).reason).toContain('unknown type tag "$nope"');
    expectSameValue(fromXpcJson({ $dict: { $nope: 1 } }), xpc.dictionary([['$nope', xpc.int64(1)]]));
    expectSameValue(fromXpcJson({ $date: '2026-11-22T20:56:41Z' }), xpc.date(1_795_381_001_000_000_000n));
  });
});
