/**
 * Real NSXPC `root` payloads and NSKeyedArchiver archives from public repositories. The bytes
 * live in ../shared/interop/xpc-samples/ (not in this repository); SOURCES.md there, section
 * "NSXPC and NSKeyedArchiver samples", gives each one's origin, commit and what the source
 * says it contains. Each test names its sample id (N3–N15) and the source.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBplist00 } from './bplist00';
import { decodeBplist17 } from './bplist17';
import { NsxpcDecodeError, type NsxpcResult } from './errors';
import { plain } from './fixtures/shape';
import { decodeNsxpcInvocation, invocationSummary, type InvocationView } from './invocation';
import { decodeKeyedArchive, type KeyedArchive } from './keyed-archive';

const SAMPLES = new URL('../../../shared/interop/xpc-samples/', import.meta.url);
/** `.hex` files hold one line of hex, `.bin` files the raw bytes. */
function sample(name: string): Uint8Array {
  const raw = readFileSync(new URL(name, SAMPLES));
  return name.endsWith('.hex') ? Uint8Array.from(Buffer.from(raw.toString('utf8').trim(), 'hex')) : new Uint8Array(raw);
}

const N3 = 'nsxpc-bytewitch-predictionForCategories-request.bplist17.hex';
const N4 = 'nsxpc-bytewitch-notifyEvent-AWAttentionLostEvent.bplist17.hex';
const N5 = 'nsxpc-jimlake-ping-withReply-request.bplist17.hex';
const N6 = 'nsxpc-jimlake-pong-reply.bplist17.hex';
const N7 = 'nsxpc-jimlake-saveDeviceToken-request.bplist17.hex';
const N8 = 'nsxpc-jimlake-isRunning-request.bplist17.hex';
const N9 = 'nska-bytewitch-SASButtonIdentifier-SASTimeInterval.bplist00.hex';
const N10 = 'nska-goios-dtx-selector-requestChannelWithCode.hex';
const N11 = 'nska-goios-dtx-selector-IDE-initiateSession.hex';
const N12 = 'nska-goios-DTTapMessage.bin';
const N13 = 'nska-goios-XCTCapabilities.bin';
const N14 = 'nska-goios-NSNull-ax-focus-on-element.bin';
const N15 = 'nska-goios-NSUUID.bin';
const NSXPC = [N3, N4, N5, N6, N7, N8];
const NSKA = [N9, N10, N11, N12, N13, N14, N15];

function ok<T>(r: NsxpcResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}
const invocation = (name: string, replySignature?: string): InvocationView => ok(decodeNsxpcInvocation(sample(name), replySignature === undefined ? {} : { replySignature }));
const archive = (name: string): KeyedArchive => ok(decodeKeyedArchive(sample(name)));

