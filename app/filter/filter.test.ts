import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { JobSummary } from '../events/schema';
import { EventBuilder } from '../model/event-builder';
import { InspectorModel } from '../model/inspector-model';
import { syntheticSession } from '../model/synthetic-session';
import { FilteredRows } from './filtered-rows';
import { parseFilter, type FilterError } from './filter';

const JOB: JobSummary = {
  label: 'com.example.echo',
  kind: 'launch-agent',
  machServices: ['com.example.echo'],
  program: '/bin/echo-service',
  arguments: [],
  keepAlive: false,
  runAtLoad: false,
  throttleIntervalSec: 10,
  pressuredExit: true,
  adaptive: true,
  file: '/jobs/echo.plist',
};

/**
 * A small session whose rows are named by their summaries:
 *   ping (request → answered by pong after 2 ms), pong (reply), slow (request, failed after 9 ms),
 *   the error row, fire (one-way, boosting), waiting (unanswered request to com.example.store),
 *   plus lifecycle rows (job loaded, attach, connection events, crash).
 */
function session(): InspectorModel {
  const model = new InspectorModel();
  const s = new EventBuilder();
  s.add({ kind: 'job-loaded', job: JOB, warnings: [] });
  s.add({ kind: 'process-attached', process: { pid: 100, uid: 501, gid: 20, name: 'Mail' }, processType: 'app' });
  s.add({ kind: 'process-attached', process: { pid: 200, uid: 501, gid: 20, name: 'echo-service' }, processType: 'background', job: JOB.label });
  s.add({ kind: 'connection-opened', connection: 1, clientPid: 100, service: 'com.example.echo', privileged: false, api: 'connection', viaEndpoint: false });
  s.add({ kind: 'connection-bound', connection: 1, servicePid: 200, job: JOB.label });
  s.add({ kind: 'connection-opened', connection: 2, clientPid: 100, service: 'com.example.store', privileged: false, api: 'connection', viaEndpoint: false });
  const send = (message: number, connection: number, summary: string, extra: Partial<{ expectsReply: boolean; sync: boolean; boosting: boolean; size: number; value: unknown; inReplyTo: number; fromPid: number; kind: 'message' | 'reply' }>): void => {
    s.add({
      kind: 'message-sent',
      message,
      connection,
      messageKind: extra.kind ?? 'message',
      fromPid: extra.fromPid ?? 100,
      toPid: connection === 1 ? (extra.fromPid === 200 ? 100 : 200) : undefined,
      service: connection === 1 ? 'com.example.echo' : 'com.example.store',
      expectsReply: extra.expectsReply ?? false,
      sync: extra.sync ?? false,
      inReplyTo: extra.inReplyTo,
      size: extra.size ?? 100,
      boosting: extra.boosting ?? false,
      value: extra.value,
      summary,
    });
  };
  send(1, 1, 'ping', { expectsReply: true, sync: true, value: { op: 'ping', Note: 'Hello World' } });
  s.after(2_000_000);
  send(2, 1, 'pong', { kind: 'reply', fromPid: 200, inReplyTo: 1, size: 5000 });
  s.add({ kind: 'reply-received', request: 1, reply: 2, toPid: 100, latencyNs: 2_000_000 });
  send(3, 1, 'slow', { expectsReply: true });
  s.after(9_000_000).add({ kind: 'reply-failed', request: 3, toPid: 100, error: 'Connection interrupted', reason: 'echo crashed', latencyNs: 9_000_000 });
  send(4, 1, 'fire', { boosting: true });
  send(5, 2, 'waiting', { expectsReply: true });
  s.add({ kind: 'process-exited', job: JOB.label, pid: 200, code: null, signal: 'SIGABRT', reason: 'crashed', description: 'abort', transactionsHeld: 0 });
  model.applyBatch(s.take());
  return model;
}

function select(model: InspectorModel, text: string): string[] {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  const view = new FilteredRows(model, parsed.filter);
  return Array.from(view.rows.view(), (row) => model.rows.summary[model.rows.slot(row)]!);
}

