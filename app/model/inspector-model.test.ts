import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { JobSummary } from '../events/schema';
import { EventBuilder } from './event-builder';
import { InspectorModel } from './inspector-model';
import { NONE, ROW_KIND_CODE, RowFlag } from './row-store';
import { modelSnapshot } from './snapshot';
import { syntheticSession } from './synthetic-session';

const ECHO: JobSummary = {
  label: 'com.example.echo',
  kind: 'launch-agent',
  machServices: ['com.example.echo.xpc'],
  program: '/usr/local/bin/echo-service',
  arguments: [],
  keepAlive: false,
  runAtLoad: false,
  throttleIntervalSec: 10,
  pressuredExit: true,
  adaptive: true,
  file: '/tmp/jobs/com.example.echo.plist',
};

const CLIENT = 100;
const SERVICE = 200;

/** A loaded echo job, a running instance and one active connection (id 1) from an app client. */
function echoSession(): { model: InspectorModel; s: EventBuilder } {
  const model = new InspectorModel({ rowCapacity: 1000 });
  const s = new EventBuilder();
  s.add({ kind: 'job-loaded', job: ECHO, warnings: [] });
  s.add({ kind: 'process-attached', process: { pid: CLIENT, uid: 501, gid: 20, name: 'EchoClient' }, processType: 'app' });
  s.after(1000).add({ kind: 'connection-opened', connection: 1, clientPid: CLIENT, service: 'com.example.echo.xpc', privileged: false, api: 'connection', viaEndpoint: false });
  s.add({ kind: 'process-launched', job: ECHO.label, pid: SERVICE, reason: 'on-demand', boosted: true });
  s.add({ kind: 'process-attached', process: { pid: SERVICE, uid: 501, gid: 20, name: 'echo-service' }, processType: 'background', job: ECHO.label });
  s.add({ kind: 'connection-state', connection: 1, state: 'active', suspendCount: 0 });
  s.add({ kind: 'connection-bound', connection: 1, servicePid: SERVICE, job: ECHO.label });
  model.applyBatch(s.take());
  return { model, s };
}

function request(s: EventBuilder, message: number, summary = `{op: "echo", n: ${message}}`, value: unknown = { op: 'echo', n: message }): void {
  s.add({
    kind: 'message-sent',
    message,
    connection: 1,
    messageKind: 'message',
    fromPid: CLIENT,
    service: 'com.example.echo.xpc',
    expectsReply: true,
    sync: false,
    size: 120,
    boosting: true,
    value,
    summary,
  });
}

function reply(s: EventBuilder, message: number, request: number): void {
  s.add({
    kind: 'message-sent',
    message,
    connection: 1,
    messageKind: 'reply',
    fromPid: SERVICE,
    toPid: CLIENT,
    service: 'com.example.echo.xpc',
    expectsReply: false,
    sync: false,
    inReplyTo: request,
    size: 80,
    boosting: false,
    value: { ok: true },
    summary: '{ok: true}',
  });
}