describe('NSXPC root payloads (bplist17)', () => {
  it('N5 ping:withReply: (jim-lake/node-plist17 test/bplist17.test.js OBJ_SEND_WITH_REPLY) decodes to its expected value', () => {
    expect(plain(ok(decodeBplist17(sample(N5))))).toEqual(['ping:withReply:', 'v32@0:8@16@?24', ['foo5', null]]);
    // xpc-connect sends it with replysig v16@?0@"NSString"8.
    const view = invocation(N5, 'v16@?0@"NSString"8');
    expect(view).toMatchObject({ selector: 'ping:withReply:', signature: 'v32@0:8@16@?24', replyBlock: 'v16@?0@"NSString"8', isReply: false });
    expect(view.arguments.map((a) => [a.type, plain(a.value)])).toEqual([['@', 'foo5'], ['@?', null]]);
    expect(view.signatureMismatch).toBeUndefined();
    expect(invocationSummary(view)).toBe('-[? ping:withReply:]');
    expect(invocationSummary(view, 'TestServerProtocol')).toBe('-[TestServerProtocol ping:withReply:]');
  });

  it('N6 pong reply (node-plist17 OBJ_RESPONSE) decodes to [null, "v@?@", ["pong"]]', () => {
    expect(plain(ok(decodeBplist17(sample(N6))))).toEqual([null, 'v@?@', ['pong']]);
    const view = invocation(N6);
    expect(view).toMatchObject({ isReply: true, signature: 'v@?@' });
    expect(view.selector).toBeUndefined();
    expect(view.arguments).toEqual([{ type: '@', value: { kind: 'string', value: 'pong' } }]);
    expect(invocationSummary(view)).toBe('reply(v@?@)');
  });

  it('N7 saveDeviceToken: (node-plist17 OBJ_SEND) decodes to its expected value; the argument is a UTF-16 string', () => {
    expect(plain(ok(decodeBplist17(sample(N7))))).toEqual(['saveDeviceToken:', 'v24@0:8@16', ['tokentester']]);
    const view = invocation(N7);
    expect(view.replyBlock).toBeUndefined();
    expect(view.arguments.map((a) => plain(a.value))).toEqual(['tokentester']);
  });

  it('N8 isRunning: (jim-lake/node-xpc example/debug.js) spells [isRunning:, v24@0:8@?16, [null]]', () => {
    expect(plain(ok(decodeBplist17(sample(N8))))).toEqual(['isRunning:', 'v24@0:8@?16', [null]]);
    // Sent with replysig v12@?0B8: the only argument is the reply block.
    const view = invocation(N8, 'v12@?0B8');
    expect(view).toMatchObject({ selector: 'isRunning:', replyBlock: 'v12@?0B8' });
    expect(view.arguments).toEqual([{ type: '@?', value: { kind: 'null' } }]);
  });

  it('N3 predictionForCategories:… (rec0de/bytewitch TestMessageSamples.kt TestMessage(5)) has the selector, signature and values its comments name', () => {
    const view = invocation(N3);
    expect(view.selector).toBe('predictionForCategories:consumer:criteria:limit:providesFeedback:reply:');
    expect(view.signature).toBe('v60@0:8Q16Q24@32Q40B48@?52');
    expect(view.arguments.map((a) => a.type)).toEqual(['Q', 'Q', '@', 'Q', 'B', '@?']);
    expect(view.arguments.map((a) => plain(a.value))).toEqual([6n, 1n, {}, 1n, true, null]);
    // The criteria argument is an NSDictionary ($class with NS.keys / NS.objects, both empty).
    expect(view.arguments[2]).toMatchObject({ class: 'NSDictionary', value: { kind: 'dict', className: 'NSDictionary', entries: [] } });
    expect(view.replyBlock).toBe('@?');
    expect(view.signatureMismatch).toBeUndefined();
  });

  it('N4 notifyEvent: (rec0de/bytewitch TrainingMessageSamples.kt TestMessage(12)) carries an AWAttentionLostEvent with the named fields', () => {
    const view = invocation(N4);
    expect(view).toMatchObject({ selector: 'notifyEvent:', signature: 'v24@0:8@16' });
    expect(view.arguments).toHaveLength(1);
    expect(view.arguments[0]!.class).toBe('AWAttentionLostEvent');
    expect(plain(view.arguments[0]!.value)).toEqual({ $class: 'AWAttentionLostEvent', timestamp: 1176.968101833, attentionLostTimeout: 0, tagIndex: 0n });
    expect(invocationSummary(view)).toBe('-[? notifyEvent:]');
  });
});

