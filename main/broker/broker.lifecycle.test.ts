/**
 * Launching, crashing, relaunching and ending services, with real service processes and real
 * client processes (killed with SIGKILL where the behaviour is about a process dying).
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
      agent('com.test.crashy', { throttleIntervalSec: 2 }),
      agent('com.test.watch'),
      { label: 'com.test.perclient', kind: 'xpc-service', program: service, pressuredExit: false },
      agent('com.test.idle', { pressuredExit: true, idleTimeoutSec: 0.5, throttleIntervalSec: 1 }),
      agent('com.test.keepalive', { keepAlive: true, runAtLoad: true, throttleIntervalSec: 1 }),
      agent('com.test.no-checkin', { env: { FIXTURE_EXIT_AT_START: '1' } }),
      agent('com.test.no-program', { argv: ['/nonexistent/bin/service'] }),
    ],
    { checkInTimeoutMs: 3000 },
  );
  configureXpc({ socketPath: tb.socketPath, processType: 'app' });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

describe('crash and relaunch', () => {
  it('kill -9 of a service mid-request: the reply handler gets the error once, the client sees INTERRUPTED, the next message relaunches', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.crashy');
    const events = recordEvents(conn);
    conn.activate();
    const first = await request(conn, op('pid'));
    const pid = Number(dictGetInt(first.reply, 'pid'));
    const pending = request(conn, op('work', { ms: xpc.int64(10_000) }));
    await tb.waitFor('message-delivered', (e) => e.toPid === pid, { after: tb.mark() });
    process.kill(pid, 'SIGKILL');
    const failed = await pending;
    expect(failed.error).toBe('Connection interrupted');
    expect(failed.reason).toMatch(new RegExp(`com\\.test\\.crashy \\(pid ${pid}\\) crashed \\(killed by SIGKILL\\)`));
    await until(() => events.length === 1, 'the INTERRUPTED event');
    expect(events[0]).toEqual(xpc.error('Connection interrupted'));
    expect(conn.invalidationReason).toMatch(/crashed \(killed by SIGKILL\)/);
    const exited = await tb.waitFor('process-exited', (e) => e.pid === pid);
    expect(exited.reason).toBe('crashed');
    expect(exited.transactionsHeld).toBe(1);

    const again = await request(conn, op('pid'));
    const newPid = Number(dictGetInt(again.reply, 'pid'));
    expect(newPid).not.toBe(pid);
    const relaunch = tb.of('process-launched', (e) => e.job === 'com.test.crashy', mark);
    expect(relaunch.map((e) => e.reason)).toEqual(['on-demand', 'relaunch']);
    await sleep(100);
    expect(failed.calls()).toBe(1);
    expect(tb.of('reply-failed', (e) => e.reason.includes(`pid ${pid}`), mark)).toHaveLength(1);
    conn.cancel();
  });

  it('a crashed service is relaunched no sooner than its ThrottleInterval after its previous launch', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.crashy');
    conn.activate();
    const r = await request(conn, op('pid'));
    const pid = Number(dictGetInt(r.reply, 'pid'));
    const launchedAt = tb.of('process-launched', (e) => e.pid === pid)[0]!.t;
    process.kill(pid, 'SIGKILL');
    await tb.waitFor('process-exited', (e) => e.pid === pid);
    const again = await request(conn, op('pid'));
    const newPid = Number(dictGetInt(again.reply, 'pid'));
    const relaunched = tb.of('process-launched', (e) => e.pid === newPid)[0]!;
    const throttled = tb.of('launch-throttled', (e) => e.job === 'com.test.crashy', mark);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.delayNs).toBeGreaterThan(0);
    // The wait it announced was served in full before the relaunch.
    expect(relaunched.t - throttled[0]!.t).toBeGreaterThanOrEqual(throttled[0]!.delayNs);
    // The interval runs from the previous launch (spawn itself takes a variable moment under load).
    expect(relaunched.t - launchedAt).toBeGreaterThanOrEqual(2e9 - 250e6);
    conn.cancel();
  });

  it('KeepAlive relaunches a service that ends, and RunAtLoad starts it when the jobs load', async () => {
    const first = await tb.waitFor('process-launched', (e) => e.job === 'com.test.keepalive');
    expect(first.reason).toBe('run-at-load');
    process.kill(first.pid, 'SIGKILL');
    const second = await tb.waitFor('process-launched', (e) => e.job === 'com.test.keepalive' && e.pid !== first.pid);
    expect(second.reason).toBe('keep-alive');
    const conn = createConnection('com.test.keepalive');
    conn.activate();
    const r = await request(conn, op('pid'));
    expect(Number(dictGetInt(r.reply, 'pid'))).toBe(second.pid);
    conn.cancel();
  });

  it('a service that exits before it starts listening fails the waiting request with the reason', async () => {
    const conn = createConnection('com.test.no-checkin');
    const events = recordEvents(conn);
    conn.activate();
    const r = await request(conn, op('echo'));
    expect(r.error).toBe('Connection interrupted');
    expect(r.reason).toMatch(/com\.test\.no-checkin \(pid \d+\) crashed \(exited with code 3\) before it started listening/);
    await until(() => events.length === 1, 'the INTERRUPTED event');
    conn.cancel();
  });

  it('a job whose program does not exist fails the launch and the request says why', async () => {
    const conn = createConnection('com.test.no-program');
    conn.activate();
    const r = await request(conn, op('echo'));
    expect(r.error).toBe('Connection interrupted');
    expect(r.reason).toMatch(/cannot launch com\.test\.no-program: ENOENT/);
    const exited = await tb.waitFor('process-exited', (e) => e.job === 'com.test.no-program');
    expect(exited.reason).toBe('launch-failed');
    conn.cancel();
  });
});

describe('idle exit', () => {
  it('an idle service with pressured exit exits after its idle timeout, and the next message relaunches it', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.idle');
    const events = recordEvents(conn);
    conn.activate();
    const r = await request(conn, op('pid'));
    const pid = Number(dictGetInt(r.reply, 'pid'));
    const idle = await tb.waitFor('idle', (e) => e.pid === pid, { after: mark });
    const exited = await tb.waitFor('process-exited', (e) => e.pid === pid, { timeoutMs: 5000 });
    expect(exited.reason).toBe('idle-exit');
    expect(exited.code).toBe(0);
    expect(exited.transactionsHeld).toBe(0);
    expect(exited.t - idle.t).toBeGreaterThanOrEqual(0.5e9 - 5e6);
    await until(() => events.length === 1, 'the INTERRUPTED event');
    expect(events[0]).toEqual(xpc.error('Connection interrupted'));
    const again = await request(conn, op('pid'));
    expect(Number(dictGetInt(again.reply, 'pid'))).not.toBe(pid);
    conn.cancel();
  });

  it('a service holding a transaction does not exit while idle time passes', async () => {
    const conn = createConnection('com.test.idle');
    conn.activate();
    const r = await request(conn, op('begin'));
    expect(r.error).toBeUndefined();
    const pid = tb.of('message-delivered').at(-1)!.toPid;
    await sleep(1200);
    expect(tb.of('process-exited', (e) => e.pid === pid)).toHaveLength(0);
    await request(conn, op('end'));
    const exited = await tb.waitFor('process-exited', (e) => e.pid === pid, { timeoutMs: 5000 });
    expect(exited.reason).toBe('idle-exit');
    conn.cancel();
  });
});

describe('clients going away', () => {
  it('an XPC service runs one process per client process', async () => {
    const a = tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'stay', services: ['com.test.perclient'] })]);
    const b = tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'stay', services: ['com.test.perclient'] })]);
    const pa = await a.line<{ pid: number }>((l) => l.service === 'com.test.perclient');
    const pb = await b.line<{ pid: number }>((l) => l.service === 'com.test.perclient');
    expect(pa.pid).not.toBe(pb.pid);
    expect(tb.of('process-launched', (e) => e.pid === pa.pid)[0]!.forClientPid).toBe(a.pid);
    expect(tb.of('process-launched', (e) => e.pid === pb.pid)[0]!.forClientPid).toBe(b.pid);
    a.kill();
    b.kill();
  });

  it('killing a client invalidates its peer connection in the service and ends its XPC-service instance', async () => {
    const client = tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'stay', services: ['com.test.watch', 'com.test.perclient'] })]);
    await client.line((l) => l.ready === true);
    const instance = tb.of('process-launched', (e) => e.job === 'com.test.perclient' && e.forClientPid === client.pid)[0]!;
    client.kill('SIGKILL');
    const peerEvent = await tb.waitFor('process-output', (e) => e.job === 'com.test.watch' && e.text.includes(`"clientPid":${client.pid}`));
    expect(JSON.parse(peerEvent.text)).toMatchObject({ peerEvent: 'Connection invalid' });
    expect(JSON.parse(peerEvent.text).reason).toMatch(new RegExp(`pid ${client.pid}\\) went away`));
    const exited = await tb.waitFor('process-exited', (e) => e.pid === instance.pid);
    expect(exited.reason).toBe('client-exited');
    const detached = await tb.waitFor('process-detached', (e) => e.pid === client.pid);
    expect(detached.reason).toBeTruthy();
  });
});
