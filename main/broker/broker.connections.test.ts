/**
 * Connections and sessions through a real broker and real launched services, with this test
 * process as the client (the SDK in-process).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictGet, dictGetInt, dictGetString, xpc } from '../../app/xpc/value';
import {
  configureXpc,
  createConnection,
  createConnectionFromEndpoint,
  shutdownXpc,
  XPCError,
  XPCMisuseError,
  XPCSession,
} from '../../sdk';
import { bundleSdkPrograms } from './testing/bundle';
import { op, recordEvents, request, until } from './testing/client-helpers';
import { sleep, TestBroker, type FixtureJob } from './testing/harness';

let tb: TestBroker;
const uid = process.getuid!();
const nodeSha = createHash('sha256').update(readFileSync(process.execPath)).digest('hex');

beforeAll(async () => {
  const bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts']);
  const service = bundles.path('fixture-service');
  const agent = (label: string, extra: Partial<FixtureJob> = {}): FixtureJob => ({ label, kind: 'agent', program: service, services: [label], ...extra });
  const required = (requirement: object): Partial<FixtureJob> => ({ env: { FIXTURE_REQUIREMENT: JSON.stringify(requirement) } });
  tb = await TestBroker.start([
    agent('com.test.agent'),
    agent('com.test.order'),
    agent('com.test.queue'),
    agent('com.test.cancel'),
    agent('com.test.barrier'),
    agent('com.test.endpoint-host'),
    { label: 'com.test.daemon', kind: 'daemon', program: service, services: ['com.test.daemon'] },
    agent('com.test.session', { env: { FIXTURE_API: 'session' } }),
    agent('com.test.session-crash', { env: { FIXTURE_API: 'session' } }),
    agent('com.test.rejecting', { env: { FIXTURE_API: 'session', FIXTURE_REJECT: '1' } }),
    agent('com.test.req.uid', required({ uid: uid + 1 })),
    agent('com.test.req.path', required({ executablePath: '/nonexistent/bin/node' })),
    agent('com.test.req.sha', required({ executableSha256: '0'.repeat(64) })),
    agent('com.test.req.ok', required({ uid, executablePath: process.execPath, executableSha256: nodeSha })),
  ]);
  configureXpc({ socketPath: tb.socketPath, processType: 'app' });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

/** The broker's id of the connection opened after `mark` to `service`. */
async function connectionId(service: string, mark: number): Promise<number> {
  return (await tb.waitFor('connection-opened', (e) => e.service === service, { after: mark })).connection;
}

describe('requests and replies', () => {
  it('a request launches its service on demand and the reply reaches its handler', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.agent');
    conn.activate();
    const r = await request(conn, op('echo', { n: xpc.int64(7) }));
    expect(dictGetInt(dictGet(r.reply, 'echo'), 'n')).toBe(7n);
    const launched = await tb.waitFor('process-launched', (e) => e.job === 'com.test.agent', { after: mark });
    expect(launched.reason).toBe('on-demand');
    const sent = tb.of('message-sent', (e) => e.service === 'com.test.agent', mark)[0]!;
    expect(launched.triggerMessageId).toBe(sent.message);
    expect(r.calls()).toBe(1);
    conn.cancel();
  });

  it('emits a request/reply as sent, +1 delivery, delivered, reply created, reply sent, received, handled, −1', async () => {
    const conn = createConnection('com.test.order');
    conn.activate();
    await request(conn, op('echo'));
    const mark = tb.mark();
    await request(conn, op('echo'));
    const id = tb.of('message-sent', (e) => e.service === 'com.test.order' && e.messageKind === 'message', mark)[0]!.message;
    await tb.waitFor('transaction', (e) => e.message === id && e.cause === 'handler-returned', { after: mark });
    const trail = tb.events
      .filter((e) => e.seq > mark)
      .filter((e) => ('message' in e && e.message === id) || ('request' in e && e.request === id) || (e.kind === 'message-sent' && e.inReplyTo === id))
      .map((e) => (e.kind === 'transaction' ? `txn ${e.delta > 0 ? '+' : '-'}1 ${e.cause}` : e.kind === 'message-sent' ? `sent ${e.messageKind}` : e.kind));
    expect(trail).toEqual([
      'sent message',
      'txn +1 delivery',
      'message-delivered',
      'reply-created',
      'txn +1 reply-created',
      'sent reply',
      'txn -1 reply-sent',
      'reply-received',
      'message-handled',
      'txn -1 handler-returned',
    ]);
    conn.cancel();
  });

  it('a handler that returns without creating a reply makes the reply handler get an error once', async () => {
    const conn = createConnection('com.test.agent');
    conn.activate();
    const r = await request(conn, op('no-reply'));
    expect(r.error).toBe('Connection invalid');
    expect(r.reason).toMatch(/returned from its handler for message \d+ without creating a reply/);
    await sleep(50);
    expect(r.calls()).toBe(1);
    conn.cancel();
  });

  it('a service can send messages of its own to the client on the peer connection', async () => {
    const conn = createConnection('com.test.agent');
    const events = recordEvents(conn);
    conn.activate();
    await request(conn, op('pid'));
    await request(conn, op('push', { text: xpc.string('hello client') }));
    await until(() => events.some((e) => dictGetString(e, 'pushed') === 'hello client'), 'the pushed message arrives');
    conn.cancel();
  });
});

