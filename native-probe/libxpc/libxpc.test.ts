/**
 * C programs written against Apple's libxpc API, running on Linux under a real broker: the jobs of
 * native-probe/libxpc/jobs (c-echo with xpc_main, c-echo-listener with a LISTENER connection and
 * dispatch_main, the c-traffic client at load) and `c-client scenario`, a deterministic session
 * whose every observation is a stdout line. Each behaviour is checked from the broker's own
 * events and from what the C client saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind, EventOfKind, InspectorEvent } from '../../app/events/schema';
import { dictGet, dictGetBool, dictGetInt, dictGetString, INT64_MIN, UINT64_MAX, xpc, xpcEquals, type XpcValue } from '../../app/xpc/value';
import { Broker } from '../../main/broker/broker';
import { until } from '../../main/broker/testing/client-helpers';
import { buildLinux, JOBS_DIR, runClient, type ClientLine, type RunningClient } from './test/build';

const SERVICE = 'com.example.c-echo';
const UUID = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21]);

/** What the with-reply step of the scenario sends: one value of every type a message can carry. */
const EVERY_TYPE = xpc.dictionary([
  ['op', xpc.string('ping')],
  ['n', xpc.int64(2)],
  ['text', xpc.string('héllo "quoted"\n')],
  ['min', xpc.int64(INT64_MIN)],
  ['max', xpc.uint64(UINT64_MAX)],
  ['pi', xpc.double(3.25)],
  ['yes', xpc.bool(true)],
  ['nothing', xpc.null()],
  ['when', xpc.date(1700000000123456789n)],
  ['bytes', xpc.data(Uint8Array.of(0, 1, 2, 255))],
  ['id', xpc.uuid(UUID)],
  ['fd', xpc.fd('/dev/null')],
  ['list', xpc.array([xpc.int64(1), xpc.string('two'), xpc.dictionary({ three: xpc.double(3) })])],
]);

let broker: Broker;
let socketDir: string;
const events: InspectorEvent[] = [];
let scenario: RunningClient;
let clientPid: number;
let killedPid: number;

beforeAll(async () => {
  buildLinux();
  socketDir = mkdtempSync('/tmp/xpcl-');
  broker = await Broker.start({ jobsDir: JOBS_DIR, socketPath: join(socketDir, 'b.sock'), log: () => undefined });
  broker.onEvent((e) => events.push(e));
  scenario = runClient(['scenario'], broker.socketPath);
  clientPid = Number(dictGetInt((await scenario.line('start')).fields, 'pid'));
  // The client prints the pid of the service serving its sleeping request, then waits for a line.
  const ready = await scenario.line('ready-for-kill', 40_000);
  killedPid = Number(dictGetInt(ready.fields, 'pid'));
  process.kill(killedPid, 'SIGKILL');
  await until(() => events.some((e) => e.kind === 'process-exited' && e.pid === killedPid), `the broker sees pid ${killedPid} exit`);
  scenario.child.stdin!.write('killed\n');
  const exit = await Promise.race([scenario.exited, new Promise<undefined>((resolve) => setTimeout(resolve, 40_000))]);
  if (exit?.code !== 0) throw new Error(`c-client scenario ended with ${JSON.stringify(exit)}:\n${scenario.lines.map((l) => l.text).join('\n')}\n${scenario.stderr.join('')}`);
}, 120_000);

afterAll(async () => {
  if (scenario !== undefined && scenario.child.exitCode === null) scenario.child.kill('SIGKILL');
  await broker?.stop();
  if (socketDir) rmSync(socketDir, { recursive: true, force: true });
});

function of<K extends EventKind>(kind: K, match: (e: EventOfKind<K>) => boolean = () => true): EventOfKind<K>[] {
  return events.filter((e): e is EventOfKind<K> => e.kind === kind && match(e as EventOfKind<K>));
}

function one<K extends EventKind>(kind: K, match: (e: EventOfKind<K>) => boolean, what: string): EventOfKind<K> {
  const found = of(kind, match);
  expect(found, what).toHaveLength(1);
  return found[0]!;
}

function lines(event: string): ClientLine[] {
  return scenario.lines.filter((l) => l.event === event);
}

function line(event: string, step?: string): ClientLine {
  const found = lines(event).filter((l) => step === undefined || dictGetString(l.fields, 'step') === step);
  expect(found, `c-client line "${event}"${step ? ` (${step})` : ''}`).toHaveLength(1);
  return found[0]!;
}