describe('services and processes', () => {
  test('a loaded job appears as a not-running service of its kind, reachable by its MachServices name', () => {
    const model = new InspectorModel();
    const s = new EventBuilder().add({ kind: 'job-loaded', job: ECHO, warnings: ['unknown key Foo'] });
    model.applyBatch(s.take());
    const service = model.service(ECHO.label)!;
    expect(service.kind).toBe('launch-agent');
    expect(service.state).toBe('not-running');
    expect(service.warnings).toEqual(['unknown key Foo']);
    expect(model.jobForService('com.example.echo.xpc')).toBe(ECHO.label);
    expect(model.rows.flags[0]! & RowFlag.warning).toBeTruthy();
  });

  test('launch then attach makes the service running with its pid, and counts the launch', () => {
    const model = new InspectorModel();
    const s = new EventBuilder();
    s.add({ kind: 'job-loaded', job: ECHO, warnings: [] });
    s.add({ kind: 'process-launched', job: ECHO.label, pid: SERVICE, reason: 'on-demand', boosted: false });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.state).toBe('launching');
    s.add({ kind: 'process-attached', process: { pid: SERVICE, uid: 501, gid: 20, name: 'echo-service' }, processType: 'background', job: ECHO.label });
    model.applyBatch(s.take());
    const service = model.service(ECHO.label)!;
    expect(service.state).toBe('running');
    expect(service.pids).toEqual([SERVICE]);
    expect(service.launches).toBe(1);
    expect(model.processName(SERVICE)).toBe('echo-service');
  });

  test('an idle event makes the service idle and new work makes it running again', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'idle', pid: SERVICE, job: ECHO.label });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.state).toBe('idle');
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: 1, count: 1, cause: 'explicit-begin' });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.state).toBe('running');
  });

  test('a crash counts, records the exit reason, clears the held transactions and stops the service', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: 1, count: 1, cause: 'explicit-begin' });
    s.add({ kind: 'boost', pid: SERVICE, job: ECHO.label, delta: 1, count: 1, cause: 'message' });
    s.after(5000).add({
      kind: 'process-exited',
      job: ECHO.label,
      pid: SERVICE,
      code: null,
      signal: 'SIGSEGV',
      reason: 'crashed',
      description: 'killed by SIGSEGV',
      transactionsHeld: 1,
    });
    model.applyBatch(s.take());
    const service = model.service(ECHO.label)!;
    expect(service.crashes).toBe(1);
    expect(service.state).toBe('not-running');
    expect(service.pids).toEqual([]);
    expect(service.transactions).toBe(0);
    expect(service.boosts).toBe(0);
    expect(service.held).toEqual({ handlers: 0, replies: 0, explicit: 0 });
    expect(service.lastExit).toMatchObject({ reason: 'crashed', signal: 'SIGSEGV', description: 'killed by SIGSEGV', transactionsHeld: 1 });
    expect(model.process(SERVICE)!.state).toBe('exited');
    const last = model.rows.end - 1;
    expect(model.rows.flags[model.rows.slot(last)]! & RowFlag.error).toBeTruthy();
    expect(model.rows.summary[model.rows.slot(last)]).toContain('crashed');
  });

  test('an idle exit is counted and marked on the transaction chart', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'idle', pid: SERVICE, job: ECHO.label });
    s.after(1_000_000).add({ kind: 'process-exited', job: ECHO.label, pid: SERVICE, code: 0, signal: null, reason: 'idle-exit', description: 'idle timeout', transactionsHeld: 0 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.idleExits).toBe(1);
    expect(model.series(ECHO.label)!.marks.map((m) => m.kind)).toEqual(['launch', 'idle', 'idle-exit']);
  });

  test('termination imminent puts the service in the exiting state until the process exits', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'termination-imminent', pid: SERVICE, job: ECHO.label, transactionsHeld: 2 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.state).toBe('exiting');
    expect(model.service(ECHO.label)!.terminationImminent).toMatchObject({ transactionsHeld: 2 });
    s.add({ kind: 'process-exited', job: ECHO.label, pid: SERVICE, code: 0, signal: null, reason: 'terminated', description: 'stopped', transactionsHeld: 0 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.state).toBe('not-running');
    expect(model.service(ECHO.label)!.terminationImminent).toBeUndefined();
  });

  test('per-client XPC service instances add up: the service runs while any instance runs', () => {
    const model = new InspectorModel();
    const s = new EventBuilder();
    s.add({ kind: 'job-loaded', job: { ...ECHO, kind: 'xpc-service' }, warnings: [] });
    s.add({ kind: 'process-launched', job: ECHO.label, pid: 201, forClientPid: 100, reason: 'on-demand', boosted: false });
    s.add({ kind: 'process-launched', job: ECHO.label, pid: 202, forClientPid: 101, reason: 'on-demand', boosted: false });
    s.add({ kind: 'transaction', pid: 201, job: ECHO.label, delta: 1, count: 1, cause: 'delivery' });
    s.add({ kind: 'transaction', pid: 202, job: ECHO.label, delta: 1, count: 1, cause: 'delivery' });
    s.add({ kind: 'transaction', pid: 202, job: ECHO.label, delta: 1, count: 2, cause: 'explicit-begin' });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.transactions).toBe(3);
    expect(model.service(ECHO.label)!.held).toEqual({ handlers: 2, replies: 0, explicit: 1 });
    s.add({ kind: 'process-exited', job: ECHO.label, pid: 202, code: 0, signal: null, reason: 'client-exited', description: 'client went away', transactionsHeld: 2 });
    model.applyBatch(s.take());
    const service = model.service(ECHO.label)!;
    expect(service.transactions).toBe(1);
    expect(service.pids).toEqual([201]);
    expect(service.state).toBe('running');
    expect(model.process(201)!.forClientPid).toBe(100);
  });

  test('a throttled relaunch records until when the service is throttled', () => {
    const { model, s } = echoSession();
    s.at(1_000_000_000).add({ kind: 'launch-throttled', job: ECHO.label, delayNs: 9_000_000_000 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.throttledUntil).toBe(10_000_000_000);
  });

  test('a broken job file is listed with its error and shown as an error row', () => {
    const model = new InspectorModel();
    model.applyBatch(new EventBuilder().add({ kind: 'job-failed', file: '/jobs/bad.plist', key: 'Program', error: 'Program must be a string' }).take());
    expect(model.jobErrors()).toEqual([{ t: 0, file: '/jobs/bad.plist', key: 'Program', error: 'Program must be a string' }]);
    expect(model.rows.summary[0]).toBe('Job file /jobs/bad.plist failed at key Program: Program must be a string');
    expect(model.rows.flags[0]! & RowFlag.error).toBeTruthy();
  });

  test('process output is kept per process and shown as output rows', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'process-output', pid: SERVICE, job: ECHO.label, stream: 'stderr', text: 'warning: low disk\n' });
    model.applyBatch(s.take());
    expect(model.process(SERVICE)!.output).toEqual([{ t: expect.any(Number), stream: 'stderr', text: 'warning: low disk\n' }]);
    const last = model.rows.slot(model.rows.end - 1);
    expect(model.rows.kind[last]).toBe(ROW_KIND_CODE.output);
    expect(model.rows.summary[last]).toBe('warning: low disk');
  });
});

