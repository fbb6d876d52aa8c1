/**
 * The probe's C encoder (native-probe/src/xpc_wire.c) against the product's codec: a test
 * program built with the system C compiler encodes values of every XPC type; app/xpc must
 * decode each to exactly the expected value, and encode that value to exactly the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeXpc, encodeXpc } from '../app/xpc/codec';
import { decodeFrameHeaderForTest } from './test/frames';
import { encodeMessageFrame, FrameFlag, DEFAULT_MESSAGE_FLAGS } from '../app/xpc/frame';
import { INT64_MAX, INT64_MIN, UINT64_MAX, xpc, xpcEquals, type XpcValue } from '../app/xpc/value';
import { bytesToHex, cBuild, findCompiler, hexToBytes, type CBuild } from './test/compile';

const cc = findCompiler();
if (cc === undefined) console.warn('native-probe C tests skipped: no C compiler found ($CC, cc, gcc or clang)');

const UUID = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21]);
const s = xpc.string;

function nested(depth: number, bottom: XpcValue): XpcValue {
  let v = bottom;
  for (let i = 0; i < depth; i++) v = xpc.array([v]);
  return v;
}

const EVERY_TYPE = xpc.dictionary([
  ['null', xpc.null()],
  ['bool', xpc.bool(true)],
  ['int64', xpc.int64(-42)],
  ['uint64', xpc.uint64(UINT64_MAX)],
  ['double', xpc.double(0.5)],
  ['date', xpc.date(1_000_000_000n)],
  ['data', xpc.data(new TextEncoder().encode('xyz'))],
  ['string', s('hello')],
  ['uuid', xpc.uuid(UUID)],
  ['fd', xpc.fd('/dev/null')],
  ['shmem', xpc.shmem(65536)],
  ['array', xpc.array([xpc.int64(1), xpc.int64(2)])],
  ['dictionary', xpc.dictionary({ k: s('v') })],
  ['error', xpc.error('Peer Forbidden')],
  ['endpoint', xpc.endpoint('com.example.anon')],
]);

/** What each line of wire_dump must decode to. */
const EXPECTED: Record<string, XpcValue> = {
  null: xpc.null(),
  bool_true: xpc.bool(true),
  bool_false: xpc.bool(false),
  int64_min: xpc.int64(INT64_MIN),
  int64_neg5: xpc.int64(-5),
  int64_max: xpc.int64(INT64_MAX),
  uint64_max: xpc.uint64(UINT64_MAX),
  uint64_zero: xpc.uint64(0),
  double_pi: xpc.double(3.141592653589793),
  double_neg0: xpc.double(-0),
  double_neg_inf: xpc.double(-Infinity),
  double_nan: xpc.double(NaN),
  date: xpc.date(1700000000123456789n),
  date_neg: xpc.date(-1n),
  data_empty: xpc.data(new Uint8Array(0)),
  data_5: xpc.data(Uint8Array.from([0, 1, 2, 0xfe, 0xff])),
  data_8: xpc.data(new TextEncoder().encode('ABCDEFGH')),
  string_empty: s(''),
  string_abc: s('abc'),
  string_abcd: s('abcd'),
  string_utf8: s('héllo ✓ 😀'),
  string_n: s('abc'),
  uuid: xpc.uuid(UUID),
  fd: xpc.fd('/etc/hosts'),
  shmem: xpc.shmem(4096),
  error_value: xpc.error('Connection invalid'),
  endpoint: xpc.endpoint('com.apple.example'),
  array_empty: xpc.array([]),
  array_mixed: xpc.array([xpc.null(), xpc.bool(true), s('x'), xpc.array([xpc.int64(7)]), xpc.error('Connection interrupted')]),
  dict_empty: xpc.dictionary(),
  dict_keys: xpc.dictionary([
    ['a', s('x')],
    ['bb', xpc.int64(5)],
    ['ccc', xpc.bool(false)],
    ['dddd', xpc.null()],
    ['eeeee', xpc.dictionary([['clé', xpc.uint64(9)]])],
  ]),
  every_type: EVERY_TYPE,
  nested_max: nested(64, s('bottom')),
  nested_error_max: nested(63, xpc.error('deep')),
};

