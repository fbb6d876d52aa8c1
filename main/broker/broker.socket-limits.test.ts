/**
 * The broker's socket bounds with real sockets and a broker in its own process (so its memory
 * can be measured alone): a client that floods requests whose answers it never reads, many
 * connections each holding part of a large frame, a connection that never says hello, and
 * connections past the cap. Each bound acts with a log line naming the peer, the other
 * clients keep being served, and the memory goes back down once the offender is gone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessOp } from '../../app/protocol/ops';
import { FRAME_MAGIC, FRAME_HEADER_SIZE, DEFAULT_MESSAGE_FLAGS } from '../../app/xpc/frame';
import { dictGet, dictGetInt, xpc } from '../../app/xpc/value';
import { bundleSdkPrograms } from './testing/bundle';
import { BrokerHostProcess, bundleBrokerHost, type HostMemory } from './testing/broker-host-process';
import { encodeOps, helloOp, ProtocolClient } from './testing/protocol-client';
import { plistFor, sleep, TestBroker } from './testing/harness';
import { until } from './testing/client-helpers';

const MiB = 1024 * 1024;
const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MB`;
const self = new RegExp(`pid ${process.pid} \\(${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`);

let hostBundle: string | undefined;
let jobsDir: string;
const socketDirs: string[] = [];

function socketPath(): string {
  const dir = mkdtempSync('/tmp/xpcl-');
  socketDirs.push(dir);
  return join(dir, 'b.sock');
}

beforeAll(async () => {
  const [host, sdk] = await Promise.all([bundleBrokerHost(), bundleSdkPrograms(['sdk/testing/fixture-service.ts'])]);
  hostBundle = host;
  jobsDir = mkdtempSync(join(tmpdir(), 'xpc-limits-jobs-'));
  mkdirSync(join(jobsDir, 'LaunchAgents'));
  const job = { label: 'com.test.echo', kind: 'agent', program: sdk.path('fixture-service'), services: ['com.test.echo'] } as const;
  writeFileSync(join(jobsDir, 'LaunchAgents', 'com.test.echo.plist'), plistFor(job));
}, 60_000);

afterAll(() => {
  if (hostBundle !== undefined) rmSync(dirname(hostBundle), { recursive: true, force: true });
  rmSync(jobsDir, { recursive: true, force: true });
  for (const dir of socketDirs) rmSync(dir, { recursive: true, force: true });
});

/** A well-behaved client: one echo request through the launched service, answered. */
async function echoRoundTrip(client: ProtocolClient, connection: number, n: number): Promise<number> {
  const started = performance.now();
  client.send({ op: 'send', connection, body: xpc.dictionary({ op: xpc.string('echo'), n: xpc.int64(n) }), reply: true, sync: false });
  const reply = await client.next('reply', (r) => dictGetInt(dictGet(r.body, 'echo'), 'n') === BigInt(n), 15_000);
  expect(reply.op).toBe('reply');
  return performance.now() - started;
}

function openEcho(client: ProtocolClient, connection: number): void {
  client.send({ op: 'connect', connection, service: 'com.test.echo', privileged: false, api: 'connection', endpoint: false }, { op: 'activate', connection });
}

function rawSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => {});
      // Reading (and discarding) by default, so the broker's close is seen; a test that wants a non-reader pauses.
      s.resume();
      resolve(s);
    });
  });
}