describe('synchronous sends', () => {
  it('a synchronous send holds back later sends on the same connection until it is answered', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.agent');
    conn.activate();
    await request(conn, op('pid'));
    const connection = await connectionId('com.test.agent', mark);
    const sync = conn.sendMessageWithReplySync(op('work', { ms: xpc.int64(300) }));
    conn.sendMessage(op('echo', { after: xpc.bool(true) }));
    const reply = await sync;
    expect(dictGetInt(reply, 'worked')).toBe(300n);
    await until(() => tb.of('message-sent', (e) => e.connection === connection && e.messageKind === 'message', mark).length === 3, 'the held message goes out');
    const [, syncSent, later] = tb.of('message-sent', (e) => e.connection === connection && e.messageKind === 'message', mark);
    expect(syncSent!.sync).toBe(true);
    const answered = tb.of('reply-received', (e) => e.request === syncSent!.message)[0]!;
    expect(later!.seq).toBeGreaterThan(answered.seq);
    conn.cancel();
  });
});

describe('connection state', () => {
  it('messages sent on an inactive connection wait until it is activated', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.queue');
    const pending = request(conn, op('echo', { queued: xpc.bool(true) }));
    const id = (await tb.waitFor('message-sent', (e) => e.service === 'com.test.queue', { after: mark })).message;
    await sleep(300);
    expect(tb.of('message-delivered', (e) => e.message === id)).toHaveLength(0);
    expect(tb.of('process-launched', (e) => e.job === 'com.test.queue', mark)).toHaveLength(0);
    conn.activate();
    const r = await pending;
    expect(dictGetString(dictGet(r.reply, 'echo'), 'op')).toBe('echo');
    conn.cancel();
  });

  it('suspend and resume are counted; resuming more than suspended is a misuse error', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.agent');
    conn.activate();
    await request(conn, op('echo'));
    const connection = await connectionId('com.test.agent', mark);
    conn.suspend();
    conn.suspend();
    const before = tb.mark();
    const pending = request(conn, op('echo', { late: xpc.bool(true) }));
    const id = (await tb.waitFor('message-sent', (e) => e.connection === connection, { after: before })).message;
    await sleep(200);
    conn.resume();
    await sleep(200);
    expect(tb.of('message-delivered', (e) => e.message === id)).toHaveLength(0);
    conn.resume();
    await pending;
    expect(tb.of('message-delivered', (e) => e.message === id)).toHaveLength(1);
    expect(() => conn.resume()).toThrow(XPCMisuseError);
    const counts = tb.of('connection-state', (e) => e.connection === connection, mark).map((e) => `${e.state}/${e.suspendCount}`);
    expect(counts).toEqual(['active/0', 'suspended/1', 'suspended/2', 'suspended/1', 'active/0']);
    conn.cancel();
  });

  it('cancel makes CONNECTION_INVALID the handler’s last event and fails outstanding replies once', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.cancel');
    const events = recordEvents(conn);
    conn.activate();
    await request(conn, op('pid'));
    const held = request(conn, op('hold', { ms: xpc.int64(1500) }));
    const heldId = (await tb.waitFor('message-delivered', () => true, { after: tb.mark() })).message;
    conn.cancel();
    const r = await held;
    expect(r.error).toBe('Connection invalid');
    const late = await request(conn, op('echo'));
    expect(late.error).toBe('Connection invalid');
    await until(() => events.length > 0, 'the handler gets an event');
    // The service's peer connection ends too, and the held reply is dropped when it finally goes out.
    await tb.waitFor('process-output', (e) => e.job === 'com.test.cancel' && e.text.includes('Connection invalid'), { after: mark });
    await tb.waitFor('message-dropped', () => true, { after: mark, timeoutMs: 5000 });
    await sleep(100);
    expect(events).toEqual([xpc.error('Connection invalid')]);
    expect(r.calls()).toBe(1);
    expect(tb.of('reply-failed', (e) => e.request === heldId)).toHaveLength(1);
  });

  it('a barrier runs after the messages before it were handed over, and at once on a canceled connection', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.barrier');
    conn.activate();
    await request(conn, op('pid'));
    conn.suspend();
    conn.sendMessage(op('echo', { before: xpc.bool(true) }));
    const sent = await tb.waitFor('message-sent', (e) => e.service === 'com.test.barrier' && e.messageKind === 'message' && !e.expectsReply, { after: mark });
    let deliveredWhenRun: boolean | undefined;
    conn.sendBarrier(() => {
      // Handed over before the barrier ran: the message was already delivered.
      deliveredWhenRun = tb.of('message-delivered', (e) => e.message === sent.message).length === 1;
    });
    await sleep(200);
    expect(deliveredWhenRun).toBeUndefined();
    conn.resume();
    await until(() => deliveredWhenRun !== undefined, 'the barrier runs');
    expect(deliveredWhenRun).toBe(true);
    conn.cancel();
    let ranOnCanceled = false;
    conn.sendBarrier(() => (ranOnCanceled = true));
    await sleep(0);
    expect(ranOnCanceled).toBe(true);
  });
});

