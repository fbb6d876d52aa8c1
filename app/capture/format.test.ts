import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../events/wire-event';
import { EVENT_KINDS, type InspectorEvent } from '../events/schema';
import { toXpcJson } from '../xpc/json';
import { xpc } from '../xpc/value';
import { anyEvent, eventOfKind, eventSequence } from './fixtures/event-arbitrary';
import {
  CaptureDecoder,
  CaptureWriteError,
  createCaptureHeader,
  endLine,
  eventLine,
  formatLineError,
  fromWireEvent,
  headerLine,
  parseEventLine,
  parseHeaderLine,
  toWireEvent,
  wireEventLine,
  type DecodedLine,
} from './format';

const header = createCaptureHeader(1_795_381_001_123, { kind: 'broker', jobsDir: '/tmp/jobs', socketPath: '/tmp/x/broker.sock', hostname: 'mac', pid: 42 });

function decodeAll(lines: readonly string[]): { decoder: CaptureDecoder; results: DecodedLine[] } {
  const decoder = new CaptureDecoder();
  return { decoder, results: lines.map((line, i) => decoder.line(line, i + 1)) };
}

function errorsOf(results: readonly DecodedLine[]): string[] {
  return results.flatMap((r) => (r.type === 'error' ? [formatLineError(r.error)] : []));
}

const sent: InspectorEvent = {
  seq: 7,
  t: 1_500,
  kind: 'message-sent',
  message: 3,
  connection: 1,
  messageKind: 'message',
  fromPid: 400,
  service: 'com.example.echo',
  expectsReply: true,
  sync: false,
  size: 64,
  boosting: true,
  value: xpc.dictionary([
    ['op', xpc.string('ping')],
    ['big', xpc.uint64(2n ** 64n - 1n)],
  ]),
  summary: 'op=ping',
};

describe('capture lines', () => {
  it('writes the header with its fields in a fixed order', () => {
    expect(headerLine(header)).toBe(
      '{"format":"xpc-inspector-capture","version":1,"startedAtWallMs":1795381001123,' +
        '"source":{"kind":"broker","jobsDir":"/tmp/jobs","socketPath":"/tmp/x/broker.sock","hostname":"mac","pid":42},' +
        '"createdBy":"xpc-inspector 0.1.0"}',
    );
  });

  it('writes an event as seq, t, kind, then the fields of its kind in schema order, the value as XPC-JSON', () => {
    // Fields deliberately given out of order: the line must not depend on object key order.
    const { summary, ...rest } = sent;
    const shuffled = { summary, ...rest } as InspectorEvent;
    expect(eventLine(shuffled)).toBe(
      '{"seq":7,"t":1500,"kind":"message-sent","message":3,"connection":1,"messageKind":"message","fromPid":400,' +
        '"service":"com.example.echo","expectsReply":true,"sync":false,"size":64,"boosting":true,' +
        '"value":{"op":"ping","big":{"$uint64":"18446744073709551615"}},"summary":"op=ping"}',
    );
  });

  it('writes a live event and its wire form to the same line', () => {
    expect(wireEventLine(toWireEvent(sent))).toBe(eventLine(sent));
  });

  it('reads back an event equal to the one written, XPC value included', () => {
    const result = parseEventLine(eventLine(sent));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toEqual(toWireEvent(sent));
    const live = fromWireEvent(result.event);
    expect(live.kind === 'message-sent' && live.value && toXpcJson(live.value)).toEqual(toXpcJson(sent.value!));
  });

  it('refuses to write an event that would not read back: NaN, a missing field, an unknown kind', () => {
    expect(() => eventLine({ ...sent, size: NaN } as InspectorEvent)).toThrow(
      new CaptureWriteError('cannot write event seq 7 (message-sent): field "size" must be a finite number, got number NaN'),
    );
    const { service: _service, ...withoutService } = sent;
    expect(() => eventLine(withoutService as unknown as InspectorEvent)).toThrow('cannot write event seq 7 (message-sent): field "service" is missing');
    expect(() => eventLine({ ...sent, kind: 'nope' } as unknown as InspectorEvent)).toThrow('cannot write event seq 7: unknown kind "nope"');
  });

  it('writes the end line with the event count and last seq', () => {
    expect(endLine({ events: 3, lastSeq: 9 })).toBe('{"end":{"events":3,"lastSeq":9}}');
  });

  it('round-trips every event kind: written, read and written again gives the same bytes (property)', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        const line = wireEventLine(event);
        const read = parseEventLine(line);
        if (!read.ok) throw new Error(`${read.message}\n${line}`);
        expect(wireEventLine(read.event)).toBe(line);
      }),
      { numRuns: 600 },
    );
  });

  it('has a generator for every kind, and each kind reads back (covers all 24 kinds)', () => {
    for (const kind of EVENT_KINDS) {
      const [event] = fc.sample(eventOfKind(kind), { numRuns: 1, seed: 7 });
      const read = parseEventLine(wireEventLine(event!));
      expect(read.ok ? read.event.kind : read.message).toBe(kind);
    }
  });
});