const indexOf = (l: ClientLine): number => scenario.lines.indexOf(l);
const body = (l: ClientLine): XpcValue => dictGet(l.fields, 'body')!;
const op = (v: XpcValue | undefined): string | undefined => dictGetString(v, 'op');

/** The client's requests (messages it sent), in order. */
function sentByClient(match: (v: XpcValue | undefined) => boolean): EventOfKind<'message-sent'>[] {
  return of('message-sent', (e) => e.fromPid === clientPid && e.messageKind === 'message' && match(e.value));
}

function replyTo(request: number): EventOfKind<'message-sent'> {
  return one('message-sent', (e) => e.messageKind === 'reply' && e.inReplyTo === request, `the reply to message ${request}`);
}

/** The client's connection to c-echo with the connection API (the scenario's main connection). */
function mainConnection(): number {
  return of('connection-opened', (e) => e.clientPid === clientPid && e.service === SERVICE && e.api === 'connection')[0]!.connection;
}

/** A dictionary without some of its keys. */
function without(value: XpcValue, ...keys: string[]): XpcValue {
  if (value.type !== 'dictionary') return value;
  return xpc.dictionary([...value.entries].filter(([key]) => !keys.includes(key)));
}

describe('launch and attach', () => {
  it('the jobs directory loads c-echo, c-echo-listener and c-traffic as launch agents, without warnings', () => {
    const loaded = of('job-loaded');
    expect(loaded.map((e) => e.job.label).sort()).toEqual(['com.example.c-echo', 'com.example.c-echo-listener', 'com.example.c-traffic']);
    expect(loaded.every((e) => e.job.kind === 'launch-agent' && e.warnings.length === 0)).toBe(true);
    expect(of('job-failed')).toEqual([]);
  });

  it('the C traffic client starts at load and c-echo, launched on demand, answers it', async () => {
    const traffic = of('process-launched', (e) => e.job === 'com.example.c-traffic')[0]!;
    expect(traffic.reason).toBe('run-at-load');
    const echoPids = new Set(of('process-launched', (e) => e.job === SERVICE).map((e) => e.pid));
    await until(() => of('message-sent', (e) => e.messageKind === 'reply' && echoPids.has(e.fromPid) && e.toPid === traffic.pid).length > 0, 'c-echo answers c-traffic');
    expect(of('process-launched', (e) => e.job === SERVICE)[0]!.reason).toBe('on-demand');
  });

  it('a C process says hello with its name and gets attached under its kernel pid, as an app-type client', () => {
    const attached = one('process-attached', (e) => e.process.pid === clientPid, 'the scenario client attached');
    expect(attached.process.name).toBe('c-client');
    expect(attached.processType).toBe('app');
    expect(attached.job).toBeUndefined();
    const service = of('process-attached', (e) => e.job === SERVICE)[0]!;
    expect(service.process.name).toBe('c-echo-service');
    expect(service.processType).toBe('background');
  });
});