const EXPECTED_ERRORS: Record<string, string> = {
  too_deep: 'too-deep',
  too_deep_error: 'too-deep',
  no_space_data: 'no-space',
  no_space_header: 'no-space',
  no_space_nested: 'no-space',
  too_many: 'too-many-elements',
  nul_in_string: 'nul-in-string',
  bad_byte: 'bad-utf8',
  overlong: 'bad-utf8',
  surrogate: 'bad-utf8',
  truncated_sequence: 'bad-utf8',
  bad_key: 'bad-utf8',
  value_without_key: 'bad-call-order',
  key_in_array: 'bad-call-order',
  key_without_value: 'bad-call-order',
  two_roots: 'bad-call-order',
  unclosed: 'bad-call-order',
  unbalanced: 'bad-call-order',
  no_root: 'bad-call-order',
  null_string: 'bad-argument',
};

describe.skipIf(cc === undefined)('xpc_wire.c encodes exactly as app/xpc/codec.ts', () => {
  let build: CBuild;
  let program: string;
  const encoded = new Map<string, Uint8Array>();
  const refused = new Map<string, string>();

  beforeAll(() => {
    build = cBuild(cc!);
    program = build.program('wire_dump', ['test/wire_dump.c', 'src/xpc_wire.c'], ['-lm']);
    const run = spawnSync(program, [], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    for (const line of run.stdout.trim().split('\n')) {
      const parts = line.split(' ');
      if (parts[0] === 'error') refused.set(parts[1]!, parts[2]!);
      else if (parts[1] === 'FAILED') throw new Error(`wire_dump could not encode ${parts[0]}: ${parts[2]}`);
      else encoded.set(parts[0]!, hexToBytes(parts[1]!));
    }
  });
  afterAll(() => build?.remove());

  it('prints every value it is expected to', () => {
    expect([...encoded.keys()].filter((k) => !k.startsWith('frame_')).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect([...refused.keys()].sort()).toEqual(Object.keys(EXPECTED_ERRORS).sort());
  });

  for (const [name, value] of Object.entries(EXPECTED)) {
    it(`${name}: decodes to the expected value and matches the TS encoder byte for byte`, () => {
      const bytes = encoded.get(name);
      expect(bytes, `wire_dump printed no line for ${name}`).toBeDefined();
      const decoded = decodeXpc(bytes!);
      if (!decoded.ok) throw new Error(`${name}: ${decoded.error.message}`);
      expect(xpcEquals(decoded.value, value), `${name} decoded to ${JSON.stringify(decoded.value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`).toBe(true);
      expect(bytesToHex(encodeXpc(value))).toBe(bytesToHex(bytes!));
    });
  }

  it('frames a payload exactly as encodeMessageFrame does', () => {
    const frame = encoded.get('frame_every_type')!;
    const flags = DEFAULT_MESSAGE_FLAGS | FrameFlag.WANTING_REPLY;
    expect(bytesToHex(frame)).toBe(bytesToHex(encodeMessageFrame(EVERY_TYPE, 0x0102030405060708n, flags)));
    expect(decodeFrameHeaderForTest(frame)).toEqual({ flags, bodyLength: frame.length - 24, messageId: 0x0102030405060708n });
  });

  for (const [name, status] of Object.entries(EXPECTED_ERRORS)) {
    it(`refuses ${name} with ${status}`, () => {
      expect(refused.get(name)).toBe(status);
    });
  }

  it('accepts exactly the byte strings the broker decodes as UTF-8 text without NUL', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const accepts = (bytes: Uint8Array): boolean => {
      if (bytes.includes(0)) return false;
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    // Biased towards the interesting bytes: lead bytes, continuation bytes, their edges.
    const interesting = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
    const samples = fc.sample(fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), { numRuns: 4000, seed: 4711 });
    samples.push([0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xef, 0xbb, 0xbf]);
    const inputs = samples.map((a) => Uint8Array.from(a));
    const run = spawnSync(program, ['check-text'], { input: inputs.map(bytesToHex).join('\n') + '\n', encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const verdicts = run.stdout.trim().split('\n');
    expect(verdicts).toHaveLength(inputs.length);
    const disagreements = inputs.filter((bytes, i) => (verdicts[i] === '1') !== accepts(bytes)).map(bytesToHex);
    expect(disagreements).toEqual([]);
  });
});
