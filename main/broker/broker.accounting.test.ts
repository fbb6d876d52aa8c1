/**
 * xpc_main(3)'s accounting through a real broker: long-held transactions, forced termination
 * with TERMINATION_IMMINENT, and priority boosts from app-type versus background clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictGetInt, xpc } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc } from '../../sdk';
import { bundleSdkPrograms, type Bundles } from './testing/bundle';
import { op, recordEvents, request, until } from './testing/client-helpers';
import { sleep, TestBroker, type FixtureJob } from './testing/harness';

let tb: TestBroker;
let bundles: Bundles;

beforeAll(async () => {
  bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts', 'sdk/testing/fixture-client.ts']);
  const service = bundles.path('fixture-service');
  const agent = (label: string, extra: Partial<FixtureJob> = {}): FixtureJob => ({ label, kind: 'agent', program: service, services: [label], ...extra });
  tb = await TestBroker.start(
    [
      agent('com.test.leaky'),
      agent('com.test.busy', { throttleIntervalSec: 1 }),
      agent('com.test.quiet'),
      agent('com.test.adaptive', { processType: 'Adaptive' }),
      agent('com.test.standard'),
    ],
    { longHeldTransactionMs: 400, terminationTimeoutMs: 8000 },
  );
  configureXpc({ socketPath: tb.socketPath, processType: 'app' });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

describe('transactions', () => {
  it('a leaked transaction is flagged long-held, again at intervals, until it ends', async () => {
    const conn = createConnection('com.test.leaky');
    conn.activate();
    const pid = Number(dictGetInt((await request(conn, op('pid'))).reply, 'pid'));
    const mark = tb.mark();
    await request(conn, op('begin'));
    const first = await tb.waitFor('transaction-long-held', (e) => e.pid === pid, { after: mark });
    expect(first.oldestCause).toBe('explicit-begin');
    expect(first.count).toBe(1);
    expect(first.heldNs).toBeGreaterThanOrEqual(400e6);
    const second = await tb.waitFor('transaction-long-held', (e) => e.pid === pid, { after: first.seq });
    expect(second.t - first.t).toBeGreaterThanOrEqual(400e6 - 5e6);
    expect(second.heldNs).toBeGreaterThan(first.heldNs);
    await request(conn, op('end'));
    const ended = tb.mark();
    await sleep(700);
    expect(tb.of('transaction-long-held', (e) => e.pid === pid, ended)).toHaveLength(0);
    const counts = tb.of('transaction', (e) => e.pid === pid, mark);
    expect(counts.filter((e) => e.cause === 'explicit-begin')).toHaveLength(1);
    expect(counts.filter((e) => e.cause === 'explicit-end')).toHaveLength(1);
    expect(counts.at(-1)!.count).toBe(0);
    conn.cancel();
  });

  it('ending a transaction that was never begun is a misuse error in the service, so that request gets no reply', async () => {
    const conn = createConnection('com.test.leaky');
    conn.activate();
    const r = await request(conn, op('end'));
    // The service's own SDK refuses the unbalanced end: its handler throws and no reply is created.
    expect(r.error).toBe('Connection invalid');
    expect(r.reason).toMatch(/without creating a reply/);
    conn.cancel();
  });
});

describe('forced termination', () => {
  it('with transactions open: TERMINATION_IMMINENT to peers, no further deliveries, exit when the last one ends', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.busy');
    conn.activate();
    const pid = Number(dictGetInt((await request(conn, op('pid'))).reply, 'pid'));
    const working = request(conn, op('work', { ms: xpc.int64(1500) }));
    await tb.waitFor('message-delivered', (e) => e.toPid === pid, { after: tb.mark() });
    const stopped = tb.broker.stopService('com.test.busy');
    const imminent = await tb.waitFor('termination-imminent', (e) => e.pid === pid, { after: mark });
    expect(imminent.transactionsHeld).toBeGreaterThanOrEqual(1);
    const told = await tb.waitFor('process-output', (e) => e.pid === pid && e.text.includes('Termination imminent'), { after: mark });
    expect(JSON.parse(told.text).reason).toMatch(/being stopped/);
    // Sent after the announcement: held by the broker, not delivered to the exiting process.
    const beforeLate = tb.mark();
    const late = request(conn, op('pid'));
    const lateId = (await tb.waitFor('message-sent', (e) => e.fromPid === process.pid, { after: beforeLate })).message;
    const done = await working;
    expect(dictGetInt(done.reply, 'worked')).toBe(1500n);
    await stopped;
    const exited = tb.of('process-exited', (e) => e.pid === pid)[0]!;
    expect(exited.reason).toBe('terminated');
    expect(exited.code).toBe(0);
    expect(tb.of('message-delivered', (e) => e.message === lateId && e.toPid === pid)).toHaveLength(0);
    // The held message is not lost: it relaunches the service and is answered there.
    const lateReply = await late;
    expect(Number(dictGetInt(lateReply.reply, 'pid'))).not.toBe(pid);
    conn.cancel();
  });

  it('an idle service is stopped at once, without TERMINATION_IMMINENT', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.quiet');
    conn.activate();
    const pid = Number(dictGetInt((await request(conn, op('pid'))).reply, 'pid'));
    await tb.broker.stopService('com.test.quiet');
    const exited = tb.of('process-exited', (e) => e.pid === pid)[0]!;
    expect(exited.reason).toBe('terminated');
    expect(tb.of('termination-imminent', () => true, mark).filter((e) => e.pid === pid)).toHaveLength(0);
    conn.cancel();
  });

  it('stopping a job that is not loaded is an error naming it', async () => {
    await expect(tb.broker.stopService('com.test.nothing')).rejects.toThrow(/no job labelled "com.test.nothing"/);
  });
});

describe('boosts', () => {
  it('an app-type client launches an Adaptive service boosted and its message boosts it until the reply is sent', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.adaptive');
    conn.activate();
    await request(conn, op('pid'));
    const launched = await tb.waitFor('process-launched', (e) => e.job === 'com.test.adaptive', { after: mark });
    expect(launched.boosted).toBe(true);
    const afterLaunch = tb.mark();
    const r = await request(conn, op('hold', { ms: xpc.int64(300) }));
    expect(r.error).toBeUndefined();
    const id = tb.of('message-sent', (e) => e.service === 'com.test.adaptive' && e.messageKind === 'message', afterLaunch)[0]!;
    expect(id.boosting).toBe(true);
    const boosts = tb.of('boost', (e) => e.message === id.message, afterLaunch).map((e) => `${e.delta > 0 ? '+' : '-'}${e.cause}=${e.count}`);
    expect(boosts).toEqual(['+message=1', '+reply-transfer=2', '-handled=1', '-reply-sent=0']);
    conn.cancel();
  });

  it('a background client does not boost, and a Standard service is never boosted', async () => {
    const mark = tb.mark();
    const client = tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'once', service: 'com.test.adaptive', body: { op: 'echo' } })], {
      XPC_INSPECTOR_PROCESS_TYPE: 'background',
    });
    await client.line((l) => 'reply' in l || 'error' in l);
    const sent = tb.of('message-sent', (e) => e.fromPid === client.pid, mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.boosting).toBe(false);
    expect(tb.of('boost', (e) => e.message === sent[0]!.message)).toHaveLength(0);
    const attached = tb.of('process-attached', (e) => e.process.pid === client.pid)[0]!;
    expect(attached.processType).toBe('background');

    const standard = createConnection('com.test.standard');
    standard.activate();
    await request(standard, op('echo'));
    const toStandard = tb.of('message-sent', (e) => e.service === 'com.test.standard', mark);
    expect(toStandard.every((e) => !e.boosting)).toBe(true);
    expect(tb.of('boost', (e) => toStandard.some((s) => s.message === e.message))).toHaveLength(0);
    standard.cancel();
  });

  it('boosts of a process end when it exits', async () => {
    const conn = createConnection('com.test.adaptive');
    const events = recordEvents(conn);
    conn.activate();
    const pid = Number(dictGetInt((await request(conn, op('pid'))).reply, 'pid'));
    const mark = tb.mark();
    const pending = request(conn, op('work', { ms: xpc.int64(5000) }));
    await tb.waitFor('boost', (e) => e.pid === pid && e.delta === 1, { after: mark });
    process.kill(pid, 'SIGKILL');
    await pending;
    const ended = await tb.waitFor('boost', (e) => e.pid === pid && e.cause === 'process-exit', { after: mark });
    expect(ended.count).toBe(0);
    await until(() => events.length === 1, 'the INTERRUPTED event');
    conn.cancel();
  });
});

describe('stopping the broker', () => {
  it('announces TERMINATION_IMMINENT to a busy service, lets its work finish, then stops it', async () => {
    const own = await TestBroker.start([{ label: 'com.test.worker', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.worker'] }]);
    const client = own.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'once', service: 'com.test.worker', body: { op: 'work', ms: 800 } })]);
    const delivered = await own.waitFor('message-delivered', (e) => e.message > 0);
    const stopping = own.broker.stop();
    const imminent = await own.waitFor('termination-imminent', (e) => e.pid === delivered.toPid);
    expect(imminent.transactionsHeld).toBeGreaterThanOrEqual(1);
    const answer = await client.line((l) => 'reply' in l || 'error' in l);
    expect(answer).toEqual({ reply: 'dictionary' });
    await stopping;
    const exited = own.of('process-exited', (e) => e.pid === delivered.toPid)[0]!;
    expect(exited.reason).toBe('terminated');
    expect(exited.t).toBeGreaterThan(imminent.t);
    await own.stop();
  });
});
