import { describe, expect, it } from 'vitest';
import { decodeXpc, encodeXpc } from '../xpc/codec';
import { xpc } from '../xpc/value';
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
  });
});
