/**
 * Event streaming through the real server: pause/resume and backlog replay over the bridge
 * WebSocket, checked against the broker's own event stream as ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBatch, SendTestMessageRequest } from '../../app/bridge/contract';
import type { BatchPush, ServerMessage } from '../../app/bridge/protocol';
import { demoServiceJobs } from '../host/test-jobs';
import { waitFor } from '../transport/test-helpers';
import { bridgeUrl, startTestServer, TestClient } from './test-server';

type Served = Awaited<ReturnType<typeof startTestServer>>;

let served: Served;
/** Every seq the broker emitted, in order: what a subscriber must end up with. */
const truth: number[] = [];
let stopTruth: () => void;

const isPush = (m: ServerMessage): m is BatchPush => 'push' in m;
const seqsOf = (client: TestClient, subscription: number): number[] =>
  client.messages.filter(isPush).filter((m) => m.subscription === subscription).flatMap((m) => m.batch.events.map((e) => e.seq));

const echo = (n: number): SendTestMessageRequest => ({
  service: 'com.example.echo',
  privileged: false,
  mode: 'send-with-reply',
  payload: JSON.stringify({ n }),
  processType: 'app',
  timeoutMs: 15_000,
});

async function traffic(client: TestClient, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const answer = await client.call('sendTestMessage', [echo(n)]);
    expect(answer).toMatchObject({ result: { ok: true } });
  }
}

async function subscribe(client: TestClient, fromSeq?: number): Promise<number> {
  const answer = await client.call('subscribe', fromSeq === undefined ? [] : [fromSeq]);
  if (!('result' in answer)) throw new Error(`subscribe failed: ${JSON.stringify(answer)}`);
  return (answer.result as { subscription: number }).subscription;
}

beforeAll(async () => {
  const { dir } = demoServiceJobs([{ label: 'com.example.echo', script: 'echo.mjs' }]);
  served = await startTestServer({ jobsDir: dir, stream: { batchIntervalMs: 5 } });
  stopTruth = served.broker.onEvent((event) => truth.push(event.seq));
});

afterAll(async () => {
  stopTruth?.();
  await served?.dispose();
});

describe('streaming over the bridge WebSocket', () => {
  it('holds events while paused and delivers every one, in order, on resume', async () => {
    const viewer = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const driver = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const subscription = await subscribe(viewer);
    await traffic(driver, 3);
    await waitFor(() => seqsOf(viewer, subscription).length === truth.length, 'the events before the pause');

    await viewer.call('setPaused', [true]);
    const pausedAt = truth.length;
    expect(await viewer.call('getSession')).toMatchObject({ result: { paused: true } });
    await traffic(driver, 10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(truth.length).toBeGreaterThan(pausedAt + 30);
    expect(Math.max(...seqsOf(viewer, subscription))).toBeLessThanOrEqual(truth[pausedAt - 1]!);

    await viewer.call('setPaused', [false]);
    await waitFor(() => seqsOf(viewer, subscription).length >= truth.length, 'the held events');
    expect(seqsOf(viewer, subscription)).toEqual(truth);
    viewer.close();
    driver.close();
  });

  it('replays the backlog from fromSeq with no gap and no duplicate, then continues live', async () => {
    const driver = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    await traffic(driver, 2);
    const from = truth[Math.floor(truth.length / 2)]!;
    const late = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const subscription = await subscribe(late, from);
    await waitFor(() => seqsOf(late, subscription).length > 0, 'the replay');
    await traffic(driver, 2);
    await waitFor(() => seqsOf(late, subscription).at(-1) === truth.at(-1), 'the live events');
    expect(seqsOf(late, subscription)).toEqual(truth.filter((seq) => seq >= from));
    const first = late.messages.find(isPush)!.batch as EventBatch;
    expect(first.lastSeq).toBeGreaterThanOrEqual(first.events.at(-1)!.seq);
    late.close();
    driver.close();
  });

  it('after clear, a new subscriber gets only what happened since', async () => {
    const driver = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    await traffic(driver, 1);
    await driver.call('clear');
    const clearedThrough = truth.at(-1)!;
    await traffic(driver, 1);
    const fresh = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const subscription = await subscribe(fresh);
    await waitFor(() => seqsOf(fresh, subscription).at(-1) === truth.at(-1), 'the events after clear');
    expect(seqsOf(fresh, subscription)).toEqual(truth.filter((seq) => seq > clearedThrough));
    fresh.close();
    driver.close();
  });

  it('stops pushing to a subscription after unsubscribe and after the socket closes', async () => {
    const viewer = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const subscription = await subscribe(viewer);
    await waitFor(() => viewer.messages.some(isPush), 'the greeting');
    expect(await viewer.call('unsubscribe', [subscription])).toMatchObject({ result: null });
    const before = viewer.messages.filter(isPush).length;
    const driver = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    await traffic(driver, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(viewer.messages.filter(isPush).length).toBe(before);
    const subscribers = served.host.stream.subscriberCount;
    await subscribe(viewer);
    expect(served.host.stream.subscriberCount).toBe(subscribers + 1);
    viewer.close();
    await waitFor(() => served.host.stream.subscriberCount === subscribers, 'the closed socket’s subscription to end');
    driver.close();
  });
});
