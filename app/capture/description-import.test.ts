import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeXpc } from '../xpc/describe';
import { printXpcJson } from '../xpc/json';
import { INT64_MIN, uuidFromString, xpc, xpcEquals, type XpcValue } from '../xpc/value';
import { importDescriptions, parseDescription, DescriptionSyntaxError } from './description-import';
import { xpcValueArbitrary } from './fixtures/event-arbitrary';

function expectSame(actual: XpcValue | undefined, expected: XpcValue): void {
  if (!actual || !xpcEquals(actual, expected)) {
    expect.fail(`values differ:\n  got      ${actual ? printXpcJson(actual, { indent: 0 }) : 'nothing'}\n  expected ${printXpcJson(expected, { indent: 0 })}`);
  }
}

/** What a description keeps of a value: dates to the second (libxpc prints no fraction). */
function describable(value: XpcValue): XpcValue {
  switch (value.type) {
    case 'date': {
      const ns = value.value;
      const floor = ns >= 0n ? ns - (ns % 1_000_000_000n) : ns - (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
      // The earliest second of the range is read back as the earliest date.
      return xpc.date(floor < INT64_MIN ? INT64_MIN : floor);
    }
    case 'array':
      return xpc.array(value.items.map(describable));
    case 'dictionary':
      return xpc.dictionary(Array.from(value.entries, ([k, v]) => [k, describable(v)] as const));
    default:
      return value;
  }
}

function only(text: string): { value: XpcValue; warnings: string[] } {
  const result = importDescriptions(text);
  expect(result.errors).toEqual([]);
  expect(result.messages).toHaveLength(1);
  return { value: result.messages[0]!.value, warnings: result.messages[0]!.warnings.map((w) => `line ${w.line}: ${w.message}`) };
}

describe('description import: round trip with describeXpc', () => {
  it('reads back every value describeXpc prints, for any value (property)', () => {
    fc.assert(
      fc.property(xpcValueArbitrary, fc.constantFrom('\t', '    ', '  '), (value, indent) => {
        const text = describeXpc(value, { indent, maxDataBytes: 1 << 16 });
        const result = importDescriptions(text);
        if (result.errors.length) throw new Error(`${JSON.stringify(result.errors)}\n${text}`);
        expect(result.messages).toHaveLength(1);
        expectSame(result.messages[0]!.value, describable(value));
        expect(result.messages[0]!.warnings).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('reads several described messages separated by log text and blank lines, each with its own line number', () => {
    const values = [
      xpc.dictionary([['op', xpc.string('ping')]]),
      xpc.error('Connection interrupted'),
      xpc.dictionary([['items', xpc.array([xpc.int64(1), xpc.dictionary([['deep', xpc.bool(true)]])])]]),
    ];
    const text = [
      `2026-11-22 10:00:00.123 MyApp[123:4567] sending: ${describeXpc(values[0]!)}`,
      '2026-11-22 10:00:00.130 MyApp[123:4567] some unrelated log line',
      `2026-11-22 10:00:00.131 MyApp[123:4568] event: ${describeXpc(values[1]!)}`,
      '',
      describeXpc(values[2]!),
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors).toEqual([]);
    expect(result.messages.map((m) => m.line)).toEqual([1, 5, 9]);
    result.messages.forEach((m, i) => expectSame(m.value, values[i]!));
  });
});

describe('description import: real lldb and log output', () => {
  it('reads an lldb po of a launchd-style request with tagged-pointer addresses and tab indentation', () => {
    const text = [
      '(lldb) po $x1',
      '<OS_xpc_dictionary: <dictionary: 0x600003b1c000> { count = 7, transaction: 1, voucher = 0x600000c5e0a0, contents =',
      '\t"subsystem" => <uint64: 0x823dd3881d7aa785>: 3',
      '\t"handle" => <uint64: 0x823dd3881d7a9785>: 0',
      '\t"routine" => <uint64: 0x823dd3881d495785>: 815',
      '\t"name" => <string: 0x600000c10b40> { length = 19, contents = "com.apple.Spotlight" }',
      '\t"legacy" => <bool: 0x1ff1a2b50>: true',
      '\t"targetpid" => <int64: 0xa0ed3e5b2e1e3dcf>: -1',
      '\t"instance" => <uuid: 0x600002f0c000> 3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      '}>',
    ].join('\n');
    const { value, warnings } = only(text);
    expect(warnings).toEqual([]);
    expectSame(
      value,
      xpc.dictionary([
        ['subsystem', xpc.uint64(3)],
        ['handle', xpc.uint64(0)],
        ['routine', xpc.uint64(815)],
        ['name', xpc.string('com.apple.Spotlight')],
        ['legacy', xpc.bool(true)],
        ['targetpid', xpc.int64(-1)],
        ['instance', xpc.uuid(uuidFromString('3f2504e0-4f89-11d3-9a0c-0305e82c3301')!)],
      ]),
    );
  });

  it('reads a multi-level dictionary indented with 8 spaces, with arrays, dates in PST and a raw string holding quotes', () => {
    const text = [
      '$ ./client',
      'create: <dictionary: 0x7ff359e07740> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '        "attributes" => <dictionary: 0x7ff359e06b60> { count = 5, transaction: 0, voucher = 0x0, contents =',
      '                "kHEIMObjectType" => <string: 0x7ff359e06a00> { length = 19, contents = "kHEIMObjectKerberos" }',
      '                "kHEIMAttrBundleIdentifierACL" => <array: 0x7ff359e06a70> { count = 2, capacity = 2, contents =',
      '                        0: <string: 0x7ff359e06aa0> { length = 1, contents = "*" }',
      '                        1: <double: 0x7ff359e06ab0>: 0.250000',
      '                }',
      '                "kHEIMAttrUUID" => <uuid: 0x7ff359e06b20> AB000000-0000-0000-0000-000000000000',
      '                "kHEIMAttrStoreTime" => <date: 0x7ff359e06c60> Sat Dec 09 15:09:56 2017 PST (approx)',
      '                "decl" => <string: 0x7ff359e06ce0> { length = 46, contents = "<Type usr="c:objc(cs)NSObject">NSObject</Type>" }',
      '        }',
      '        "empty" => <data: 0x100333650>: { length = 0 bytes, contents = (nil) }',
      '}',
    ].join('\n');
    const { value, warnings } = only(text);
    expect(warnings).toEqual([]);
    expectSame(
      value,
      xpc.dictionary([
        [
          'attributes',
          xpc.dictionary([
            ['kHEIMObjectType', xpc.string('kHEIMObjectKerberos')],
            ['kHEIMAttrBundleIdentifierACL', xpc.array([xpc.string('*'), xpc.double(0.25)])],
            ['kHEIMAttrUUID', xpc.uuid(uuidFromString('ab000000-0000-0000-0000-000000000000')!)],
            // 15:09:56 PST = 23:09:56 UTC
            ['kHEIMAttrStoreTime', xpc.date(BigInt(Date.UTC(2017, 11, 9, 23, 9, 56)) * 1_000_000n)],
            ['decl', xpc.string('<Type usr="c:objc(cs)NSObject">NSObject</Type>')],
          ]),
        ],
        ['empty', xpc.data(new Uint8Array())],
      ]),
    );
  });

  it("unescapes lldb's C-string form of xpc_copy_description and leaves out the mach send right with a warning", () => {
    const text =
      '(lldb) p (char *) xpc_copy_description($rsi)\n' +
      '(char *) $0 = 0x0000000101101fa0 "<dictionary: 0x10100c430> { count = 4, transaction: 0, voucher = 0x0, contents =\\n' +
      '\\t\\"subsystem\\" => <uint64: 0x10100c7a0>: 5\\n' +
      '\\t\\"name\\" => <string: 0x10100c620> { length = 42, contents = \\"com.apple.system.opendirectoryd.membership\\" }\\n' +
      '\\t\\"flags\\" => <uint64: 0x10100c750>: 8\\n' +
      '\\t\\"domain-port\\" => <mach send right: 0x10100c590> { name = 1799, right = send, urefs = 5 }\\n}"';
    const { value, warnings } = only(text);
    expectSame(
      value,
      xpc.dictionary([
        ['subsystem', xpc.uint64(5)],
        ['name', xpc.string('com.apple.system.opendirectoryd.membership')],
        ['flags', xpc.uint64(8)],
      ]),
    );
    expect(warnings).toEqual(['line 2: a <mach send right> object cannot be held by an XPC Inspector value; left out']);
    const strict = importDescriptions(text, { unsupported: 'error' });
    expect(strict.messages).toEqual([]);
    expect(strict.errors).toEqual([{ line: 2, message: 'a <mach send right> object cannot be held by an XPC Inspector value' }]);
  });

  it('reads an error event folded onto one syslog line, and the older header without transaction and voucher', () => {
    const text = [
      'iPhone mobileassetd[83] <Notice>: 0x1a49aebc0 Client connection: XPC_TYPE_ERROR Connection invalid <error: 0x1a49aebc0> { count = 1, transaction: 0, voucher = 0x0, contents = "XPCErrorDescription" => <string: 0x1a49aee18> { length = 18, contents = "Connection invalid" } }',
      'iPhone mobileassetd[83] <Notice>: Client connection invalid (Connection invalid); terminating connection',
      '// <OS_xpc_dictionary: <dictionary: 0x10031a680> { count = 3, contents =',
      '//   "Bool" => <bool: 0x7fff73904a58>: false',
      '//   "FileHandle" => <fd: 0x10031dff0> { type = (invalid descriptor), path = /dev/ttys003 }',
      '//   "Data" => <data: 0x10031dad0>: { length = 0 bytes, contents = (nil)',
      '// }>',
    ].join('\n');
    // The "// " comment prefixes of the second block are text between tokens, as log prefixes are.
    const result = importDescriptions(text.replace(/^\/\/ ?/gm, ''));
    expect(result.errors).toEqual([]);
    expect(result.messages.map((m) => m.line)).toEqual([1, 3]);
    expectSame(result.messages[0]!.value, xpc.error('Connection invalid'));
    expectSame(
      result.messages[1]!.value,
      xpc.dictionary([
        ['Bool', xpc.bool(false)],
        ['FileHandle', xpc.fd('/dev/ttys003')],
        ['Data', xpc.data(new Uint8Array())],
      ]),
    );
  });

  it('keeps the shown bytes of data libxpc cut short, and says so', () => {
    const text = [
      '<dictionary: 0x6000026001e0> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"SANDBOX_PROFILE_DATA" => <data: 0x600001704100>: { length = 19027 bytes, contents = 0x0000f000ba0100000000070000001e00350167034d03c203... }',
      '\t"VERSION" => <int64: 0xaa3e660cef06712f>: 1',
      '}',
    ].join('\n');
    const { value, warnings } = only(text);
    const data = value.type === 'dictionary' ? value.entries.get('SANDBOX_PROFILE_DATA') : undefined;
    expect(data?.type === 'data' && data.value.length).toBe(24);
    expect(warnings).toEqual(['line 2: data of 19027 bytes shows only its first 24; imported those 24 bytes']);
  });

  it('reads libxpc raw strings with newlines and quotes inside by their byte length, multi-byte text included', () => {
    const text = [
      '<dictionary: 0x100205dd0> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '  "message" => <string: 0x100205c80> { length = 26, contents = "line one',
      'he said "hi" — ok" }',
      '  "path" => <string: 0x100205c90> { length = 9, contents = "C:\\tmp\\" }',
      '}',
    ].join('\n');
    const { value } = only(text);
    expectSame(
      value,
      xpc.dictionary([
        ['message', xpc.string('line one\nhe said "hi" — ok')],
        ['path', xpc.string('C:\\tmp\\')],
      ]),
    );
  });

  it('imports a string shown shorter than its length (redacted in a log) as shown, with a warning', () => {
    const text = '<string: 0x155efd350> { length = 119, contents = "Weather.app/PlugIns/WeatherWidget.appex" }';
    const { value, warnings } = only(text);
    expectSame(value, xpc.string('Weather.app/PlugIns/WeatherWidget.appex'));
    expect(warnings).toEqual(['line 1: string says length = 119 but shows 39 bytes (cut short or redacted in the log?); imported as shown']);
  });

  it('warns when a dictionary lists fewer entries than its count', () => {
    const text = '<dictionary: 0x1> { count = 3, transaction: 0, voucher = 0x0, contents =\n\t"a" => <null: 0x2>: null\n}';
    expect(only(text).warnings).toEqual(['line 1: dictionary says count = 3 but lists 1 entry']);
  });

  it('reads shmem, endpoint, negative and special doubles, and numeric or unknown time zones', () => {
    const text = [
      '<array: 0x600003b1c000> { count = 6, capacity = 8, contents =',
      '\t0: <shmem: 0x102b83450>: 16384 bytes (1 page)',
      '\t1: <endpoint: 0x102b83460> { name = "com.example.helper" }',
      '\t2: <double: 0x102b83470>: -nan',
      '\t3: <double: 0x102b83480>: -1.5e-07',
      '\t4: <date: 0x102b83770> Tue Nov 14 14:13:20 2023 GMT+1 (approx)',
      '\t5: <date: 0x102b83780> Tue Nov 14 14:13:20 2023 XYZT (approx)',
      '}',
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors).toEqual([]);
    const [message] = result.messages;
    expectSame(
      message!.value,
      xpc.array([
        xpc.shmem(16384),
        xpc.endpoint('com.example.helper'),
        xpc.double(NaN),
        xpc.double(-1.5e-7),
        xpc.date(BigInt(Date.UTC(2023, 10, 14, 13, 13, 20)) * 1_000_000n),
        xpc.date(BigInt(Date.UTC(2023, 10, 14, 14, 13, 20)) * 1_000_000n),
      ]),
    );
    expect(message!.warnings).toEqual([{ line: 1, message: 'unknown time zone "XYZT" in a date; read as UTC' }].map((w) => ({ ...w, line: 7 })));
  });
});

describe('description import: errors', () => {
  it('reports a malformed entry with its line number and goes on with the next message', () => {
    const text = [
      'first:',
      '<dictionary: 0x1> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"ok" => <int64: 0x2>: 1',
      '\t"bad" <int64: 0x3>: 2',
      '\t"later" => <int64: 0x4>: 3',
      '}',
      '',
      'second: <int64: 0x5>: 9',
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors).toEqual([{ line: 4, message: 'expected "=>" after key "bad", found "<int64: 0x3>: 2"' }]);
    expect(result.messages.map((m) => [m.line, printXpcJson(m.value, { indent: 0 })])).toEqual([[8, '9']]);
  });

  it('reports an int64 outside its range and a truncated dictionary at the line where they are', () => {
    const big = importDescriptions('x\n<int64: 0x1>: 9223372036854775808');
    expect(big.errors).toEqual([{ line: 2, message: 'int64 9223372036854775808 is outside the int64 range -9223372036854775808 … 9223372036854775807' }]);
    const cut = importDescriptions('<dictionary: 0x1> { count = 1, transaction: 0, voucher = 0x0, contents =\n\t"a" => <bool: 0x2>: true\n');
    expect(cut.errors).toEqual([{ line: 3, message: 'expected a quoted key or } in the dictionary that starts at line 1, found the end of the text' }]);
  });

  it('adds the lldb setting to use when lldb cut the printed string short', () => {
    const text = '(char *) $1 = 0x0000000101101fa0 "<dictionary: 0x10100c430> { count = 1, transaction: 0, voucher = 0x0, contents =\\n\\t\\"name\\" => <string: 0x1> { length = 3, contents = \\"ab"...';
    const result = importDescriptions(text);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toContain('settings set target.max-string-summary-length');
  });

  it('parseDescription takes exactly one description and throws with the line otherwise', () => {
    expectSame(parseDescription('reply: <bool: 0x1>: true'), xpc.bool(true));
    expect(() => parseDescription('no xpc here')).toThrow(DescriptionSyntaxError);
    expect(() => parseDescription('<bool: 0x1>: true\n<bool: 0x1>: false')).toThrow('line 2: expected one description, found 2');
  });
});