describe('connections', () => {
  test('a connection knows its client, service, bound job and service pid', () => {
    const { model } = echoSession();
    const conn = model.connection(1)!;
    expect(conn).toMatchObject({ clientPid: CLIENT, service: 'com.example.echo.xpc', job: ECHO.label, servicePid: SERVICE, state: 'active' });
    expect(model.service(ECHO.label)!.openConnections).toBe(1);
  });

  test('invalidation keeps the reason, closes the connection and is an error row', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'connection-state', connection: 1, state: 'invalidated', suspendCount: 0, reason: 'the service com.example.echo.xpc was not found' });
    model.applyBatch(s.take());
    const conn = model.connection(1)!;
    expect(conn.state).toBe('invalidated');
    expect(conn.reason).toBe('the service com.example.echo.xpc was not found');
    expect(conn.closedAt).toBeDefined();
    expect(model.service(ECHO.label)!.openConnections).toBe(0);
    const last = model.rows.slot(model.rows.end - 1);
    expect(model.rows.flags[last]! & RowFlag.error).toBeTruthy();
    expect(model.rows.summary[last]).toBe('Connection 1 invalidated: the service com.example.echo.xpc was not found');
  });

  test('interruptions are counted and suspend counts follow the events', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'connection-state', connection: 1, state: 'suspended', suspendCount: 2 });
    s.add({ kind: 'connection-state', connection: 1, state: 'interrupted', suspendCount: 0, reason: 'service crashed' });
    s.add({ kind: 'connection-state', connection: 1, state: 'active', suspendCount: 0 });
    model.applyBatch(s.take());
    const conn = model.connection(1)!;
    expect(conn.interruptions).toBe(1);
    expect(conn.reason).toBe('service crashed');
    expect(conn.history.map((h) => h.state)).toEqual(['inactive', 'active', 'suspended', 'interrupted', 'active']);
  });

  test('a peer requirement rejection is the connection\'s peer result, with the reason', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'peer-rejected', connection: 1, clientPid: CLIENT, requirement: { uid: 0 }, reason: 'uid 501 does not match required uid 0' });
    model.applyBatch(s.take());
    expect(model.connection(1)!.peer).toMatchObject({ result: 'rejected', reason: 'uid 501 does not match required uid 0', requirement: { uid: 0 } });
    expect(model.service(ECHO.label)!.peerRejections).toBe(1);
  });

  test('a delivered client message marks the peer requirement as passed', () => {
    const { model, s } = echoSession();
    request(s, 1);
    s.add({ kind: 'message-delivered', message: 1, toPid: SERVICE });
    model.applyBatch(s.take());
    expect(model.connection(1)!.peer.result).toBe('accepted');
  });
});