describe('messages', () => {
  it('one-way, with-reply, synchronous and barrier traffic appears as the same events as the Node demos produce', () => {
    const oneWay = sentByClient((v) => op(v) === 'oneway');
    expect(oneWay.map((e) => [e.expectsReply, e.sync])).toEqual([
      [false, false],
      [false, false],
    ]);
    expect(of('message-handled', (e) => e.message === oneWay[0]!.message)).toHaveLength(1);
    const withReply = sentByClient((v) => op(v) === 'ping' && dictGetInt(v, 'n') === 2n)[0]!;
    expect([withReply.expectsReply, withReply.sync, withReply.service]).toEqual([true, false, SERVICE]);
    expect(of('reply-received', (e) => e.request === withReply.message && e.toPid === clientPid)).toHaveLength(1);
    const sync = sentByClient((v) => op(v) === 'ping' && dictGetInt(v, 'n') === 3n)[0]!;
    expect([sync.expectsReply, sync.sync]).toEqual([true, true]);
    expect(replyTo(sync.message).sync).toBe(true);
    expect(of('reply-received', (e) => e.request === sync.message)).toHaveLength(1);
    // The barrier ran after the one-way message before it had left: it was delivered by then.
    const before = oneWay[1]!;
    expect(of('message-delivered', (e) => e.message === before.message)).toHaveLength(1);
    expect(indexOf(line('barrier'))).toBeGreaterThan(indexOf(line('sync-reply')));
    expect(scenario.lines.slice(0, 6).map((l) => l.event)).toEqual(['start', 'sent', 'reply', 'sync-reply', 'barrier', 'suspended']);
  });

  it('message bodies decode to exactly the values the C code put in, in both directions', () => {
    const request = sentByClient((v) => op(v) === 'ping' && dictGetInt(v, 'n') === 2n)[0]!;
    expect(request.value !== undefined && xpcEquals(request.value, EVERY_TYPE)).toBe(true);
    const reply = replyTo(request.message);
    expect(reply.fromPid).not.toBe(clientPid);
    expect(xpcEquals(without(reply.value!, 'servedBy', 'served', 'peerPid', 'peerUid'), EVERY_TYPE)).toBe(true);
    expect(dictGetInt(reply.value, 'servedBy')).toBe(BigInt(reply.fromPid));
    // The service's peer connection knows its client as the kernel reported it to the broker.
    expect(dictGetInt(reply.value, 'peerPid')).toBe(BigInt(clientPid));
    expect(dictGetInt(reply.value, 'peerUid')).toBe(BigInt(process.getuid!()));
    // What the C client's reply handler received is what the broker carried.
    const printed = body(line('reply', 'with-reply'));
    expect(xpcEquals(printed, reply.value!)).toBe(true);
    expect(dictGetInt(line('reply', 'with-reply').fields, 'calls')).toBe(1n);
  });

  it('a suspended connection holds its request and the service\'s messages until it is resumed', () => {
    const conn = mainConnection();
    const suspended = one('connection-state', (e) => e.connection === conn && e.state === 'suspended', 'suspended');
    const resumed = of('connection-state', (e) => e.connection === conn && e.state === 'active' && e.seq > suspended.seq)[0]!;
    const notify = sentByClient((v) => op(v) === 'notify')[0]!;
    expect(notify.seq).toBeGreaterThan(suspended.seq);
    expect(one('message-delivered', (e) => e.message === notify.message, 'notify delivered').seq).toBeGreaterThan(resumed.seq);
    const resuming = line('resuming');
    expect(dictGetInt(resuming.fields, 'repliesWhileSuspended')).toBe(0n);
    expect(dictGetInt(resuming.fields, 'messagesWhileSuspended')).toBe(0n);
    const notes = lines('message').filter((l) => dictGetString(body(l), 'event') === 'notify');
    expect(notes.map((l) => dictGetInt(body(l), 'index'))).toEqual([1n, 2n]);
    expect(notes.every((l) => indexOf(l) > indexOf(resuming))).toBe(true);
    // The service's one-way messages went through the broker as messages on the client's connection.
    expect(of('message-sent', (e) => e.connection === conn && e.messageKind === 'message' && e.toPid === clientPid && dictGetString(e.value, 'event') === 'notify')).toHaveLength(2);
  });
});

describe('endpoints, transactions and callbacks', () => {
  it('an anonymous listener\'s endpoint travels in a reply, and a connection made from it reaches that listener', () => {
    const endpoint = dictGet(line('endpoint').fields, 'endpoint');
    expect(endpoint?.type).toBe('endpoint');
    const name = endpoint?.type === 'endpoint' ? endpoint.service : '';
    expect(name).toMatch(/^endpoint\./);
    const request = sentByClient((v) => op(v) === 'endpoint')[0]!;
    expect(xpcEquals(dictGet(replyTo(request.message).value, 'endpoint')!, xpc.endpoint(name))).toBe(true);
    const opened = one('connection-opened', (e) => e.clientPid === clientPid && e.viaEndpoint, 'the endpoint connection');
    expect(opened.service).toBe(name);
    expect(one('connection-bound', (e) => e.connection === opened.connection, 'bound').servicePid).toBe(replyTo(request.message).fromPid);
    expect(dictGetString(body(line('endpoint-reply')), 'from')).toBe('anonymous-listener');
    expect(dictGetString(body(line('endpoint-reply')), 'text')).toBe('via the endpoint');
    expect(dictGetString(line('endpoint-error').fields, 'error')).toBe('Connection invalid');
    expect(one('connection-state', (e) => e.connection === opened.connection && e.state === 'canceled', 'canceled').reason).toMatch(/canceled by c-client/);
  });

  it('a reply created in the handler and sent after it returned is accounted as created, inside an explicit transaction', () => {
    const request = sentByClient((v) => op(v) === 'txn')[0]!;
    const reply = replyTo(request.message);
    const created = one('reply-created', (e) => e.request === request.message, 'reply-created');
    const handled = one('message-handled', (e) => e.message === request.message, 'handled');
    expect(created.seq).toBeLessThan(handled.seq);
    expect(reply.seq).toBeGreaterThan(handled.seq);
    expect(dictGetBool(reply.value, 'late')).toBe(true);
    const service = reply.fromPid;
    const explicit = of('transaction', (e) => e.pid === service && (e.cause === 'explicit-begin' || e.cause === 'explicit-end') && e.seq > request.seq && e.seq < reply.seq + 10);
    expect(explicit.map((e) => e.cause)).toEqual(['explicit-begin', 'explicit-end']);
    expect(of('transaction', (e) => e.pid === service && e.cause === 'reply-sent' && e.message === request.message)).toHaveLength(1);
    expect(dictGetBool(body(line('txn-reply')), 'late')).toBe(true);
  });

  it('a service handler makes a synchronous request of its own (through its anonymous listener) and replies with the answer', () => {
    expect(dictGetInt(body(line('callback-reply')), 'doubled')).toBe(42n);
    const request = sentByClient((v) => op(v) === 'callback')[0]!;
    const service = replyTo(request.message).fromPid;
    const inner = one('message-sent', (e) => e.fromPid === service && e.messageKind === 'message' && op(e.value) === 'double', 'the callback');
    expect([inner.expectsReply, inner.sync]).toEqual([true, true]);
    expect(dictGetInt(replyTo(inner.message).value, 'n')).toBe(42n);
  });
});