describe('event validation', () => {
  const valid = JSON.parse(eventLine(sent)) as Record<string, unknown>;
  const reject = (change: (event: Record<string, unknown>) => void): string => {
    const copy = structuredClone(valid);
    change(copy);
    const result = parseEventLine(JSON.stringify(copy));
    return result.ok ? 'accepted' : result.message;
  };

  it('names the kind and field whose type is wrong', () => {
    expect(reject((e) => (e['message'] = 'abc'))).toBe('event kind "message-sent": field "message" must be a number (a non-negative integer), got string "abc"');
  });

  it('rejects a missing required field', () => {
    expect(reject((e) => delete e['service'])).toBe('event kind "message-sent": missing field "service"');
  });

  it('rejects an unknown kind and a missing kind', () => {
    expect(reject((e) => (e['kind'] = 'message-teleported'))).toBe('unknown event kind string "message-teleported"');
    expect(reject((e) => (e['kind'] = 'constructor'))).toBe('unknown event kind string "constructor"');
    expect(reject((e) => delete e['kind'])).toBe('event has no "kind" field');
  });

  it('rejects a field the kind does not have', () => {
    expect(reject((e) => (e['colour'] = 'red'))).toBe('event kind "message-sent": unknown field "colour"');
  });

  it('rejects a value outside its enumeration, a negative pid, a fractional seq and a non-integer delta', () => {
    expect(reject((e) => (e['messageKind'] = 'telegram'))).toBe('event kind "message-sent": field "messageKind" must be one of "message", "reply", "error", got string "telegram"');
    expect(reject((e) => (e['fromPid'] = -1))).toContain('field "fromPid" must be a number (a non-negative integer), got number -1');
    expect(reject((e) => (e['seq'] = 1.5))).toContain('field "seq" must be a number');
    const transaction = parseEventLine('{"seq":1,"t":0,"kind":"transaction","pid":1,"delta":2,"count":1,"cause":"delivery"}');
    expect(transaction.ok ? 'accepted' : transaction.message).toBe('event kind "transaction": field "delta" must be one of 1, -1, got number 2');
  });

  it('rejects null where the schema does not allow it and accepts it where it does', () => {
    const exited = { seq: 1, t: 0, kind: 'process-exited', pid: 9, code: null, signal: 'SIGKILL', reason: 'crashed', description: 'killed', transactionsHeld: 0 };
    expect(parseEventLine(JSON.stringify(exited)).ok).toBe(true);
    const bad = parseEventLine(JSON.stringify({ ...exited, reason: null }));
    expect(bad.ok ? 'accepted' : bad.message).toBe('event kind "process-exited": field "reason" must be one of "exited", "crashed", "idle-exit", "terminated", "client-exited", "launch-failed", got null');
  });

  it('checks nested objects field by field', () => {
    const attached = { seq: 1, t: 0, kind: 'process-attached', process: { pid: 5, uid: 501, gid: 20, name: 'Mail' }, processType: 'app' };
    expect(parseEventLine(JSON.stringify(attached)).ok).toBe(true);
    const bad = parseEventLine(JSON.stringify({ ...attached, process: { pid: 5, uid: '501', gid: 20, name: 'Mail' } }));
    expect(bad.ok ? 'accepted' : bad.message).toBe('event kind "process-attached": field "process.uid" must be a number (a non-negative integer), got string "501"');
    const extra = parseEventLine(JSON.stringify({ ...attached, process: { pid: 5, uid: 1, gid: 20, name: 'Mail', tty: 'x' } }));
    expect(extra.ok ? 'accepted' : extra.message).toBe('event kind "process-attached": unknown field "process.tty"');
  });

  it('rejects a value that is not valid XPC-JSON, with the JSON path inside it', () => {
    expect(reject((e) => (e['value'] = { a: { $int64: 'x' } }))).toBe(
      'event kind "message-sent": field "value" is not valid XPC-JSON: $.a: $int64 "x" is not a decimal integer',
    );
  });

  it('reports JSON syntax errors', () => {
    const result = parseEventLine('{"seq":1,');
    expect(result.ok ? 'accepted' : result.message).toMatch(/^not valid JSON \(/);
  });
});

describe('the capture decoder', () => {
  const lines = (events: readonly WireEvent[]): string[] => [headerLine(header), ...events.map(wireEventLine)];

  it('reads header, events and end line of a well-formed capture with no error (property)', () => {
    fc.assert(
      fc.property(eventSequence(), (events) => {
        const last = events[events.length - 1]?.seq ?? 0;
        const { decoder, results } = decodeAll([...lines(events), endLine({ events: events.length, lastSeq: last })]);
        expect(errorsOf(results)).toEqual([]);
        expect(decoder.eventCount).toBe(events.length);
        expect(decoder.end).toEqual({ events: events.length, lastSeq: last });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a file whose first line is not a capture header', () => {
    const { results } = decodeAll(['{"hello":"world"}', wireEventLine(toWireEvent(sent))]);
    expect(errorsOf(results)).toEqual([
      'line 1: not an XPC Inspector capture: the first line has no "format" field (expected "xpc-inspector-capture")',
      'line 2: not read: the header was not valid',
    ]);
    expect(results[0]!.type === 'error' && results[0]!.fatal).toBe(true);
    const other = parseHeaderLine('{"format":"pcap","version":1}');
    expect(other.ok ? 'accepted' : other.message).toBe('not an XPC Inspector capture: format is string "pcap", expected "xpc-inspector-capture"');
    const text = parseHeaderLine('2026-11-22 10:00 log text');
    expect(text.ok ? 'accepted' : text.message).toMatch(/^not an XPC Inspector capture: the first line is not JSON \(it starts "2026-11-22 10:00 log text"\)/);
  });

  it('rejects a newer format version with a message saying to update', () => {
    const newer = parseHeaderLine(headerLine(header).replace('"version":1', '"version":2'));
    expect(newer.ok ? 'accepted' : newer.message).toBe(
      'capture format version 2 is newer than this XPC Inspector reads (version 1); update XPC Inspector to open it',
    );
  });

  it('tolerates unknown source fields in the header and drops them', () => {
    const parsed = parseHeaderLine(headerLine(header).replace('"pid":42', '"pid":42,"future":"x"'));
    expect(parsed.ok && parsed.header).toEqual(header);
  });

  it('rejects an event whose seq does not increase and keeps reading after it', () => {
    const a = { ...toWireEvent(sent), seq: 5 } as WireEvent;
    const b = { ...toWireEvent(sent), seq: 5 } as WireEvent;
    const c = { ...toWireEvent(sent), seq: 6 } as WireEvent;
    const { decoder, results } = decodeAll(lines([a, b, c]));
    expect(errorsOf(results)).toEqual(['line 3: event kind "message-sent": seq 5 does not follow seq 5; seq must increase']);
    expect(decoder.eventCount).toBe(2);
  });

  it('checks the end line against the events before it and refuses lines after it', () => {
    const e = toWireEvent(sent);
    const { results } = decodeAll([...lines([e]), endLine({ events: 2, lastSeq: 7 }), wireEventLine({ ...e, seq: 8 } as WireEvent)]);
    expect(errorsOf(results)).toEqual([
      'line 3: end line says 2 events but the capture holds 1 event lines',
      'line 4: nothing may follow the end line (line 3)',
    ]);
  });

  it('counts rejected event lines against the end line, so one bad line is reported once', () => {
    const e = toWireEvent(sent);
    const { results } = decodeAll([...lines([e]), '{"seq":8,"t":1,"kind":"idle"}', endLine({ events: 2, lastSeq: 8 })]);
    expect(errorsOf(results)).toEqual(['line 3: event kind "idle": missing field "pid"']);
  });

  it('rejects empty lines in the middle and accepts CRLF line ends', () => {
    const e = toWireEvent(sent);
    const { results } = decodeAll([`${headerLine(header)}\r`, '', `${wireEventLine(e)}\r`]);
    expect(errorsOf(results)).toEqual(['line 2: empty line (every line of a capture is one JSON event)']);
  });
});