function closedPromise(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

function printMemory(what: string, figures: Record<string, HostMemory | number>): void {
  const parts = Object.entries(figures).map(([k, v]) =>
    typeof v === 'number' ? `${k} ${mb(v)}` : `${k}: rss ${mb(v.rss)} heap ${mb(v.heapUsed)} external ${mb(v.external)} peak rss ${mb(v.peakRss)}${v.gc ? '' : ' (no gc)'}`,
  );
  console.log(`[memory] ${what}\n  ${parts.join('\n  ')}`);
}

describe('output queued for a process that does not read it', () => {
  it('a client flooding barriers it never reads is held at its budget, closed with a reason naming it, and the memory goes back; others are served throughout', async () => {
    const limits = { outboundPauseBytes: 1 * MiB, outboundCloseBytes: 16 * MiB, outboundStallMs: 2000 };
    const path = socketPath();
    const host = await BrokerHostProcess.start(hostBundle!, { jobsDir, socketPath: path, socketLimits: limits });
    try {
      const good = await ProtocolClient.connect(path);
      await good.hello('good');
      openEcho(good, 1);
      await echoRoundTrip(good, 1, 0);
      const baseline = await host.memory();

      // Barriers on a connection to a name nobody serves: the broker answers each at once, to a client that never reads.
      const BARRIERS = 300_000;
      const ops: ProcessOp[] = [helloOp('flooder'), { op: 'connect', connection: 1, service: 'com.nobody', privileged: false, api: 'connection', endpoint: false }, { op: 'activate', connection: 1 }];
      for (let i = 0; i < BARRIERS; i++) ops.push({ op: 'barrier', connection: 1, token: i });
      const flood = encodeOps(ops);
      const offender = await rawSocket(path);
      offender.pause();
      const offenderClosed = closedPromise(offender);
      offender.write(flood);

      // While the flooder is held, the well-behaved client is served.
      await sleep(500);
      const roundTrips: number[] = [];
      for (let n = 1; n <= 20; n++) roundTrips.push(await echoRoundTrip(good, 1, n));
      roundTrips.push(await good.barrierRoundTrip(1, 99));
      const duringFlood = await host.memory();

      const line = await host.log(/is not reading its messages/, 15_000);
      expect(line).toMatch(self);
      const queued = Number(/(\d+) bytes queued for it/.exec(line)?.[1]);
      await offenderClosed;
      expect(good.received.some((o) => o.op === 'fatal')).toBe(false);
      await sleep(200);
      const after = await host.memory();
      printMemory(`reply flood: ${BARRIERS} barriers (${mb(flood.length)} sent), budget ${mb(limits.outboundPauseBytes)}, queued at close ${mb(queued)}`, {
        baseline,
        'during the flood': duringFlood,
        'after the flooder left': after,
        'peak rss over baseline': duringFlood.peakRss - baseline.rss,
      });
      console.log(`[latency] well-behaved round trips during the flood: max ${Math.max(...roundTrips).toFixed(1)} ms`);

      // Held at its budget (plus what one read of its input produces), far below what it asked for.
      expect(queued).toBeGreaterThan(limits.outboundPauseBytes);
      expect(queued).toBeLessThan(limits.outboundPauseBytes + 2 * MiB);
      expect(Math.max(...roundTrips)).toBeLessThan(2000);
      expect(duringFlood.peakRss - baseline.rss).toBeLessThan(24 * MiB);
      expect(after.heapUsed + after.arrayBuffers - (baseline.heapUsed + baseline.arrayBuffers)).toBeLessThan(4 * MiB);
      expect(good.isOpen).toBe(true);
      await echoRoundTrip(good, 1, 100);
      good.close();
    } finally {
      await host.stop();
    }
  }, 90_000);
});

/** A frame header declaring a body of `bodyBytes`, followed by `sendBytes` of that body. */
function partialFrame(bodyBytes: number, sendBytes: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUInt32LE(FRAME_MAGIC, 0);
  header.writeUInt32LE(DEFAULT_MESSAGE_FLAGS, 4);
  header.writeBigUInt64LE(BigInt(bodyBytes), 8);
  header.writeBigUInt64LE(2n, 16);
  return Buffer.concat([header, Buffer.alloc(sendBytes, 0x42)]);
}

describe('unfinished frames of all connections together', () => {
  it('past the global budget the largest holders are closed first, naming the peer; the others and a well-behaved client carry on', async () => {
    const limit = 8 * MiB;
    const path = socketPath();
    const host = await BrokerHostProcess.start(hostBundle!, { jobsDir, socketPath: path, socketLimits: { partialFramesTotalBytes: limit } });
    try {
      const good = await ProtocolClient.connect(path);
      await good.hello('good');
      openEcho(good, 1);
      await echoRoundTrip(good, 1, 0);
      const baseline = await host.memory();

      // Each declares a 32 MiB frame (allowed alone) and sends part of it: 5, 4, 3, 2, 1 MiB.
      const sizes = [5, 4, 3, 2, 1].map((n) => n * MiB);
      const holders: { socket: Socket; closed: Promise<void>; size: number; isClosed: boolean }[] = [];
      for (const size of sizes) {
        const socket = await rawSocket(path);
        const holder = { socket, closed: closedPromise(socket), size, isClosed: false };
        void holder.closed.then(() => (holder.isClosed = true));
        holders.push(holder);
        socket.write(encodeOps([helloOp('holder')]));
        await new Promise<void>((resolve) => socket.write(partialFrame(32 * MiB, size), () => resolve()));
        await sleep(300);
      }
      const during = await host.memory();
      await until(() => holders.filter((h) => h.isClosed).length >= 2, 'two holders were closed');
      await sleep(200);
      const closedSizes = holders.filter((h) => h.isClosed).map((h) => h.size / MiB);
      const open = holders.filter((h) => !h.isClosed);
      const lines = host.logs.filter((l) => l.includes('unfinished frame'));
      expect(lines[0]).toMatch(self);
      expect(lines[0]).toMatch(/holds 5\d{6} bytes of an unfinished frame .* \(limit 8388608\); the largest holders are closed first/);
      // The two largest went, not the newest: 5 MiB and 4 MiB, leaving 3 + 2 + 1 under the limit.
      expect(closedSizes).toEqual([5, 4]);
      expect(open.reduce((t, h) => t + h.size, 0)).toBeLessThanOrEqual(limit);
      await echoRoundTrip(good, 1, 1);

      for (const h of open) h.socket.destroy();
      await Promise.all(holders.map((h) => h.closed));
      await sleep(300);
      const after = await host.memory();
      printMemory(`unfinished frames: ${sizes.length} connections holding ${sizes.map((s) => s / MiB).join('+')} MiB, global budget ${mb(limit)}`, {
        baseline,
        'while held': during,
        'after they left': after,
      });
      expect(after.arrayBuffers - baseline.arrayBuffers).toBeLessThan(2 * MiB);
      good.close();
    } finally {
      await host.stop();
    }
  }, 90_000);
});

describe('connections that never say hello', () => {
  it('is told fatal and closed after the hello deadline, with a log line naming it; one that said hello stays', async () => {
    const logs: string[] = [];
    const tb = await TestBroker.start([], { helloTimeoutMs: 300, log: (l) => logs.push(l) });
    try {
      const silent = await ProtocolClient.connect(tb.socketPath);
      const greeted = await ProtocolClient.connect(tb.socketPath);
      await greeted.hello('greeted');
      const started = performance.now();
      const fatal = await silent.next('fatal', () => true, 5000);
      expect(fatal.reason).toMatch(/did not say hello within 300 ms of connecting/);
      expect(fatal.reason).toMatch(self);
      await silent.closed;
      expect(performance.now() - started).toBeLessThan(2500);
      expect(logs.some((l) => self.test(l) && l.includes('did not say hello within 300 ms'))).toBe(true);
      await sleep(400);
      expect(greeted.isOpen).toBe(true);
      greeted.send({ op: 'connect', connection: 1, service: 'com.nobody', privileged: false, api: 'connection', endpoint: false }, { op: 'activate', connection: 1 });
      expect(await greeted.barrierRoundTrip(1, 1)).toBeLessThan(2000);
      greeted.close();
    } finally {
      await tb.stop();
    }
  });
});

describe('the connection cap', () => {
  it('refuses connections past the cap at once with a log line naming the peer; existing ones keep working, and a freed slot is usable', async () => {
    const logs: string[] = [];
    const tb = await TestBroker.start([], { socketLimits: { maxConnections: 4 }, log: (l) => logs.push(l) });
    try {
      const clients: ProtocolClient[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await ProtocolClient.connect(tb.socketPath);
        await c.hello(`client ${i}`);
        c.send({ op: 'connect', connection: 1, service: 'com.nobody', privileged: false, api: 'connection', endpoint: false }, { op: 'activate', connection: 1 });
        clients.push(c);
      }
      const refused = await ProtocolClient.connect(tb.socketPath);
      refused.send(helloOp('one too many'));
      await refused.closed;
      expect(refused.received).toEqual([]);
      const line = logs.find((l) => l.includes('refused a connection'));
      expect(line).toMatch(self);
      expect(line).toMatch(/4 connections are open, the most allowed \(maxConnections\)/);
      for (const [i, c] of clients.entries()) expect(await c.barrierRoundTrip(1, i)).toBeLessThan(2000);

      clients[0]!.close();
      await clients[0]!.closed;
      // The broker frees the slot when it sees the close; try until it has.
      let replacement: ProtocolClient | undefined;
      for (let attempt = 0; attempt < 20 && replacement === undefined; attempt++) {
        const c = await ProtocolClient.connect(tb.socketPath);
        c.send(helloOp('replacement'));
        await Promise.race([c.next('hello-ok', () => true, 1000).then(() => (replacement = c)), c.closed]).catch(() => undefined);
        if (replacement === undefined) c.close();
      }
      expect(replacement).toBeDefined();
      for (const c of [...clients.slice(1), replacement!]) c.close();
    } finally {
      await tb.stop();
    }
  });
});