describe('lookup', () => {
  it('an unknown service name invalidates the connection with a reason', async () => {
    const conn = createConnection('com.test.nope');
    const events = recordEvents(conn);
    conn.activate();
    const r = await request(conn, op('echo'));
    expect(r.error).toBe('Connection invalid');
    await until(() => events.length === 1, 'the error event');
    expect(events[0]).toEqual(xpc.error('Connection invalid'));
    expect(conn.invalidationReason).toMatch(/no service named "com.test.nope" is registered/);
    const state = await tb.waitFor('connection-state', (e) => e.state === 'invalidated' && (e.reason ?? '').includes('com.test.nope'));
    expect(state.reason).toMatch(/registered: .*com\.test\.agent/);
  });

  it('a launch daemon is found only with the privileged flag, an agent only without it', async () => {
    const plain = createConnection('com.test.daemon');
    plain.activate();
    const a = await request(plain, op('pid'));
    expect(a.error).toBe('Connection invalid');
    expect(plain.invalidationReason).toMatch(/launch daemon com\.test\.daemon.*privileged flag/);

    const privileged = createConnection('com.test.daemon', { privileged: true });
    privileged.activate();
    const b = await request(privileged, op('pid'));
    expect(dictGetInt(b.reply, 'pid')).toBeGreaterThan(0n);
    privileged.cancel();

    const agent = createConnection('com.test.agent', { privileged: true });
    agent.activate();
    const c = await request(agent, op('pid'));
    expect(c.error).toBe('Connection invalid');
    expect(agent.invalidationReason).toMatch(/launch agent .*privileged flag looks only for launch daemons/);
  });
});

describe('sessions', () => {
  it('sending on an inactive session and activating twice are misuse errors', async () => {
    const session = new XPCSession('com.test.session', { inactive: true });
    expect(() => session.send(op('echo'))).toThrow(XPCMisuseError);
    expect(() => session.sendWithReply(op('echo'))).toThrow(XPCMisuseError);
    session.activate();
    expect(() => session.activate()).toThrow(XPCMisuseError);
    const reply = await session.sendWithReply(op('echo', { n: xpc.int64(3) }));
    expect(dictGetInt(dictGet(reply, 'echo'), 'n')).toBe(3n);
    const sync = await session.sendSync(op('echo', { n: xpc.int64(4) }));
    expect(dictGetInt(dictGet(sync, 'echo'), 'n')).toBe(4n);
    session.cancel();
  });

  it('when the client cancels a session, the listener side is cancelled too, with the reason', async () => {
    const mark = tb.mark();
    const session = new XPCSession('com.test.session');
    await session.sendWithReply(op('echo'));
    session.cancel();
    const told = await tb.waitFor('process-output', (e) => e.job === 'com.test.session' && e.text.includes('sessionEnded'), { after: mark });
    expect(JSON.parse(told.text)).toMatchObject({ sessionEnded: 'Connection invalid', reason: 'the client canceled the session' });
    expect(session.isCancelled).toBe(true);
  });

  it('a session is cancelled, not reconnected, when its service dies: error, reason and retryable', async () => {
    const mark = tb.mark();
    const ended: XPCError[] = [];
    const session = new XPCSession('com.test.session-crash', { cancellationHandler: (e) => ended.push(e) });
    const reply = await session.sendWithReply(op('pid'));
    const pid = Number(dictGetInt(reply, 'pid'));
    process.kill(pid, 'SIGKILL');
    await until(() => ended.length === 1, 'the cancellation handler runs');
    expect(ended[0]!.error).toBe('Connection invalid');
    expect(ended[0]!.reason).toMatch(/com\.test\.session-crash \(pid \d+\) crashed|closed its connection/);
    expect(ended[0]!.retryable).toBe(true);
    expect(() => session.send(op('echo'))).toThrow(XPCError);
    await sleep(300);
    expect(tb.of('process-launched', (e) => e.job === 'com.test.session-crash', mark)).toHaveLength(1);
    const state = tb.of('connection-state', (e) => e.state === 'invalidated', mark)[0]!;
    expect(state.retryable).toBe(true);
  });

  it('a listener that rejects a session cancels it with the reason, not retryable', async () => {
    const ended: XPCError[] = [];
    const session = new XPCSession('com.test.rejecting', { cancellationHandler: (e) => ended.push(e) });
    const failure = await session.sendWithReply(op('echo')).then(
      () => undefined,
      (e: unknown) => e as XPCError,
    );
    expect(failure).toBeInstanceOf(XPCError);
    expect(failure!.reason).toMatch(/rejected by the listener: this listener rejects every session/);
    await until(() => ended.length === 1, 'the cancellation handler runs');
    expect(ended[0]!.retryable).toBe(false);
  });
});

