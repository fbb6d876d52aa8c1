/**
 * The demo jobs the app starts with (sdk/demo/jobs): the plists, byte for byte, run against
 * freshly bundled demo programs laid out as `npm run build` lays them out (out/demo/*.mjs),
 * and the traffic generator makes every demo service busy at once.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InspectorEvent } from '../../app/events/schema';
import { Broker } from './broker';
import { bundleSdkPrograms, REPO_ROOT } from './testing/bundle';
import { until } from './testing/client-helpers';

let root: string;
let socketDir: string;
let broker: Broker;
const events: InspectorEvent[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xpc-demo-'));
  const demos = readdirSync(join(REPO_ROOT, 'sdk', 'demo')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const bundles = await bundleSdkPrograms(demos.map((f) => `sdk/demo/${f}`));
  mkdirSync(join(root, 'out', 'demo'), { recursive: true });
  for (const f of demos) copyFileSync(bundles.path(f.replace(/\.ts$/, '')), join(root, 'out', 'demo', f.replace(/\.ts$/, '.mjs')));
  for (const folder of ['LaunchAgents', 'LaunchDaemons', 'XPCServices']) {
    const from = join(REPO_ROOT, 'sdk', 'demo', 'jobs', folder);
    const to = join(root, 'sdk', 'demo', 'jobs', folder);
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
  }
  socketDir = mkdtempSync('/tmp/xpcd-');
  broker = await Broker.start({
    jobsDir: join(root, 'sdk', 'demo', 'jobs'),
    socketPath: join(socketDir, 'b.sock'),
    env: { TRAFFIC_INTERVAL_MS: '20' },
    log: () => undefined,
  });
  broker.onEvent((e) => events.push(e));
});

afterAll(async () => {
  await broker?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  if (socketDir) rmSync(socketDir, { recursive: true, force: true });
});

it('the demo jobs load as agents, a daemon and an XPC service, with no failures', () => {
  const kinds = Object.fromEntries(broker.jobs().map((j) => [j.label, j.kind]));
  expect(kinds).toEqual({
    'com.example.echo': 'launch-agent',
    'com.example.flaky': 'launch-agent',
    'com.example.ticker': 'launch-agent',
    'com.example.traffic': 'launch-agent',
    'com.example.clockd': 'launch-daemon',
    'com.example.thumbnailer': 'xpc-service',
  });
  expect(events.filter((e) => e.kind === 'job-failed')).toEqual([]);
  expect(events.filter((e) => e.kind === 'job-loaded').every((e) => e.kind === 'job-loaded' && e.warnings.length === 0)).toBe(true);
});

it('the traffic generator starts at load and every demo service answers it', { timeout: 60_000 }, async () => {
  const traffic = await waitForEvent((e) => e.kind === 'process-launched' && e.job === 'com.example.traffic');
  expect(traffic.kind === 'process-launched' && traffic.reason).toBe('run-at-load');
  const pidOf = (job: string): Set<number> =>
    new Set(events.flatMap((e) => (e.kind === 'process-launched' && e.job === job ? [e.pid] : [])));
  const answeredBy = (job: string): boolean => {
    const pids = pidOf(job);
    return events.some((e) => e.kind === 'message-sent' && e.messageKind === 'reply' && pids.has(e.fromPid));
  };
  for (const job of ['com.example.echo', 'com.example.thumbnailer', 'com.example.clockd', 'com.example.flaky', 'com.example.ticker']) {
    await until(() => answeredBy(job), `${job} answers the traffic generator`, 30_000);
  }
  // The ticker also talks on its own, and the flaky service crashes and comes back.
  await until(() => events.some((e) => e.kind === 'message-sent' && e.messageKind === 'message' && pidOf('com.example.ticker').has(e.fromPid)), 'a tick arrives', 30_000);
  await until(() => events.some((e) => e.kind === 'process-exited' && e.job === 'com.example.flaky' && e.reason === 'crashed'), 'flaky crashes', 30_000);
  await until(() => pidOf('com.example.flaky').size >= 2, 'flaky is relaunched', 30_000);
  expect(events.some((e) => e.kind === 'connection-state' && e.state === 'invalidated' && (e.reason ?? '').includes('com.example.does-not-exist'))).toBe(true);
  expect(events.some((e) => e.kind === 'boost' && pidOf('com.example.echo').has(e.pid))).toBe(true);
  const thumbnailer = events.find((e) => e.kind === 'process-launched' && e.job === 'com.example.thumbnailer');
  expect(thumbnailer?.kind === 'process-launched' && thumbnailer.forClientPid).toBe(traffic.kind === 'process-launched' ? traffic.pid : -1);
});

function waitForEvent(match: (e: InspectorEvent) => boolean, timeoutMs = 20_000): Promise<InspectorEvent> {
  return until(() => events.some(match), 'the event', timeoutMs).then(() => events.find(match)!);
}