function errorOf(text: string): FilterError {
  const parsed = parseFilter(text);
  if (parsed.ok) throw new Error(`${text} parsed`);
  return parsed.error;
}

const MESSAGES = ['ping', 'pong', 'slow', 'fire', 'waiting'];
const onlyMessages = (rows: string[]): string[] => rows.filter((r) => MESSAGES.includes(r) || r.startsWith('Connection interrupted'));

describe('fields', () => {
  const model = session();

  test('the empty filter (or only spaces) selects every row', () => {
    expect(select(model, '   ')).toHaveLength(model.rows.count);
  });

  test('service: matches a part of the service name or job label, case-insensitively; * is a wildcard', () => {
    expect(onlyMessages(select(model, 'service:STORE'))).toEqual(['waiting']);
    expect(onlyMessages(select(model, 'service:com.example.echo'))).toEqual(['ping', 'pong', 'slow', 'Connection interrupted instead of a reply to #3: echo crashed', 'fire']);
    expect(onlyMessages(select(model, 'service:*.store'))).toEqual(['waiting']);
    expect(select(model, 'service:*.sto')).toEqual([]);
  });

  test('pid: matches either end; from: and to: match one end by pid or process name', () => {
    expect(onlyMessages(select(model, 'pid:200'))).toEqual(['ping', 'pong', 'slow', 'Connection interrupted instead of a reply to #3: echo crashed', 'fire']);
    expect(onlyMessages(select(model, 'from:echo-service'))).toEqual(['pong', 'Connection interrupted instead of a reply to #3: echo crashed']);
    expect(onlyMessages(select(model, 'to:mail kind:reply'))).toEqual(['pong']);
    expect(onlyMessages(select(model, 'from:100 kind:message'))).toEqual(['ping', 'slow', 'fire', 'waiting']);
  });

  test('kind: selects row kinds and event kinds', () => {
    expect(select(model, 'kind:reply')).toEqual(['pong']);
    expect(select(model, 'kind:error')).toEqual(['Connection interrupted instead of a reply to #3: echo crashed']);
    expect(select(model, 'kind:process-exited')).toEqual(['com.example.echo (pid 200) crashed: abort']);
    expect(select(model, 'kind:lifecycle').length).toBe(7);
  });

  test('has: and is: select by what happened to a message', () => {
    expect(onlyMessages(select(model, 'is:unanswered'))).toEqual(['waiting']);
    expect(select(model, 'is:answered')).toEqual(['ping']);
    expect(select(model, 'is:failed')).toEqual(['slow']);
    expect(select(model, 'is:sync')).toEqual(['ping']);
    expect(select(model, 'is:async')).toEqual(['slow', 'waiting']);
    expect(select(model, 'is:oneway')).toEqual(['fire']);
    expect(select(model, 'is:request')).toEqual(['ping', 'slow', 'waiting']);
    expect(select(model, 'has:boost')).toEqual(['fire']);
    expect(select(model, 'has:error')).toEqual(['slow', 'Connection interrupted instead of a reply to #3: echo crashed', 'com.example.echo (pid 200) crashed: abort']);
    expect(select(model, 'has:reply')).toEqual(['ping']);
    expect(select(model, 'has:payload')).toEqual(['ping']);
  });

  test('latency compares with units ns/us/ms/s and every operator', () => {
    expect(select(model, 'latency>5ms')).toEqual(['slow', 'Connection interrupted instead of a reply to #3: echo crashed']);
    expect(select(model, 'latency>=2ms kind:reply')).toEqual(['pong']);
    expect(select(model, 'latency<2000us')).toEqual([]);
    expect(select(model, 'latency<=2000000ns kind:message')).toEqual(['ping']);
    expect(select(model, 'latency=0.002s kind:message')).toEqual(['ping']);
    expect(select(model, 'latency>1s')).toEqual([]);
  });

  test('size, conn and msg compare numbers; msg finds a message and its reply', () => {
    expect(select(model, 'size>4kb')).toEqual(['pong']);
    expect(onlyMessages(select(model, 'conn:2'))).toEqual(['waiting']);
    expect(select(model, 'msg:1')).toEqual(['ping', 'pong']);
    expect(select(model, 'msg:#3')).toEqual(['slow', 'Connection interrupted instead of a reply to #3: echo crashed']);
  });

  test('free text is case-insensitive and also searches payload values; quotes keep phrases together', () => {
    expect(select(model, 'PING')).toEqual(['ping']);
    expect(select(model, 'hello')).toEqual(['ping']);
    expect(select(model, '"hello world"')).toEqual(['ping']);
    expect(select(model, 'hello world')).toEqual(['ping']);
    expect(select(model, '"world hello"')).toEqual([]);
    expect(select(model, '"echo crashed"')).toEqual(['Connection interrupted instead of a reply to #3: echo crashed']);
  });
});