describe('a LISTENER-flag service and sessions', () => {
  it('the service written with a LISTENER mach-service connection and dispatch_main answers, then exits on the broker\'s idle-exit', async () => {
    const reply = body(line('listener-reply'));
    expect(dictGetString(reply, 'text')).toBe('to the listener service');
    const launched = one('process-launched', (e) => e.job === 'com.example.c-echo-listener', 'launched once');
    expect(dictGetInt(reply, 'servedBy')).toBe(BigInt(launched.pid));
    await until(() => of('process-exited', (e) => e.pid === launched.pid).length > 0, 'c-echo-listener exits when idle', 10_000);
    const exited = one('process-exited', (e) => e.pid === launched.pid, 'exited');
    expect([exited.reason, exited.code]).toEqual(['idle-exit', 0]);
  });

  it('a session exchanges messages with api "session"; sending while inactive and activating twice are errors, not no-ops', () => {
    const misuse = line('session-misuse').fields;
    expect(dictGetString(misuse, 'sendWhileInactive')).toMatch(/not activated/);
    expect(dictGetBool(misuse, 'activated')).toBe(true);
    expect(dictGetBool(misuse, 'activatedTwice')).toBe(false);
    expect(dictGetString(misuse, 'activateTwice')).toMatch(/already activated/);
    const opened = of('connection-opened', (e) => e.clientPid === clientPid && e.api === 'session' && e.service === SERVICE);
    expect(opened).toHaveLength(1);
    const session = opened[0]!.connection;
    // Only the two requests made after activation reached the broker.
    const sent = of('message-sent', (e) => e.connection === session && e.messageKind === 'message');
    expect(sent.map((e) => [dictGetString(e.value, 'via'), e.sync])).toEqual([
      ['session', true],
      ['session-async', false],
    ]);
    const replies = lines('session-reply');
    expect(replies.map((l) => dictGetString(body(l), 'via'))).toEqual(['session', 'session-async']);
    const cancelled = line('session-cancelled').fields;
    expect(dictGetString(cancelled, 'description')).toBe('Connection invalid: canceled by the client');
    expect([dictGetBool(cancelled, 'canRetry'), dictGetInt(cancelled, 'calls')]).toEqual([false, 1n]);
    expect(one('connection-state', (e) => e.connection === session && e.state === 'canceled', 'canceled').seq).toBeGreaterThan(sent[1]!.seq);
  });

  it('a session to an unknown service fails at creation with the broker\'s reason', () => {
    const opened = one('connection-opened', (e) => e.clientPid === clientPid && e.api === 'session' && e.service === 'com.example.does-not-exist', 'opened');
    const invalid = one('connection-state', (e) => e.connection === opened.connection && e.state === 'invalidated', 'invalidated');
    const unknown = line('session-unknown').fields;
    expect(dictGetBool(unknown, 'created')).toBe(false);
    expect(dictGetString(unknown, 'description')).toBe(`Connection invalid: ${invalid.reason}`);
    expect(dictGetBool(unknown, 'canRetry')).toBe(false);
  });
});

