/**
 * Runtime rules of DESIGN.md that need two real processes on each side to show: a barrier does
 * not pause receipt, an event handler never overlaps itself, a peer requirement drops one-way
 * messages too, and a session ends when the process at its other end dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictGetInt, dictGetString, xpc, type XpcValue } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc } from '../../sdk';
import { bundleSdkPrograms, type Bundles } from './testing/bundle';
import { op, recordEvents, request, until } from './testing/client-helpers';
import { sleep, TestBroker, type FixtureJob } from './testing/harness';

let tb: TestBroker;
let bundles: Bundles;
const uid = process.getuid!();

beforeAll(async () => {
  bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts', 'sdk/testing/fixture-client.ts']);
  const service = bundles.path('fixture-service');
  const agent = (label: string, extra: Partial<FixtureJob> = {}): FixtureJob => ({ label, kind: 'agent', program: service, services: [label], ...extra });
  tb = await TestBroker.start([
    agent('com.test.pusher'),
    agent('com.test.serial'),
    agent('com.test.guarded', { env: { FIXTURE_REQUIREMENT: JSON.stringify({ uid: uid + 1 }) } }),
    agent('com.test.sessions', { env: { FIXTURE_API: 'session' } }),
    { label: 'com.test.daemon-caller', kind: 'daemon', program: service, services: ['com.test.daemon-caller'], runAtLoad: true, env: { FIXTURE_CONNECT_TO: 'com.test.pusher' } },
    agent('com.test.agent-caller', { runAtLoad: true, env: { FIXTURE_CONNECT_TO: 'com.test.pusher' } }),
  ]);
  configureXpc({ socketPath: tb.socketPath, processType: 'app' });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

describe('barriers and handlers', () => {
  it('a barrier waiting behind a synchronous send does not hold back messages arriving on the connection', async () => {
    const watched = createConnection('com.test.pusher');
    const received: string[] = [];
    watched.setEventHandler((event: XpcValue) => {
      const text = dictGetString(event, 'pushed');
      if (text !== undefined) received.push(text);
    });
    watched.activate();
    await request(watched, op('pid'));

    // The sync send keeps everything after it — the one-way message, then the barrier — waiting.
    const slow = watched.sendMessageWithReplySync(op('work', { ms: xpc.int64(1500) }));
    watched.sendMessage(op('echo'));
    let pushesWhenBarrierRan: number | undefined;
    watched.sendBarrier(() => (pushesWhenBarrierRan = received.length));

    // Meanwhile another connection makes the service push to every peer, the waiting one included.
    const pusher = createConnection('com.test.pusher');
    pusher.activate();
    const pushed = await request(pusher, op('push', { text: xpc.string('while a barrier waits') }));
    expect(Number(dictGetInt(pushed.reply, 'pushedTo'))).toBeGreaterThanOrEqual(2);
    await until(() => received.includes('while a barrier waits'), 'the pushed message is received');
    expect(pushesWhenBarrierRan).toBeUndefined();

    await slow;
    await until(() => pushesWhenBarrierRan !== undefined, 'the barrier runs');
    expect(pushesWhenBarrierRan).toBe(1);
    watched.cancel();
    pusher.cancel();
  });

  it("never runs a connection's async event handler while its previous call is still running", async () => {
    const conn = createConnection('com.test.serial');
    let running = 0;
    let overlapped = 0;
    let handled = 0;
    conn.setEventHandler(async (event: XpcValue) => {
      if (dictGetString(event, 'pushed') === undefined) return;
      running += 1;
      if (running > 1) overlapped += 1;
      await sleep(5);
      handled += 1;
      running -= 1;
    });
    conn.activate();
    await request(conn, op('pid'));
    const other = createConnection('com.test.serial');
    other.activate();
    for (let i = 0; i < 20; i++) void request(other, op('push', { text: xpc.string(`push ${i}`) }));
    await until(() => handled === 20, 'all twenty pushes are handled', 15_000);
    expect(overlapped).toBe(0);
    conn.cancel();
    other.cancel();
  });
});

describe('peer requirements on one-way messages', () => {
  it('drops a one-way message from a client that fails the requirement, and invalidates the connection with the reason', async () => {
    const mark = tb.mark();
    const conn = createConnection('com.test.guarded');
    const events = recordEvents(conn);
    conn.activate();
    conn.sendMessage(op('echo', { unanswered: xpc.bool(true) }));
    const rejected = await tb.waitFor('peer-rejected', (e) => e.clientPid === process.pid, { after: mark });
    expect(rejected.reason).toMatch(new RegExp(`runs as uid ${uid}, the listener requires uid ${uid + 1}`));
    await until(() => events.length === 1, 'the connection error');
    expect(events[0]).toEqual(xpc.error('Peer Forbidden'));
    await sleep(200);
    expect(tb.of('message-delivered', () => true, mark)).toHaveLength(0);
  });
});

describe('sessions and process death', () => {
  it("cancels the listener's session, with a reason, when the client process is killed", async () => {
    const client = tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'session', service: 'com.test.sessions' })]);
    const ready = await client.line<{ pid: number; servicePid: number }>((l) => l.ready === true);
    const mark = tb.mark();
    client.kill('SIGKILL');
    const ended = await tb.waitFor('process-output', (e) => e.pid === ready.servicePid && e.text.includes('sessionEnded'), { after: mark });
    const line = JSON.parse(ended.text.trim().split('\n').find((l) => l.includes('sessionEnded'))!) as { sessionEnded: string; reason: string };
    expect(line.sessionEnded).toBe('Connection invalid');
    expect(line.reason).toContain(`(pid ${client.pid}) went away`);
    const state = await tb.waitFor('connection-state', (e) => e.state === 'invalidated' || e.state === 'canceled', { after: mark });
    expect(state.reason).toMatch(/\S/);
  });
});

describe('who may connect to whom', () => {
  it('refuses a launch daemon that initiates a connection to a launch agent, with the reason; an agent may', async () => {
    const refused = await tb.waitFor('process-output', (e) => e.job === 'com.test.daemon-caller' && e.text.includes('connectError'));
    const line = JSON.parse(refused.text.trim().split('\n').find((l) => l.includes('connectError'))!) as { connectError: string; reason: string };
    expect(line.connectError).toBe('Connection invalid');
    expect(line.reason).toMatch(/launch daemon com\.test\.daemon-caller \(pid \d+\) cannot connect to "com\.test\.pusher", the launch agent com\.test\.pusher/);
    const state = await tb.waitFor('connection-state', (e) => e.state === 'invalidated' && (e.reason ?? '').includes('cannot connect to "com.test.pusher"'));
    expect(state.reason).toContain('daemons answer user processes but cannot initiate connections to them');
    const allowed = await tb.waitFor('process-output', (e) => e.job === 'com.test.agent-caller' && e.text.includes('connectedTo'));
    expect(allowed.text).toContain('"connectedTo":"com.test.pusher"');
  });
});