describe('messages', () => {
  test('a reply links to its request both ways, with the reply latency on both', () => {
    const { model, s } = echoSession();
    const start = model.rows.end;
    request(s, 1);
    s.after(3_000_000);
    reply(s, 2, 1);
    s.add({ kind: 'reply-received', request: 1, reply: 2, toPid: CLIENT, latencyNs: 3_000_000 });
    model.applyBatch(s.take());
    const rows = model.rows;
    const req = rows.slot(start);
    const rep = rows.slot(start + 1);
    expect(rows.link[req]).toBe(start + 1);
    expect(rows.link[rep]).toBe(start);
    expect(rows.latency[req]).toBe(3_000_000);
    expect(rows.latency[rep]).toBe(3_000_000);
    expect(rows.flags[req]! & RowFlag.answered).toBeTruthy();
    expect(rows.toPid[req]).toBe(SERVICE); // from the bound connection
    expect(rows.kind[rep]).toBe(ROW_KIND_CODE.reply);
    expect(model.outstandingCount).toBe(0);
    const conn = model.connection(1)!;
    expect([conn.messagesOut, conn.messagesIn, conn.bytesOut, conn.bytesIn]).toEqual([1, 1, 120, 80]);
    expect(model.service(ECHO.label)!.messagesIn).toBe(1);
    expect(model.service(ECHO.label)!.messagesOut).toBe(1);
  });

  test('a request without a reply stays outstanding, counted on its service and connection', () => {
    const { model, s } = echoSession();
    request(s, 7, 'ping');
    model.applyBatch(s.take());
    expect(model.outstandingReplies()).toMatchObject([{ message: 7, fromPid: CLIENT, toPid: SERVICE, job: ECHO.label, summary: 'ping' }]);
    expect(model.service(ECHO.label)!.outstandingReplies).toBe(1);
    expect(model.connection(1)!.outstandingReplies).toBe(1);
    expect(model.series(ECHO.label)!.outstanding).toBe(1);
  });

  test('an error instead of a reply becomes an error row linked to the failed request', () => {
    const { model, s } = echoSession();
    const start = model.rows.end;
    request(s, 1);
    s.after(1000).add({ kind: 'reply-failed', request: 1, toPid: CLIENT, error: 'Connection interrupted', reason: 'com.example.echo crashed', latencyNs: 1000 });
    model.applyBatch(s.take());
    const rows = model.rows;
    const req = rows.slot(start);
    const err = rows.slot(start + 1);
    expect(rows.kind[err]).toBe(ROW_KIND_CODE.error);
    expect(rows.summary[err]).toBe('Connection interrupted instead of a reply to #1: com.example.echo crashed');
    expect(rows.fromPid[err]).toBe(SERVICE);
    expect(rows.toPid[err]).toBe(CLIENT);
    expect(rows.link[req]).toBe(start + 1);
    expect(rows.link[err]).toBe(start);
    expect(rows.flags[req]! & RowFlag.failed).toBeTruthy();
    expect(rows.flags[req]! & RowFlag.error).toBeTruthy();
    expect(model.outstandingCount).toBe(0);
    expect(model.connection(1)!.errors).toBe(1);
  });

  test('a dropped message is flagged and a drop row says why', () => {
    const { model, s } = echoSession();
    const start = model.rows.end;
    request(s, 1);
    s.add({ kind: 'message-dropped', message: 1, reason: 'peer requirement not met' });
    model.applyBatch(s.take());
    const rows = model.rows;
    expect(rows.flags[rows.slot(start)]! & RowFlag.dropped).toBeTruthy();
    expect(rows.summary[rows.slot(start + 1)]).toBe('Message #1 dropped: peer requirement not met');
    expect(rows.link[rows.slot(start + 1)]).toBe(start);
  });

  test('the transaction count after a message is the count after its delivery; a reply shows the count after it was sent', () => {
    const { model, s } = echoSession();
    const start = model.rows.end;
    request(s, 1);
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: 1, count: 1, cause: 'delivery', message: 1 });
    s.add({ kind: 'message-delivered', message: 1, toPid: SERVICE });
    s.add({ kind: 'reply-created', request: 1, pid: SERVICE });
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: 1, count: 2, cause: 'reply-created', message: 1 });
    reply(s, 2, 1);
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: -1, count: 1, cause: 'reply-sent', message: 1 });
    s.add({ kind: 'message-handled', message: 1, pid: SERVICE, durationNs: 40_000 });
    s.add({ kind: 'transaction', pid: SERVICE, job: ECHO.label, delta: -1, count: 0, cause: 'handler-returned', message: 1 });
    model.applyBatch(s.take());
    const rows = model.rows;
    expect(rows.tx[rows.slot(start)]).toBe(1);
    expect(rows.tx[rows.slot(start + 1)]).toBe(1);
    expect(rows.handlerNs[rows.slot(start)]).toBe(40_000);
    expect(rows.flags[rows.slot(start)]! & (RowFlag.delivered | RowFlag.handled | RowFlag.replyCreated)).toBe(RowFlag.delivered | RowFlag.handled | RowFlag.replyCreated);
    expect(model.service(ECHO.label)!.transactions).toBe(0);
    expect(model.series(ECHO.label)!.peakTx).toBe(2);
  });

  test('outstanding requests of a client that exits are no longer outstanding', () => {
    const { model, s } = echoSession();
    request(s, 1);
    s.add({ kind: 'process-exited', pid: CLIENT, code: 0, signal: null, reason: 'exited', description: 'exit 0', transactionsHeld: 0 });
    model.applyBatch(s.take());
    expect(model.outstandingCount).toBe(0);
    expect(model.service(ECHO.label)!.outstandingReplies).toBe(0);
  });

  test('free-text search covers the payload words that the summary does not show', () => {
    const { model, s } = echoSession();
    request(s, 1, '{op: "store"}', { op: 'store', path: '/Users/Me/Secret.txt' });
    model.applyBatch(s.take());
    const slot = model.rows.slot(model.rows.end - 1);
    expect(model.rows.summary[slot]).toBe('{op: "store"}');
    expect(model.rows.payloadWords[slot]).toBe('path /users/me/secret.txt');
  });
});