describe('errors', () => {
  it('an unknown service gives CONNECTION_INVALID, with the broker\'s reason in xpc_connection_copy_invalidation_reason', () => {
    const opened = one('connection-opened', (e) => e.clientPid === clientPid && e.api === 'connection' && e.service === 'com.example.does-not-exist', 'opened');
    const invalid = one('connection-state', (e) => e.connection === opened.connection && e.state === 'invalidated', 'invalidated');
    expect(invalid.reason).toMatch(/com\.example\.does-not-exist/);
    const event = line('unknown-event').fields;
    expect([dictGetString(event, 'error'), dictGetString(event, 'reason')]).toEqual(['Connection invalid', invalid.reason]);
    const reply = line('unknown-reply').fields;
    expect([dictGetString(reply, 'error'), dictGetString(reply, 'reason'), dictGetInt(reply, 'calls')]).toEqual(['Connection invalid', invalid.reason, 1n]);
  });

  it('kill -9 mid-request: the outstanding reply handler gets CONNECTION_INTERRUPTED exactly once, and the next message relaunches the service', () => {
    const request = sentByClient((v) => op(v) === 'sleep' && dictGetInt(v, 'ms') === 30000n)[0]!;
    const died = one('process-exited', (e) => e.pid === killedPid, 'the kill');
    expect([died.signal, died.reason]).toEqual(['SIGKILL', 'crashed']);
    const failed = one('reply-failed', (e) => e.request === request.message, 'the reply failure');
    expect(failed.error).toBe('Connection interrupted');
    const interrupted = line('interrupted-reply').fields;
    expect([dictGetString(interrupted, 'error'), dictGetString(interrupted, 'reason'), dictGetInt(interrupted, 'calls')]).toEqual([
      'Connection interrupted',
      failed.reason,
      1n,
    ]);
    const handlerSaw = lines('connection-error').filter((l) => dictGetString(l.fields, 'error') === 'Connection interrupted');
    expect(handlerSaw).toHaveLength(1);
    expect(dictGetInt(line('done').fields, 'interruptedEvents')).toBe(1n);
    const relaunched = body(line('relaunch-reply'));
    const newPid = Number(dictGetInt(relaunched, 'servedBy'));
    expect(newPid).not.toBe(killedPid);
    expect(one('process-launched', (e) => e.pid === newPid, 'the relaunch').seq).toBeGreaterThan(died.seq);
  });

  it('cancel: an outstanding request and the event handler each get CONNECTION_INVALID once, as the last event', () => {
    const cancelReply = line('cancel-reply').fields;
    expect([dictGetString(cancelReply, 'error'), dictGetString(cancelReply, 'reason')]).toEqual(['Connection invalid', 'canceled by the client']);
    const done = line('done').fields;
    expect([dictGetInt(done, 'invalidEvents'), dictGetInt(done, 'cancelReplyCalls')]).toEqual([1n, 1n]);
    const handlerSaw = lines('connection-error').filter((l) => dictGetString(l.fields, 'step') === 'main');
    expect(handlerSaw.at(-1) !== undefined && dictGetString(handlerSaw.at(-1)!.fields, 'error')).toBe('Connection invalid');
    expect(lines('message').every((l) => indexOf(l) < indexOf(handlerSaw.at(-1)!))).toBe(true);
    expect(scenario.lines.at(-1)!.event).toBe('done');
    expect(one('connection-state', (e) => e.connection === mainConnection() && e.state === 'canceled', 'canceled').reason).toMatch(/canceled by c-client/);
  });
});

describe('termination', () => {
  it('stopping a busy C service sends TERMINATION_IMMINENT to its peers, lets the reply go out, and ends the process when its last transaction ends', async () => {
    const client = runClient(['slow-txn', '1500'], broker.socketPath);
    await client.line('txn-sent');
    const pid = client.child.pid!;
    await until(() => of('message-sent', (e) => e.fromPid === pid && op(e.value) === 'txn').length > 0, 'the txn request');
    const request = of('message-sent', (e) => e.fromPid === pid && op(e.value) === 'txn')[0]!;
    await until(() => of('message-delivered', (e) => e.message === request.message).length > 0, 'its delivery');
    const service = of('message-delivered', (e) => e.message === request.message)[0]!.toPid;
    const stopping = broker.stopService(SERVICE);
    await until(() => of('termination-imminent', (e) => e.pid === service).length > 0, 'termination imminent');
    const reply = await client.line('txn-reply', 10_000);
    expect(dictGetBool(body(reply), 'late')).toBe(true);
    await stopping;
    const exited = one('process-exited', (e) => e.pid === service, 'the exit');
    expect([exited.code, exited.reason]).toEqual([0, 'terminated']);
    await until(() => of('process-output', (e) => e.pid === service && e.text === 'c-echo: termination imminent').length > 0, 'the peer handler saw TERMINATION_IMMINENT');
    expect((await client.exited).code).toBe(0);
  }, 30_000);
});