describe('NSKeyedArchiver archives (bplist00)', () => {
  it('N9 (rec0de/bytewitch TrainingMessageSamples.kt TestMessage(11)) has $top keys 10 and 11: SASButtonIdentifierTransport and SASTimeIntervalTransport', () => {
    const a = archive(N9);
    expect(a.archiver).toBe('NSKeyedArchiver');
    expect(a.version).toBe(100000n);
    expect([...a.top.keys()].sort()).toEqual(['10', '11']);
    expect(a.root).toBeUndefined();
    expect(a.top.get('10')).toMatchObject({ kind: 'object', class: 'SASButtonIdentifierTransport', classes: ['SASButtonIdentifierTransport', 'NSObject'] });
    expect(plain(a.top.get('10')!)).toEqual({ $class: 'SASButtonIdentifierTransport', identifier: 'SiriButtonIdentifierLongPressHomeButton' });
    expect(plain(a.top.get('11')!)).toEqual({ $class: 'SASTimeIntervalTransport', transport: 0.4 });
  });

  it('N10 (danielpaulus/go-ios fixtures/payload_dump.json [1]) is the NSString _requestChannelWithCode:identifier:', () => {
    expect(archive(N10).root).toEqual({ kind: 'string', value: '_requestChannelWithCode:identifier:' });
  });

  it('N11 (go-ios payload_dump.json [2]) is the NSString _IDE_initiateSessionWithIdentifier:…', () => {
    expect(archive(N11).root).toEqual({ kind: 'string', value: '_IDE_initiateSessionWithIdentifier:forClient:atPath:protocolVersion:' });
  });

  it('N12 (go-ios fixtures/dttapmessage.bin) is a DTTapMessage whose DTTapMessagePlist is NSMutableDictionary {k: 5}', () => {
    const root = archive(N12).root!;
    expect(root).toMatchObject({ kind: 'object', class: 'DTTapMessage' });
    expect(plain(root)).toEqual({ $class: 'DTTapMessage', DTTapMessagePlist: { k: 5n } });
    if (root.kind !== 'object') throw new Error('not an object');
    expect(root.fields.get('DTTapMessagePlist')).toMatchObject({ kind: 'dict', className: 'NSMutableDictionary' });
  });

  it('N13 (go-ios fixtures/XCTCapabilities.bin) is XCTCapabilities with a 7-entry capabilities-dictionary', () => {
    const root = plain(archive(N13).root!) as { $class: string; 'capabilities-dictionary': Record<string, bigint> };
    expect(root.$class).toBe('XCTCapabilities');
    const caps = root['capabilities-dictionary'];
    expect(Object.keys(caps)).toHaveLength(7);
    expect(caps).toMatchObject({
      'initiate test runner session capability': 2n,
      'request spindump capability': 2n,
      'initiate daemon control session capability': 4n,
      'report crashes capability': 1n,
    });
  });

  it('N14 (go-ios fixtures/ax_focus_on_element.bin, TestNSNull) is NSNull, with the $objects the test spells', () => {
    const bytes = sample(N14);
    expect(archive(N14).root).toEqual({ kind: 'null' });
    expect(plain(ok(decodeBplist00(bytes)))).toEqual({
      $version: 100000n,
      $archiver: 'NSKeyedArchiver',
      $top: { root: 1 },
      $objects: ['$null', { $class: 2 }, { $classes: ['NSNull', 'NSObject'], $classname: 'NSNull' }],
    });
  });

  it('N15 (go-ios fixtures/nsuuid.bin) is NSUUID 54cd5574-e957-4499-8a09-dab688c0b586', () => {
    expect(archive(N15).root).toEqual({ kind: 'uuid', value: '54cd5574-e957-4499-8a09-dab688c0b586' });
  });
});

describe('mutated samples never throw', () => {
  const mutated = (names: readonly string[]) =>
    fc
      .record({
        name: fc.constantFrom(...names),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
      })
      .map(({ name, flips, cut }) => {
        const bytes = sample(name).slice();
        for (const [at, b] of flips) bytes[at % bytes.length] = b;
        return cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1));
      });

  function expectStructured<T>(r: NsxpcResult<T>): void {
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(NsxpcDecodeError);
    expect(r.error.reason.length).toBeGreaterThan(0);
    if (r.error.offset >= 0) expect(r.error.message).toContain(`byte ${r.error.offset}`);
  }

  it('NSXPC payloads (N3–N8) with flipped bytes or cut short return a value or a structured error', () => {
    fc.assert(
      fc.property(mutated(NSXPC), (bytes) => {
        expectStructured(decodeBplist17(bytes));
        expectStructured(decodeNsxpcInvocation(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('keyed archives (N9–N15) with flipped bytes or cut short return a value or a structured error', () => {
    fc.assert(
      fc.property(mutated(NSKA), (bytes) => {
        expectStructured(decodeBplist00(bytes));
        expectStructured(decodeKeyedArchive(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('a cut-short sample names where it ran out', () => {
    const bytes = sample(N5).slice(0, 40);
    const r = decodeBplist17(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('truncated');
  });
});