describe('boosts', () => {
  test('boost count follows the events, and the start and end of a boost are marked', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'boost', pid: SERVICE, job: ECHO.label, delta: 1, count: 1, cause: 'message', message: 1 });
    s.add({ kind: 'boost', pid: SERVICE, job: ECHO.label, delta: 1, count: 2, cause: 'message', message: 2 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.boosts).toBe(2);
    s.add({ kind: 'boost', pid: SERVICE, job: ECHO.label, delta: -1, count: 1, cause: 'reply-sent' });
    s.add({ kind: 'boost', pid: SERVICE, job: ECHO.label, delta: -1, count: 0, cause: 'reply-sent' });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.boosts).toBe(0);
    expect(model.series(ECHO.label)!.marks.filter((m) => m.kind.startsWith('boost')).map((m) => m.kind)).toEqual(['boost-begin', 'boost-end']);
  });

  test('a long-held transaction is remembered on the service and marked', () => {
    const { model, s } = echoSession();
    s.add({ kind: 'transaction-long-held', pid: SERVICE, job: ECHO.label, count: 1, heldNs: 30_000_000_000 });
    model.applyBatch(s.take());
    expect(model.service(ECHO.label)!.longHeld).toMatchObject({ count: 1, heldNs: 30_000_000_000 });
    expect(model.series(ECHO.label)!.marks.at(-1)!.kind).toBe('long-held');
  });
});