describe('combining terms', () => {
  const model = session();

  test('juxtaposition is AND; OR has lower precedence', () => {
    expect(select(model, 'kind:message is:request service:store')).toEqual(['waiting']);
    expect(select(model, 'kind:reply OR is:oneway')).toEqual(['pong', 'fire']);
    // (ping AND sync) OR fire
    expect(select(model, 'ping is:sync OR fire')).toEqual(['ping', 'fire']);
    expect(select(model, 'ping is:sync | fire')).toEqual(['ping', 'fire']);
    expect(select(model, 'kind:message AND is:oneway')).toEqual(['fire']);
  });

  test('parentheses group', () => {
    expect(select(model, 'kind:message (ping OR fire)')).toEqual(['ping', 'fire']);
    expect(select(model, '(kind:message ping) OR (kind:reply)')).toEqual(['ping', 'pong']);
  });

  test('-, ! and NOT negate a term or a group; != negates a field', () => {
    const messages = 'kind:message';
    expect(select(model, `${messages} -is:request`)).toEqual(['fire']);
    expect(select(model, `${messages} !is:request`)).toEqual(['fire']);
    expect(select(model, `${messages} NOT is:request`)).toEqual(['fire']);
    expect(select(model, `${messages} -(ping OR slow)`)).toEqual(['fire', 'waiting']);
    expect(select(model, `${messages} service!=echo`)).toEqual(['waiting']);
    expect(select(model, `${messages} -"slow"`)).toEqual(['ping', 'fire', 'waiting']);
  });
});

describe('errors say where and what was expected', () => {
  test('a comparison without a value', () => {
    const error = errorOf('kind:reply latency>');
    expect(error.position).toBe(11);
    expect(error.message).toBe('latency> needs a value');
    expect(error.expected).toContain('duration');
  });

  test('a duration without a unit, or with an unknown one', () => {
    expect(errorOf('latency>5')).toMatchObject({ position: 8, end: 9, message: '5 needs a unit' });
    expect(errorOf('latency>5h').message).toBe('unknown duration unit "h"');
  });

  test('an unknown field, with a suggestion', () => {
    const error = errorOf('serivce:com.example.echo');
    expect(error).toMatchObject({ position: 0, end: 7 });
    expect(error.message).toContain('did you mean service?');
    expect(error.expected).toContain('quotes');
  });

  test('an unknown kind, has: or is: value', () => {
    expect(errorOf('kind:replys')).toMatchObject({ position: 5, end: 11, message: 'unknown kind "replys" — did you mean reply?' });
    expect(errorOf('kind:bogus').expected).toContain('message, reply, error, lifecycle, output');
    expect(errorOf('has:errors').expected).toContain('has:error');
    expect(errorOf('is:pending').position).toBe(3);
  });

  test('a comparison a field does not support', () => {
    expect(errorOf('service>foo')).toMatchObject({ position: 7, end: 8, message: 'service cannot be compared with >' });
  });

  test('unbalanced parentheses and quotes', () => {
    expect(errorOf('(ping OR pong')).toMatchObject({ position: 0, message: 'unclosed "("' });
    expect(errorOf('ping)')).toMatchObject({ position: 4, message: 'unmatched ")"' });
    expect(errorOf('"ping')).toMatchObject({ position: 0, end: 5, message: 'unterminated quote' });
    expect(errorOf('()')).toMatchObject({ position: 1 });
  });

  test('dangling operators', () => {
    expect(errorOf('ping OR')).toMatchObject({ position: 5, end: 7 });
    expect(errorOf('AND ping')).toMatchObject({ position: 0 });
    expect(errorOf('ping -')).toMatchObject({ position: 5 });
    expect(errorOf('ping NOT')).toMatchObject({ position: 5 });
    expect(errorOf('a OR OR b').position).toBe(2);
  });

  test('a quoted field value may contain spaces and parentheses', () => {
    expect(parseFilter('service:"com.example.my service (beta)"').ok).toBe(true);
  });
});

