/**
 * A service dying with many replies outstanding, from several connections and several client
 * processes: every reply handler gets the error exactly once, every connection learns why; and
 * idle exit is something a job opts into with EnablePressuredExit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictGetInt, xpc } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc } from '../../sdk';
import { bundleSdkPrograms, type Bundles } from './testing/bundle';
import { op, recordEvents, request, until, type Settled } from './testing/client-helpers';
import { sleep, TestBroker } from './testing/harness';

let tb: TestBroker;
let bundles: Bundles;
const HOLD_MS = 20_000;

beforeAll(async () => {
  bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts', 'sdk/testing/fixture-client.ts']);
  const service = bundles.path('fixture-service');
  tb = await TestBroker.start([
    { label: 'com.test.busy', kind: 'agent', program: service, services: ['com.test.busy'] },
    { label: 'com.test.resident', kind: 'agent', program: service, services: ['com.test.resident'], pressuredExit: false, idleTimeoutSec: 0.2 },
  ]);
  configureXpc({ socketPath: tb.socketPath, processType: 'app' });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

describe('a crash with many replies outstanding', () => {
  it('fails every outstanding reply handler exactly once, across connections and client processes, each with the reason', async () => {
    const first = createConnection('com.test.busy');
    first.activate();
    const pid = Number(dictGetInt((await request(first, op('pid'))).reply, 'pid'));
    const mark = tb.mark();

    const second = createConnection('com.test.busy');
    const events = [recordEvents(first), recordEvents(second)];
    second.activate();
    const held: Promise<Settled>[] = [];
    for (const conn of [first, second]) for (let i = 0; i < 3; i++) held.push(request(conn, op('hold', { ms: xpc.int64(HOLD_MS) })));
    const children = [0, 1].map(() =>
      tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'once', service: 'com.test.busy', body: { op: 'hold', ms: HOLD_MS } })]),
    );
    await until(() => tb.of('message-delivered', (e) => e.toPid === pid, mark).length === 8, 'all eight requests reached the service');

    process.kill(pid, 'SIGKILL');
    const settled = await Promise.all(held);
    const childResults = await Promise.all(children.map((c) => c.line<{ error?: string; reason?: string }>((l) => 'error' in l || 'reply' in l)));

    for (const result of [...settled, ...childResults]) {
      expect(result.error).toBe('Connection interrupted');
      expect(result.reason).toMatch(new RegExp(`com\\.test\\.busy \\(pid ${pid}\\) crashed \\(killed by SIGKILL\\)`));
    }
    await sleep(200);
    for (const result of settled) expect(result.calls()).toBe(1);
    expect(tb.of('reply-failed', (e) => e.reason.includes(`pid ${pid}`), mark)).toHaveLength(8);
    for (const connEvents of events) {
      await until(() => connEvents.length === 1, 'the INTERRUPTED event');
      expect(connEvents).toEqual([xpc.error('Connection interrupted')]);
    }
    first.cancel();
    second.cancel();
  });

  it('gives every invalidation and interruption the broker reported a reason', () => {
    const ended = tb.of('connection-state', (e) => e.state === 'invalidated' || e.state === 'interrupted');
    expect(ended.length).toBeGreaterThan(0);
    for (const e of ended) expect(e.reason, `connection ${e.connection} ${e.state}`).toMatch(/\S/);
  });
});

describe('idle exit is opt-in', () => {
  it('keeps a service without EnablePressuredExit running past its idle timeout', async () => {
    const conn = createConnection('com.test.resident');
    conn.activate();
    const pid = Number(dictGetInt((await request(conn, op('pid'))).reply, 'pid'));
    conn.cancel();
    await sleep(1500);
    expect(tb.of('process-exited', (e) => e.pid === pid)).toEqual([]);
    expect(() => process.kill(pid, 0)).not.toThrow();
  });
});