describe('bounded memory and stream handling', () => {
  test('rows beyond the cap drop the oldest from view and count them', () => {
    const model = new InspectorModel({ rowCapacity: 10 });
    const s = new EventBuilder();
    for (let i = 1; i <= 25; i++) s.add({ kind: 'process-output', pid: 1, job: 'j', stream: 'stdout', text: `line ${i}` });
    model.applyBatch(s.take());
    expect(model.rows.count).toBe(10);
    expect(model.rows.droppedFromView).toBe(15);
    expect(model.rows.first).toBe(15);
    expect(model.rows.summary[model.rows.slot(model.rows.first)]).toBe('line 16');
    expect(model.rows.rowAtOrAfterSeq(20)).toBe(19);
  });

  test('a reply to a request that left the view is shown without a link', () => {
    const model = new InspectorModel({ rowCapacity: 8 });
    const s = new EventBuilder();
    s.add({ kind: 'connection-opened', connection: 1, clientPid: CLIENT, service: 'x', privileged: false, api: 'connection', viaEndpoint: false });
    request(s, 1);
    for (let i = 0; i < 10; i++) s.add({ kind: 'process-output', pid: 1, job: 'j', stream: 'stdout', text: `${i}` });
    reply(s, 2, 1);
    s.add({ kind: 'reply-received', request: 1, reply: 2, toPid: CLIENT, latencyNs: 5 });
    model.applyBatch(s.take());
    expect(model.rowOfMessage(1)).toBe(NONE);
    const rep = model.rows.slot(model.rowOfMessage(2));
    expect(model.rows.link[rep]).toBe(NONE);
    expect(model.rows.latency[rep]).toBe(5);
  });

  test('only the most recent message rows keep their payload attached; other rows keep their event', () => {
    const model = new InspectorModel({ rowCapacity: 1000, payloadWindow: 10 });
    const s = new EventBuilder();
    s.add({ kind: 'connection-opened', connection: 1, clientPid: CLIENT, service: 'x', privileged: false, api: 'connection', viaEndpoint: false });
    for (let i = 1; i <= 30; i++) request(s, i);
    model.applyBatch(s.take());
    const rows = model.rows;
    const withPayload: number[] = [];
    for (let row = 1; row < rows.end; row++) if (rows.detail[rows.slot(row)] !== undefined) withPayload.push(row);
    expect(withPayload).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(rows.detail[rows.slot(30)]).toEqual({ op: 'echo', n: 30 });
    expect(rows.detail[rows.slot(0)]).toMatchObject({ kind: 'connection-opened' });
  });

  test('clearing the timeline forgets rows but keeps services and connections', () => {
    const { model, s } = echoSession();
    request(s, 1);
    model.applyBatch(s.take());
    const before = model.rows.count;
    model.clearTimeline();
    expect(model.rows.count).toBe(0);
    expect(model.rows.clearedFromView).toBe(before);
    expect(model.service(ECHO.label)!.state).toBe('running');
    expect(model.connection(1)!.state).toBe('active');
    expect(model.takeMutations().overflow).toBe(true);
  });

  test('skipped seqs are counted as missed events and repeated events are ignored', () => {
    const model = new InspectorModel();
    const s = new EventBuilder();
    s.skip(4).add({ kind: 'job-loaded', job: ECHO, warnings: [] });
    const first = s.take();
    model.applyBatch(first);
    s.skip(3).add({ kind: 'idle', pid: 1, job: ECHO.label });
    const second = s.take();
    model.applyBatch(second);
    model.applyBatch(second); // a replay overlap after a reconnect
    expect(model.totals.missedBeforeStart).toBe(4);
    expect(model.totals.missedEvents).toBe(3);
    expect(model.totals.events).toBe(2);
    expect(model.rows.count).toBe(2);
  });

  test('rows changed after they were added are reported once taken', () => {
    const { model, s } = echoSession();
    const start = model.rows.end;
    request(s, 1);
    model.applyBatch(s.take());
    model.takeMutations();
    reply(s, 2, 1);
    s.add({ kind: 'reply-received', request: 1, reply: 2, toPid: CLIENT, latencyNs: 10 });
    model.applyBatch(s.take());
    const mutations = model.takeMutations();
    expect(mutations.overflow).toBe(false);
    expect(new Set(mutations.rows)).toEqual(new Set([start, start + 1]));
    expect(model.takeMutations().rows).toEqual([]);
  });

  test('a snapshot is plain JSON data describing the same state', () => {
    const { model, s } = echoSession();
    request(s, 1);
    model.applyBatch(s.take());
    const snapshot = modelSnapshot(model);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.services.map((x) => x.label)).toEqual([ECHO.label]);
    expect(snapshot.outstandingReplies).toHaveLength(1);
    expect(snapshot.connections[0]!.clientPid).toBe(CLIENT);
  });
});