describe('incremental selection', () => {
  test('a request leaves is:unanswered the moment its reply arrives', () => {
    const model = new InspectorModel();
    const s = new EventBuilder();
    s.add({ kind: 'connection-opened', connection: 1, clientPid: 1, service: 'svc', privileged: false, api: 'connection', viaEndpoint: false });
    s.add({ kind: 'message-sent', message: 1, connection: 1, messageKind: 'message', fromPid: 1, service: 'svc', expectsReply: true, sync: false, size: 1, boosting: false, summary: 'q' });
    model.applyBatch(s.take());
    const parsed = parseFilter('is:unanswered');
    if (!parsed.ok) throw new Error('parse');
    const view = new FilteredRows(model, parsed.filter);
    expect(view.rows.length).toBe(1);
    s.add({ kind: 'message-sent', message: 2, connection: 1, messageKind: 'reply', fromPid: 2, service: 'svc', expectsReply: false, sync: false, inReplyTo: 1, size: 1, boosting: false, summary: 'a' });
    model.applyBatch(s.take());
    expect(view.update(model.takeMutations())).toBe(true);
    expect(view.rows.length).toBe(0);
  });

  test('live updates in any batch sizes, with rows dropping off the cap, select what a fresh filter selects', () => {
    const filters = ['is:unanswered', 'latency>12us', 'kind:reply OR has:error', 'service:charlie -is:sync', 'tx>0', 'to:helper1'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(...filters),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 10 }),
        (seed, text, sizes) => {
          const events = [...syntheticSession({ requests: 60, seed, failEvery: 7 })];
          const model = new InspectorModel({ rowCapacity: 50 });
          const parsed = parseFilter(text);
          if (!parsed.ok) throw new Error(text);
          const live = new FilteredRows(model, parsed.filter);
          let at = 0;
          for (let i = 0; at < events.length; i++) {
            const size = sizes[i % sizes.length]!;
            model.applyBatch(events.slice(at, at + size));
            at += size;
            live.update(model.takeMutations());
          }
          const fresh = new FilteredRows(model, parsed.filter);
          expect(Array.from(live.rows.view())).toEqual(Array.from(fresh.rows.view()));
        },
      ),
      { numRuns: 80 },
    );
  });

  test('changing the filter re-selects from every held row', () => {
    const model = session();
    const first = parseFilter('kind:reply');
    const second = parseFilter('kind:error');
    if (!first.ok || !second.ok) throw new Error('parse');
    const view = new FilteredRows(model, first.filter);
    view.setFilter(second.filter);
    expect(view.rows.length).toBe(1);
    expect(view.filter).toBe(second.filter);
  });
});

describe('is:probe', () => {
  test('selects the messages the native probe saw in real processes, not those the broker routed', () => {
    const model = new InspectorModel();
    const s = new EventBuilder();
    const send = (message: number, summary: string, observedBy?: 'probe'): void => {
      s.add({ kind: 'message-sent', message, connection: 1, messageKind: 'message', fromPid: 100, service: 'com.apple.example', expectsReply: false, sync: false, size: 64, boosting: false, summary, ...(observedBy ? { observedBy } : {}) });
    };
    send(1, 'routed');
    send(2, 'observed', 'probe');
    model.applyBatch(s.take());
    expect(select(model, 'is:probe')).toEqual(['observed']);
    expect(select(model, '-is:probe kind:message')).toEqual(['routed']);
  });
});
