import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpcValueArbitrary } from './fixtures/arbitrary';
import { decodeXpc, decodeXpcAs, encodeXpc, LIBXPC_MESSAGE_MAGIC, XpcDecodeError, type DecodeResult, type XpcDecodeErrorCode } from './codec';
import { decodeLibxpcMessage, decodeXpcAnyContainer, detectXpcContainer, type ContainerDecodeResult } from './container';
import { dictGet, INT64_MAX, xpc, xpcEquals, type XpcValue } from './value';

/** Real libxpc bytes (SOURCES.md in that directory says where they come from); CI has ../shared beside the checkout. */
const SAMPLES = new URL('../../../shared/interop/xpc-samples/', import.meta.url);
const sample = (name: string) => new Uint8Array(readFileSync(new URL(name, SAMPLES)));
/** B4: a test message of every common type, fd included. */
const B4 = 'xniff-entry2-testmsg.cpx.bin';
/** B5: an out-of-line reply region, zero-padded to 40 pages. */
const B5 = 'xniff-eligibilityd-reply-ool.cpx.bin';
const B5_ROOT_END = 154400;

const CPX = [0x43, 0x50, 0x58, 0x40];

function ok(result: DecodeResult | ContainerDecodeResult): XpcValue {
  if (!result.ok) throw result.error;
  return result.value;
}

function expectError(result: DecodeResult | ContainerDecodeResult, code: XpcDecodeErrorCode, offset: number): XpcDecodeError {
  if (result.ok) throw new Error(`expected ${code} at byte ${offset}, but the bytes decoded`);
  expect(result.error).toBeInstanceOf(XpcDecodeError);
  expect({ code: result.error.code, offset: result.error.offset }).toEqual({ code, offset });
  expect(result.error.message).toContain(`byte ${offset}`);
  return result.error;
}

/** A RemoteXPC payload re-labelled as a libxpc body, with `padding` zero bytes after it. */
function asLibxpc(value: XpcValue, padding = 0): Uint8Array {
  const payload = encodeXpc(value);
  const bytes = new Uint8Array(payload.length + padding);
  bytes.set(payload);
  bytes.set(CPX);
  return bytes;
}

function hasFd(value: XpcValue): boolean {
  if (value.type === 'fd') return true;
  if (value.type === 'array') return value.items.some(hasFd);
  if (value.type === 'dictionary') return [...value.entries.values()].some(hasFd);
  return false;
}

describe('libxpc message bodies from real processes', () => {
  it('B4 starts with CPX@ and decodes to the 11 entries its bytes spell, fd as the bare type code', () => {
    const bytes = sample(B4);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([...CPX, 5, 0, 0, 0]);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)).toBe(LIBXPC_MESSAGE_MAGIC);
    expect(detectXpcContainer(bytes)).toBe('libxpc');
    const value = ok(decodeLibxpcMessage(bytes));
    const expected = xpc.dictionary({
      fd_key: xpc.fd(''),
      bool_key: xpc.bool(false),
      string_key: xpc.string('hello from xpc'),
      double_key: xpc.double(3.14159),
      int64_key: xpc.int64(-42),
      array_key: xpc.array([xpc.bool(true), xpc.int64(123), xpc.string('array item')]),
      data_key: xpc.data(Uint8Array.from([0xde, 0xad, 0xbe, 0xef])),
      uuid_key: xpc.uuid(Uint8Array.from([0xb5, 0x31, 0x87, 0xa6, 0x3d, 0xf5, 0x4c, 0x31, 0xb4, 0x9e, 0x2b, 0x10, 0x62, 0xd0, 0x0c, 0x42])),
      date_key: xpc.date(1765297748n),
      dict_key: xpc.dictionary({ inner_uint64: xpc.uint64(999n), inner_string: xpc.string('nested') }),
      uint64_key: xpc.uint64(42n),
    });
    expect(value.type === 'dictionary' && [...value.entries.keys()]).toEqual([...(expected.type === 'dictionary' ? expected.entries.keys() : [])]);
    expect(xpcEquals(value, expected)).toBe(true);
    expect(xpcEquals(ok(decodeXpcAnyContainer(bytes)), expected)).toBe(true);
  });

  it('B4 is not a RemoteXPC payload: the magic, and in that layout its bare fd, are refused', () => {
    const bytes = sample(B4);
    expectError(decodeXpc(bytes), 'bad-magic', 0);
    const relabelled = bytes.slice();
    relabelled.set([0x42, 0x37, 0x13, 0x42]);
    // The fd at byte 28 has no path: its "length" would be the key "bool" that follows.
    expect(decodeXpc(relabelled).ok).toBe(false);
  });

  it('B5 decodes to {errorNum, stateDumpDictionary} with its zero page padding accepted', () => {
    const bytes = sample(B5);
    expect(bytes.length).toBe(40 * 4096);
    const value = ok(decodeLibxpcMessage(bytes));
    expect(value.type === 'dictionary' && [...value.entries.keys()]).toEqual(['errorNum', 'stateDumpDictionary']);
    expect(xpcEquals(dictGet(value, 'errorNum') ?? xpc.null(), xpc.int64(0))).toBe(true);
    const state = dictGet(value, 'stateDumpDictionary');
    expect(state?.type === 'dictionary' && state.entries.size).toBe(5);
    // The same object without the padding decodes to the same value.
    expect(xpcEquals(ok(decodeLibxpcMessage(bytes.subarray(0, B5_ROOT_END))), value)).toBe(true);
    expect(ok(decodeXpcAnyContainer(bytes)).type).toBe('dictionary');
  });

  it('refuses B5 with a non-zero byte in its padding, naming that byte', () => {
    for (const at of [B5_ROOT_END, B5_ROOT_END + 1000, 40 * 4096 - 1]) {
      const bytes = sample(B5);
      bytes[at] = 0x01;
      const error = expectError(decodeLibxpcMessage(bytes), 'trailing-bytes', at);
      expect(error.detail).toContain(`ends at byte ${B5_ROOT_END}`);
      expectError(decodeXpcAnyContainer(bytes), 'trailing-bytes', at);
    }
  });
});

