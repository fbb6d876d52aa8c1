import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

  it('reports an int64 outside its range at its line, and closes a dictionary cut before its } with a warning', () => {
    const big = importDescriptions('x\n<int64: 0x1>: 9223372036854775808');
    expect(big.errors).toEqual([{ line: 2, message: 'int64 9223372036854775808 is outside the int64 range -9223372036854775808 … 9223372036854775807' }]);
    const cut = only('<dictionary: 0x1> { count = 1, transaction: 0, voucher = 0x0, contents =\n\t"a" => <bool: 0x2>: true\n');
    expectSame(cut.value, xpc.dictionary([['a', xpc.bool(true)]]));
    expect(cut.warnings).toEqual(['line 1: the dictionary that starts at line 1 has no closing }; closed after line 2']);
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

/** The public samples kept beside the repository (../shared/interop/xpc-samples, see SOURCES.md there). */
function interopSample(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../shared/interop/xpc-samples/${name}`, import.meta.url)), 'utf8');
}

function keysOf(value: XpcValue): string[] {
  return value.type === 'dictionary' ? [...value.entries.keys()] : [];
}

describe('description import: pasted texts (interop samples)', () => {
  it('T9: imports entries pasted without their dictionary head as one dictionary, with a warning', () => {
    const { value, warnings } = only(interopSample('launchk-launchd-reply-fragment.desc.txt'));
    expect(keysOf(value)).toEqual([
      'EnableTransactions',
      'Sockets',
      'LimitLoadToSessionType',
      'Label',
      'OnDemand',
      'LastExitStatus',
      'PID',
      'Program',
      'ProgramArguments',
    ]);
    const entries = value.type === 'dictionary' ? value.entries : new Map<string, XpcValue>();
    expectSame(entries.get('EnableTransactions'), xpc.bool(true));
    expectSame(entries.get('Sockets'), xpc.dictionary([['Listeners', xpc.array([xpc.fd('')])]]));
    expectSame(entries.get('Label'), xpc.string('com.apple.usbmuxd'));
    expectSame(entries.get('PID'), xpc.int64(165));
    expectSame(entries.get('LastExitStatus'), xpc.int64(0));
    const program = '/System/Library/PrivateFrameworks/MobileDevice.framework/Versions/A/Resources/usbmuxd';
    expectSame(entries.get('ProgramArguments'), xpc.array([xpc.string(program), xpc.string('-launchd')]));
    expect(warnings).toEqual([
      'line 1: dictionary entries without their "<dictionary: 0x…> { … contents =" head (a pasted fragment?); imported as one dictionary',
      'line 4: fd shows "(invalid path)"; imported as an fd with an empty path',
    ]);
  });

  it("T10: imports lldb's printf of a dictionary that lost its final } as the 5-entry dictionary, with a warning", () => {
    const result = importDescriptions(interopSample('launchk-printf-dumpstate.desc.txt'));
    expect(result.errors).toEqual([]);
    expect(result.messages).toHaveLength(1);
    const [message] = result.messages;
    expect(message!.line).toBe(2);
    expect(keysOf(message!.value)).toEqual(['subsystem', 'handle', 'shmem', 'routine', 'type']);
    expectSame(
      message!.value,
      xpc.dictionary([
        ['subsystem', xpc.uint64(3)],
        ['handle', xpc.uint64(0)],
        ['shmem', xpc.shmem(20971520)],
        ['routine', xpc.uint64(834)],
        ['type', xpc.uint64(1)],
      ]),
    );
    expect(message!.warnings).toEqual([{ line: 2, message: 'the dictionary that starts at line 2 has no closing }; closed after line 7' }]);
  });
});

describe('description import: cut and pasted texts', () => {
  const complete = [
    '<dictionary: 0x3> { count = 1, transaction: 0, voucher = 0x0, contents =',
    '\t"ok" => <string: 0x4> { length = 2, contents = "ok" }',
    '}',
  ];

  it('ends a description cut in the middle of a string at its own record: the next description still imports', () => {
    const text = [
      '<dictionary: 0x1> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"first" => <int64: 0x5>: 1',
      '\t"name" => <string: 0x2> { length = 40, contents = "com.apple.so',
      ...complete,
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors).toEqual([{ line: 3, message: 'string at line 3 is cut off: it has no closing " } before the description ends' }]);
    expect(result.messages.map((m) => m.line)).toEqual([4]);
    expectSame(result.messages[0]!.value, xpc.dictionary([['ok', xpc.string('ok')]]));
    expect(result.messages[0]!.warnings).toEqual([]);
  });

  it('does the same when each description is a log line of its own, and after lldb lines', () => {
    const text = [
      '2024-01-02 03:04:05.678 proc[123:456] reply: <dictionary: 0x1> { count = 1, transaction: 0, voucher = 0x0, contents =',
      '\t"name" => <string: 0x2> { length = 40, contents = "com.apple.so',
      `2024-01-02 03:04:05.679 proc[123:456] reply: ${complete[0]}`,
      ...complete.slice(1),
      '(lldb) po $x1',
      '<string: 0x9> { length = 5, contents = "hello',
      '(int) $0 = 42',
      '<bool: 0x7>: true',
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors.map((e) => e.line)).toEqual([2, 7]);
    expect(result.messages.map((m) => m.line)).toEqual([3, 9]);
    expectSame(result.messages[0]!.value, xpc.dictionary([['ok', xpc.string('ok')]]));
    expectSame(result.messages[1]!.value, xpc.bool(true));
  });

  it('closes nested containers that lost their braces where the record ends, one warning each', () => {
    const text = [
      '<dictionary: 0x1> { count = 1, transaction: 0, voucher = 0x0, contents =',
      '\t"list" => <array: 0x2> { count = 1, capacity = 1, contents =',
      '\t\t0: <int64: 0x3>: 7',
      '(int) $0 = 200',
      ...complete,
    ].join('\n');
    const result = importDescriptions(text);
    expect(result.errors).toEqual([]);
    expect(result.messages.map((m) => m.line)).toEqual([1, 5]);
    expectSame(result.messages[0]!.value, xpc.dictionary([['list', xpc.array([xpc.int64(7)])]]));
    expect(result.messages[0]!.warnings).toEqual([
      { line: 2, message: 'the array that starts at line 2 has no closing }; closed after line 3' },
      { line: 1, message: 'the dictionary that starts at line 1 has no closing }; closed after line 3' },
    ]);
  });

  it('imports array items pasted without their head as one array, with a warning', () => {
    const { value, warnings } = only('\t0: <int64: 0x1>: 1\n\t1: <string: 0x2> { length = 1, contents = "a" }\n}');
    expectSame(value, xpc.array([xpc.int64(1), xpc.string('a')]));
    expect(warnings).toEqual(['line 1: array entries without their "<array: 0x…> { … contents =" head (a pasted fragment?); imported as one array']);
  });

  it('skips log prefixes of common formats, also when every line of a description carries one', () => {
    const prefixes = [
      '2024-01-02 03:04:05.678 proc[123:456] ',
      '2024-01-02 03:04:05.678901-0800 0x1a2b     Default     0x0                  123    0    proc: (libxpc.dylib) [com.apple.xpc:connection] ',
      '2024-01-02 03:04:05.678 Df proc[123:4567] [com.example:ipc] ',
      'Jan  2 03:04:05 my-mac proc[123] <Notice>: ',
      'iPhone mobileassetd[83] <Notice>: ',
      '2024-01-02T03:04:05Z ',
    ];
    const value = xpc.dictionary([['k', xpc.array([xpc.int64(1), xpc.string('x')])]]);
    for (const prefix of prefixes) {
      const lines = describeXpc(value).split('\n');
      const everyLine = lines.map((l) => prefix + l).join('\n');
      const firstLine = [prefix + lines[0], ...lines.slice(1)].join('\n');
      for (const text of [everyLine, firstLine]) {
        const result = importDescriptions(`${prefix}starting\n${text}\n${prefix}done`);
        expect(result.errors, prefix).toEqual([]);
        expect(result.messages, prefix).toHaveLength(1);
        expectSame(result.messages[0]!.value, value);
        expect(result.messages[0]!.warnings, prefix).toEqual([]);
      }
    }
  });

  it('reads back descriptions of any values pasted together with log prefixes and lldb lines (property)', () => {
    const noise = fc.record({
      before: fc.constantFrom('', '(lldb) po reply\n', '2024-01-02 03:04:05.678 proc[123:456] unrelated line\n', '(lldb) p printf("%s", desc)\n'),
      prefix: fc.constantFrom(
        { text: '', logger: false },
        { text: '2024-01-02 03:04:05.678 proc[123:456] ', logger: true },
        { text: 'Jan  2 03:04:05 host proc[123]: ', logger: true },
        { text: 'received: ', logger: false },
      ),
      everyLine: fc.boolean(),
      after: fc.constantFrom('', '\n(int) $0 = 328', '\n(unsigned long) $1 = 12', '\n2024-01-02 03:04:05.679 proc[123:456] done', '\n'),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(xpcValueArbitrary, noise), { minLength: 1, maxLength: 4 }), (pasted) => {
        const text = pasted
          .map(([value, n]) => {
            const lines = describeXpc(value, { maxDataBytes: 1 << 16 }).split('\n');
            // Only a logger's prefix is repeated on every line; plain text goes before the first.
            const repeat = n.everyLine && n.prefix.logger;
            const body = lines.map((l, i) => (i === 0 || repeat ? n.prefix.text + l : l)).join('\n');
            return `${n.before}${body}${n.after}`;
          })
          .join('\n');
        const result = importDescriptions(text);
        if (result.errors.length) throw new Error(`${JSON.stringify(result.errors)}\n${text}`);
        expect(result.messages).toHaveLength(pasted.length);
        result.messages.forEach((m, i) => {
          expectSame(m.value, describable(pasted[i]![0]));
          expect(m.warnings).toEqual([]);
        });
      }),
      { numRuns: 300 },
    );
  });
});
