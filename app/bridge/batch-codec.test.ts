import { describe, expect, it } from 'vitest';
import type { WireEvent } from './contract';
import { BatchFrameError, decodeBatchFrame, encodeBatchFrame } from './batch-codec';
import { syntheticSession } from '../model/synthetic-session';

/** What the previous JSON transport delivered: the ground truth a frame must reproduce. */
const viaJson = (events: readonly WireEvent[]): unknown => JSON.parse(JSON.stringify(events));

const roundTrip = (events: readonly WireEvent[], lastSeq = 99, subscription = 3) => decodeBatchFrame(encodeBatchFrame(subscription, { events, lastSeq }));

const job = {
  label: 'com.example.echo',
  kind: 'launch-agent',
  machServices: ['com.example.echo'],
  program: '/bin/echo',
  arguments: [],
  keepAlive: false,
  runAtLoad: false,
  throttleIntervalSec: 10,
  pressuredExit: true,
  adaptive: true,
  file: '/tmp/echo.plist',
} as const;

/** At least one event of every kind, with and without optional fields, and odd shapes. */
const varied: WireEvent[] = [
  { seq: 1, t: 0, kind: 'job-loaded', job, warnings: ['unknown key Foo'] },
  { seq: 2, t: 1, kind: 'job-failed', file: '/x.plist', error: 'bad' },
  { seq: 3, t: 2, kind: 'job-failed', file: '/x.plist', key: 'Program', error: 'missing' },
  { seq: 4, t: 3, kind: 'process-launched', job: 'a', pid: 10, reason: 'on-demand', boosted: true, triggerMessageId: 4 },
  { seq: 5, t: 4, kind: 'process-exited', pid: 10, code: null, signal: 'SIGKILL', reason: 'crashed', description: 'killed', transactionsHeld: 2 },
  { seq: 6, t: 5, kind: 'process-exited', job: 'a', pid: 11, code: 0, signal: null, reason: 'exited', description: 'ok', transactionsHeld: 0 },
  { seq: 7, t: 6, kind: 'process-attached', process: { pid: 12, uid: 501, gid: 20, name: 'x' }, processType: 'app', observedBy: 'probe', probeRecordsLost: 3 },
  { seq: 8, t: 7, kind: 'process-detached', pid: 12, reason: 'gone' },
  { seq: 9, t: 8, kind: 'process-output', pid: 10, job: 'a', stream: 'stderr', text: 'line "quoted" \u2028 ünïcödé 🎉' },
  { seq: 10, t: 9, kind: 'launch-throttled', job: 'a', delayNs: 1e10 },
  { seq: 11, t: 10, kind: 'connection-opened', connection: 1, clientPid: 9, service: 's', privileged: false, api: 'session', viaEndpoint: true },
  { seq: 12, t: 11, kind: 'connection-state', connection: 1, state: 'invalidated', suspendCount: 0, reason: 'gone', retryable: false },
  { seq: 13, t: 12, kind: 'connection-bound', connection: 1, servicePid: 10, job: 'a' },
  { seq: 14, t: 13, kind: 'peer-rejected', connection: 1, clientPid: 9, requirement: { uid: 0 }, reason: 'uid' },
  {
    seq: 15,
    t: 2 ** 40 + 0.5,
    kind: 'message-sent',
    message: 1,
    connection: 1,
    messageKind: 'message',
    fromPid: 9,
    service: 's',
    expectsReply: true,
    sync: true,
    size: 100,
    boosting: true,
    value: { op: 'x', n: { $int64: '-5' }, list: [1, null, 'a'] },
    summary: 'op=x',
  },
  { seq: 16, t: 15, kind: 'message-sent', message: 2, connection: 1, messageKind: 'reply', fromPid: 10, toPid: 9, service: 's', expectsReply: false, sync: false, inReplyTo: 1, size: 0, boosting: false, summary: '' },
  // An XPC null payload is a value, not a missing one.
  { seq: 17, t: 16, kind: 'message-sent', message: 3, connection: 1, messageKind: 'error', fromPid: 10, service: 's', expectsReply: false, sync: false, size: 0, boosting: false, value: null, summary: 'null' },
  { seq: 18, t: 17, kind: 'message-delivered', message: 1, toPid: 10 },
  { seq: 19, t: 18, kind: 'message-handled', message: 1, pid: 10, durationNs: 5 },
  { seq: 20, t: 19, kind: 'reply-created', request: 1, pid: 10 },
  { seq: 21, t: 20, kind: 'reply-received', request: 1, reply: 2, toPid: 9, latencyNs: 7 },
  { seq: 22, t: 21, kind: 'reply-failed', request: 1, toPid: 9, error: 'e', reason: 'r', latencyNs: 8, observedBy: 'probe' },
  { seq: 23, t: 22, kind: 'message-dropped', message: 3, reason: 'cancelled' },
  { seq: 24, t: 23, kind: 'transaction', pid: 10, job: 'a', delta: 1, count: 1, cause: 'delivery', message: 1 },
  { seq: 25, t: 24, kind: 'transaction', pid: 10, delta: -1, count: 0, cause: 'explicit-end' },
  { seq: 26, t: 25, kind: 'idle', pid: 10, job: 'a' },
  { seq: 27, t: 26, kind: 'transaction-long-held', pid: 10, count: 1, heldNs: 9, oldestCause: 'delivery' },
  { seq: 28, t: 27, kind: 'termination-imminent', pid: 10, job: 'a', transactionsHeld: 1 },
  { seq: 29, t: 28, kind: 'boost', pid: 10, job: 'a', delta: 1, count: 1, cause: 'message', message: 1 },
];