describe('RemoteXPC payloads stay strict', () => {
  it('refuses trailing zeros after the root object, whichever entry point reads them', () => {
    const payload = encodeXpc(xpc.dictionary({ a: xpc.int64(1) }));
    const padded = new Uint8Array(payload.length + 4096);
    padded.set(payload);
    expectError(decodeXpc(padded), 'trailing-bytes', payload.length);
    expectError(decodeXpcAs(padded, 'remotexpc'), 'trailing-bytes', payload.length);
    expectError(decodeXpcAnyContainer(padded), 'trailing-bytes', payload.length);
  });

  it('keeps the fd path in RemoteXPC, and reads the bare fd only in a libxpc body', () => {
    const remote = encodeXpc(xpc.array([xpc.fd('/tmp/x'), xpc.null()]));
    expect(xpcEquals(ok(decodeXpcAnyContainer(remote)), xpc.array([xpc.fd('/tmp/x'), xpc.null()]))).toBe(true);
    const bare = Uint8Array.from([...CPX, 5, 0, 0, 0, 0x00, 0xe0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 0x00, 0xb0, 0, 0, 0x00, 0x10, 0, 0]);
    expect(xpcEquals(ok(decodeLibxpcMessage(bare)), xpc.array([xpc.fd(''), xpc.null()]))).toBe(true);
  });

  it('checks each magic against the entry point', () => {
    expectError(decodeLibxpcMessage(encodeXpc(xpc.null())), 'bad-magic', 0);
    expectError(decodeXpcAs(asLibxpc(xpc.null()), 'remotexpc'), 'bad-magic', 0);
    expectError(decodeXpcAnyContainer(Uint8Array.from([1, 2, 3, 4, 5, 0, 0, 0])), 'bad-magic', 0);
    expectError(decodeXpcAnyContainer(Uint8Array.from(CPX.slice(0, 3))), 'truncated', 0);
    expect(detectXpcContainer(encodeXpc(xpc.null()))).toBe('remotexpc');
    expect(detectXpcContainer(new Uint8Array(0))).toBeUndefined();
  });

  it('applies the size limit to the padded body', () => {
    expectError(decodeLibxpcMessage(asLibxpc(xpc.int64(INT64_MAX), 100), { maxBytes: 64 }), 'too-large', 64);
  });
});

describe('libxpc bodies: properties', () => {
  const fdFree = xpcValueArbitrary.filter((v) => !hasFd(v));

  it('decodes what the encoder writes, under the CPX@ magic and any zero padding, to the same value', () => {
    fc.assert(
      fc.property(fdFree, fc.nat({ max: 5000 }), (value, padding) => {
        const bytes = asLibxpc(value, padding);
        expect(xpcEquals(ok(decodeLibxpcMessage(bytes)), value)).toBe(true);
        const auto = decodeXpcAnyContainer(bytes);
        expect(auto.ok && auto.container).toBe('libxpc');
      }),
      { numRuns: 500 },
    );
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(input: Uint8Array, m: Mutation): Uint8Array {
    const bytes = Array.from(input);
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.kind === 'flip' && bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << m.bit);
    else if (m.kind === 'set' && bytes.length > 0) bytes[at] = m.byte;
    else if (m.kind === 'delete') bytes.splice(at, m.count);
    else if (m.kind === 'insert') bytes.splice(at, 0, ...m.bytes);
    else if (m.kind === 'truncate') bytes.length = at;
    return Uint8Array.from(bytes);
  }

  function checkTotal(bytes: Uint8Array): void {
    for (const decode of [decodeLibxpcMessage, decodeXpcAnyContainer]) {
      let result: ContainerDecodeResult;
      try {
        result = decode(bytes, { maxDepth: 8, maxElements: 200 });
      } catch (error) {
        throw new Error(`${decode.name} threw: ${String(error)}`);
      }
      if (!result.ok) {
        expect(result.error).toBeInstanceOf(XpcDecodeError);
        expect(result.error.offset).toBeGreaterThanOrEqual(0);
        expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
      }
    }
  }

  it('never throws on mutated or cut CPX@ bodies, only returns structured errors', () => {
    const b4 = sample(B4);
    const source = fc.oneof(
      fc.constant(b4),
      fdFree.map((v) => asLibxpc(v, 16)),
    );
    fc.assert(
      fc.property(source, fc.array(mutation, { minLength: 1, maxLength: 4 }), (bytes, mutations) => {
        let mutated = bytes;
        for (const m of mutations) mutated = mutate(mutated, m);
        checkTotal(mutated);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on random bytes behind the CPX@ header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => checkTotal(Uint8Array.from([...CPX, 5, 0, 0, 0, ...body]))),
      { numRuns: 2000 },
    );
  });
});