describe('whole sessions', () => {
  test('outstanding replies are exactly the requests with neither a reply nor an error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 2, max: 40 }), (seed, cut, requests) => {
        const events = [...syntheticSession({ requests, seed, failEvery: 3, oneWayEvery: 4 })];
        // Stop part-way so some requests are still waiting.
        const stop = events.length - cut;
        const model = new InspectorModel();
        model.applyBatch(events.slice(0, stop));
        const rows = model.rows;
        const unanswered: number[] = [];
        for (let row = rows.first; row < rows.end; row++) {
          const s = rows.slot(row);
          const f = rows.flags[s]!;
          if (rows.kind[s] === ROW_KIND_CODE.message && f & RowFlag.expectsReply && !(f & (RowFlag.answered | RowFlag.failed))) unanswered.push(rows.message[s]!);
        }
        expect(model.outstandingReplies().map((o) => o.message).sort((a, b) => a - b)).toEqual(unanswered.sort((a, b) => a - b));
        const perService = model.services().reduce((sum, service) => sum + service.outstandingReplies, 0);
        expect(perService).toBe(unanswered.length);
      }),
      { numRuns: 60 },
    );
  });

  test('applying a session in any batch sizes gives the same state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (seed, sizes) => {
        const events = [...syntheticSession({ requests: 30, seed })];
        const whole = new InspectorModel();
        whole.applyBatch(events);
        const pieces = new InspectorModel();
        let at = 0;
        for (let i = 0; at < events.length; i++) {
          const size = sizes[i % sizes.length]!;
          pieces.applyBatch(events.slice(at, at + size));
          at += size;
        }
        expect(modelSnapshot(pieces)).toEqual(modelSnapshot(whole));
      }),
      { numRuns: 30 },
    );
  });
});