describe('batch frames', () => {
  it('give back every kind of event exactly as JSON would', () => {
    const decoded = roundTrip(varied);
    expect(decoded.subscription).toBe(3);
    expect(decoded.batch.lastSeq).toBe(99);
    expect(decoded.batch.events).toEqual(viaJson(varied));
    expect(decoded.batch.events.map((e) => Object.keys(e).sort())).toEqual(varied.map((e) => Object.keys(e).sort()));
  });

  it('carry events that do not fit their layout whole', () => {
    const odd = [
      // An extra key the layout does not know.
      { seq: 1, t: 0, kind: 'idle', pid: 1, job: 'a', note: 'extra' },
      // A field of another type than the schema says.
      { seq: 2, t: 1, kind: 'message-handled', message: '7', pid: 1, durationNs: 1 },
      // A required field missing.
      { seq: 3, t: 2, kind: 'reply-created', request: 4 },
      // A kind this version does not know.
      { seq: 4, t: 3, kind: 'something-new', x: [1, 2] },
      // A field holding undefined is left out, as JSON leaves it out.
      { seq: 5, t: 4, kind: 'transaction', pid: 1, job: undefined, delta: 1, count: 1, cause: 'delivery' },
    ] as unknown as WireEvent[];
    expect(roundTrip(odd).batch.events).toEqual(viaJson(odd));
    expect(Object.keys(roundTrip(odd).batch.events[4]!)).not.toContain('job');
  });

  it('give back a long synthetic session, batch by batch', () => {
    const events = [...syntheticSession({ requests: 3000, seed: 7 })];
    for (let i = 0; i < events.length; i += 4096) {
      const batch = events.slice(i, i + 4096);
      expect(roundTrip(batch, batch[batch.length - 1]!.seq).batch.events).toEqual(viaJson(batch));
    }
  });

  it('carry an empty batch', () => {
    expect(roundTrip([], 0, 1)).toEqual({ subscription: 1, batch: { events: [], lastSeq: 0 } });
  });

  it('decode from an unaligned view of a larger buffer', () => {
    const frame = encodeBatchFrame(2, { events: varied, lastSeq: 40 });
    const larger = new Uint8Array(frame.length + 3);
    larger.set(frame, 3);
    expect(decodeBatchFrame(larger.subarray(3)).batch.events).toEqual(viaJson(varied));
  });

  it('refuse what is not a batch frame', () => {
    expect(() => decodeBatchFrame(new Uint8Array(8))).toThrow(BatchFrameError);
    expect(() => decodeBatchFrame(new Uint8Array(64))).toThrow(/magic/);
    const frame = encodeBatchFrame(2, { events: varied, lastSeq: 40 });
    expect(() => decodeBatchFrame(frame.subarray(0, frame.length - 1))).toThrow(/sizes/);
  });
});
