import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeXpc, encodeXpc } from '../xpc/codec';
import { dictGet, xpc, xpcEquals, type XpcValue } from '../xpc/value';
import { decodeProbeRecord, encodeProbeRecord, PROBE_RECORDS, type ProbeRecord } from './probe';

const SAMPLES: ProbeRecord[] = [
  { record: 'hello', t: 0, version: 1, pid: 123, executable: '/Applications/X.app/Contents/MacOS/X', name: 'X' },
  { record: 'connection-created', t: 5, connection: 0xffff_ffff_ffff_fff0n, service: 'com.apple.example', privileged: true, listener: false },
  { record: 'connection-resumed', t: 6, connection: 1n },
  { record: 'connection-suspended', t: 7, connection: 1n, dropped: 3 },
  { record: 'message-sent', t: 8, connection: 1n, message: 1, service: 's', peerPid: 9, expectsReply: true, sync: false, body: xpc.dictionary({ a: xpc.int64(1) }) },
  { record: 'message-received', t: 9, connection: 1n, message: 2, bodyError: 'body not captured: …' },
  { record: 'reply-received', t: 10, connection: 1n, message: 3, request: 1, body: xpc.error('Connection invalid'), reason: 'gone' },
  { record: 'connection-error', t: 11, connection: 1n, error: 'Connection interrupted' },
  { record: 'connection-canceled', t: 12, connection: 1n },
  { record: 'connection-created', t: 13, connection: 2n, service: '', privileged: false, listener: true, anonymous: true, api: 'connection' },
  { record: 'connection-created', t: 14, connection: 3n, service: 'com.example.s', privileged: false, peerOf: 2n, peerPid: 77, api: 'session' },
  { record: 'connection-activated', t: 15, connection: 3n },
  { record: 'endpoint-created', t: 16, endpoint: 0x5000n, connection: 2n },
  { record: 'barrier', t: 17, connection: 3n, ran: true },
  { record: 'requirement-set', t: 18, connection: 3n, requirement: 'team-identity: ABCDE12345', accepted: true },
  { record: 'reply-created', t: 19, request: 2 },
  { record: 'transaction', t: 20, delta: -1 },
  { record: 'message-sent', t: 21, connection: 3n, message: 4, expectsReply: false, sync: false, inReplyTo: 2, body: xpc.dictionary({}) },
  { record: 'connection-error', t: 22, connection: 3n, error: 'Peer closed the session', retryable: true },
];

describe('probe records', () => {
  it('has a sample of every record kind', () => {
    expect(new Set(SAMPLES.map((s) => s.record))).toEqual(new Set(Object.keys(PROBE_RECORDS)));
  });

  for (const sample of SAMPLES) {
    it(`${sample.record} survives encode → XPC bytes → decode`, () => {
      const bytes = encodeXpc(encodeProbeRecord(sample));
      const value = decodeXpc(bytes);
      if (!value.ok) throw value.error;
      expect(decodeProbeRecord(value.value)).toEqual({ ok: true, record: sample });
    });
  }

  it('names what is wrong', () => {
    expect(decodeProbeRecord(undefined)).toEqual({ ok: false, error: 'empty frame: every probe frame must carry a record dictionary' });
    expect(decodeProbeRecord(xpc.dictionary({ record: xpc.string('connection-canceled'), t: xpc.int64(0), connection: xpc.int64(-1) }))).toEqual({
      ok: false,
      error: "record 'connection-canceled': key 'connection' must be uint64, got int64 -1",
    });
    expect(decodeProbeRecord(xpc.dictionary({ record: xpc.string('toString'), t: xpc.int64(0) }))).toEqual({ ok: false, error: 'unknown record "toString"' });
    expect(decodeProbeRecord(xpc.dictionary({ t: xpc.int64(0) }))).toEqual({ ok: false, error: "the record dictionary has no 'record' key" });
    expect(decodeProbeRecord(xpc.dictionary({ record: xpc.string('transaction'), t: xpc.int64(0), delta: xpc.int64(2) }))).toEqual({
      ok: false,
      error: "record 'transaction': key 'delta' must be int64 1 or -1, got int64 2",
    });
  });
});

describe('probe records carrying the message bytes (bodyBytes)', () => {
  /** B4: a libxpc Mach message body ('CPX@'); SOURCES.md beside it says where it comes from. */
  const cpx = new Uint8Array(readFileSync(new URL('../../../shared/interop/xpc-samples/xniff-entry2-testmsg.cpx.bin', import.meta.url)));
  const sent = (extra: Record<string, XpcValue>) =>
    xpc.dictionary({ record: xpc.string('message-sent'), t: xpc.int64(1), connection: xpc.uint64(1n), message: xpc.int64(1), expectsReply: xpc.bool(false), sync: xpc.bool(false), ...extra });

  it('decodes a libxpc body into body', () => {
    const decoded = decodeProbeRecord(sent({ bodyBytes: xpc.data(cpx) }));
    if (!decoded.ok) throw new Error(decoded.error);
    const record = decoded.record;
    expect('bodyBytes' in record).toBe(false);
    expect(record.record === 'message-sent' && record.body !== undefined && xpcEquals(dictGet(record.body, 'string_key') ?? xpc.null(), xpc.string('hello from xpc'))).toBe(true);
  });

  it('decodes a RemoteXPC payload into body', () => {
    const body = xpc.dictionary({ a: xpc.int64(1) });
    const decoded = decodeProbeRecord(sent({ bodyBytes: xpc.data(encodeXpc(body)) }));
    expect(decoded.ok && decoded.record.record === 'message-sent' && decoded.record.body !== undefined && xpcEquals(decoded.record.body, body)).toBe(true);
  });

  it('refuses bytes that do not decode, naming the offset, and a record with both forms', () => {
    const bad = cpx.slice();
    bad[0x1b] = 1; // the padding after the NUL of "fd_key"
    expect(decodeProbeRecord(sent({ bodyBytes: xpc.data(bad) }))).toEqual({
      ok: false,
      error: "record 'message-sent': key 'bodyBytes' does not decode: at byte 27: expected zero alignment padding, found 0x0001 (bad-padding)",
    });
    expect(decodeProbeRecord(sent({ bodyBytes: xpc.data(cpx), body: xpc.dictionary({}) }))).toEqual({
      ok: false,
      error: "record 'message-sent': keys 'body' and 'bodyBytes' exclude each other",
    });
    expect(decodeProbeRecord(sent({ bodyBytes: xpc.string('x') }))).toMatchObject({ ok: false });
  });
});