describe('endpoints', () => {
  it('connections made from an endpoint get INVALID, not INTERRUPTED, when the listener dies', async () => {
    const host = createConnection('com.test.endpoint-host');
    const hostEvents = recordEvents(host);
    host.activate();
    const made = await request(host, op('endpoint'));
    const endpoint = dictGet(made.reply, 'endpoint');
    expect(endpoint?.type).toBe('endpoint');
    if (endpoint?.type !== 'endpoint') return;
    const viaEndpoint = createConnectionFromEndpoint(endpoint);
    const endpointEvents = recordEvents(viaEndpoint);
    viaEndpoint.activate();
    const r = await request(viaEndpoint, op('pid'));
    const pid = Number(dictGetInt(r.reply, 'pid'));
    const opened = await tb.waitFor('connection-opened', (e) => e.viaEndpoint);
    expect(opened.service).toBe(endpoint.service);
    process.kill(pid, 'SIGKILL');
    await until(() => endpointEvents.length > 0 && hostEvents.length > 0, 'both connections hear of it');
    expect(endpointEvents).toEqual([xpc.error('Connection invalid')]);
    expect(hostEvents).toEqual([xpc.error('Connection interrupted')]);
    expect(viaEndpoint.invalidationReason).toMatch(/com\.test\.endpoint-host \(pid \d+\)/);
    host.cancel();
  });
});

describe('peer requirements', () => {
  const cases: [string, RegExp][] = [
    ['com.test.req.uid', new RegExp(`runs as uid ${uid}, the listener requires uid ${uid + 1}`)],
    ['com.test.req.path', /runs .*node.*, the listener requires \/nonexistent\/bin\/node/],
    ['com.test.req.sha', /with sha256 [0-9a-f]{64}, the listener requires sha256 0{64}/],
  ];
  for (const [service, reason] of cases) {
    it(`a client failing the listener's requirement is rejected with the peer error (${service.split('.').pop()})`, async () => {
      const mark = tb.mark();
      const conn = createConnection(service);
      const events = recordEvents(conn);
      conn.activate();
      const r = await request(conn, op('echo'));
      expect(r.error).toBe('Peer Forbidden');
      expect(r.reason).toMatch(reason);
      const rejected = await tb.waitFor('peer-rejected', (e) => e.clientPid === process.pid, { after: mark });
      expect(rejected.reason).toMatch(reason);
      await until(() => events.length === 1, 'the connection error');
      expect(events[0]).toEqual(xpc.error('Peer Forbidden'));
      expect(conn.invalidationReason).toMatch(reason);
      expect(tb.of('message-delivered', () => true, mark)).toHaveLength(0);
    });
  }

  it('a client meeting uid, executable path and sha256 requirements is served', async () => {
    const conn = createConnection('com.test.req.ok');
    conn.activate();
    const r = await request(conn, op('echo', { n: xpc.int64(1) }));
    expect(r.error).toBeUndefined();
    expect(dictGetInt(dictGet(r.reply, 'echo'), 'n')).toBe(1n);
    conn.cancel();
  });
});

