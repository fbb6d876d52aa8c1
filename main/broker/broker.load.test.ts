/**
 * Many real client processes at once through one broker and one service: every reply must
 * reach the request it answers, and none may be lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleSdkPrograms, type Bundles } from './testing/bundle';
import { TestBroker } from './testing/harness';

const CLIENTS = 50;
const REQUESTS = 1000;

let tb: TestBroker;
let bundles: Bundles;

beforeAll(async () => {
  bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts', 'sdk/testing/fixture-client.ts']);
  tb = await TestBroker.start(
    [{ label: 'com.test.load', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.load'] }],
    {},
    (e) => e.kind === 'process-launched' || e.kind === 'process-exited' || e.kind === 'reply-failed' || e.kind === 'message-dropped',
  );
});

afterAll(async () => {
  await tb?.stop();
});

it(`${CLIENTS} concurrent client processes × ${REQUESTS} requests: every reply correlated, none lost`, { timeout: 180_000 }, async () => {
  const started = Date.now();
  const clients = Array.from({ length: CLIENTS }, () =>
    tb.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'load', service: 'com.test.load', count: REQUESTS, window: 8 })]),
  );
  const results = await Promise.all(clients.map((c) => c.line<{ replies: number; errors: number; mismatches: number }>((l) => l.done === true, 170_000, 'its summary')));
  const elapsed = (Date.now() - started) / 1000;
  for (const r of results) expect(r).toMatchObject({ replies: REQUESTS, errors: 0, mismatches: 0 });
  expect(tb.counts.get('reply-received')).toBe(CLIENTS * REQUESTS);
  expect(tb.of('reply-failed')).toHaveLength(0);
  expect(tb.of('message-dropped')).toHaveLength(0);
  expect(tb.of('process-launched', (e) => e.job === 'com.test.load')).toHaveLength(1);
  console.log(`${CLIENTS * REQUESTS} round trips from ${CLIENTS} processes in ${elapsed.toFixed(1)} s (${Math.round((CLIENTS * REQUESTS) / elapsed)} req/s, ${tb.counts.size} event kinds, ${[...tb.counts.values()].reduce((a, b) => a + b, 0)} events)`);
});

it('one-way messages on a connection are delivered in the order sent, each handled once, none lost', { timeout: 120_000 }, async () => {
  const own = await TestBroker.start(
    [{ label: 'com.test.oneway', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.oneway'] }],
    {},
    (e) => (e.kind === 'message-sent' && !e.expectsReply) || e.kind === 'message-delivered' || e.kind === 'message-handled',
  );
  try {
    const count = 10_000;
    const client = own.spawnClient(bundles.path('fixture-client'), [JSON.stringify({ scenario: 'oneway', service: 'com.test.oneway', count })]);
    await client.line((l) => l.done === true, 110_000, 'its summary');
    const sent = own.of('message-sent', (e) => e.fromPid === client.pid && e.messageKind === 'message').map((e) => e.message);
    expect(sent).toHaveLength(count);
    const ids = new Set(sent);
    const delivered = own.of('message-delivered', (e) => ids.has(e.message)).map((e) => e.message);
    expect(delivered).toEqual(sent);
    const handled = own.of('message-handled', (e) => ids.has(e.message)).map((e) => e.message);
    expect(handled).toEqual(sent);
  } finally {
    await own.stop();
  }
});
