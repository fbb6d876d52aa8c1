/**
 * The broker against a direct Unix-socket conversation between the same two processes, in one
 * run (DESIGN.md targets):
 *  - round-trip latency of a small request/reply, p50 and p99: client process → broker → echo
 *    service process → broker → client, vs the client pinging the service straight over the
 *    service's own socket with the same framing (RemoteXPC frames, XPC-encoded bodies).
 *    Target: broker ÷ direct ≤ 2× at p50, ≤ 3× at p99.
 *  - one-way throughput of small messages through the broker with capture on (every event
 *    appended to a CaptureJournal, as `xpc-inspector broker --capture` does), vs the same
 *    messages straight over the direct socket. Target: ≥ 200k messages/s through the broker.
 *
 * This process hosts the broker; the client and the service are separate processes (small
 * bundles built into out/bench/ from bench/broker/). Latency blocks of the two paths are
 * interleaved so drift (CPU frequency, other load) hits both alike. Next to the wall-clock
 * figures it prints the CPU time each process spent per round trip and per message, which says
 * where the time goes and is far less disturbed by other load on the machine.
 *
 * Run: node scripts/run-bench.mjs broker   (MESSAGES=… ROUNDS=… to change the sizes;
 * BENCH_CPU_PROF=DIR writes CPU profiles of the client and the service to DIR — run this bundle
 * with `node --cpu-prof` to profile the broker too)
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { InspectorEvent } from '../app/events/schema';
import { ENV_PROCESS_TYPE, ENV_SOCKET } from '../app/protocol/env';
import { Broker } from '../main/broker';
import { plistFor } from '../main/broker/testing/harness';
import { CaptureJournal } from '../main/capture/journal';

const SERVICE = 'bench.echo';
const LATENCY_ROUNDS = Number(process.env.ROUNDS ?? 10);
const LATENCY_BLOCK = 2000;
const LATENCY_WARMUP = 3000;
const MESSAGES = Number(process.env.MESSAGES ?? 150_000);
const THROUGHPUT_ROUNDS = 3;
/** One-way messages between two flow-control requests, and how many such requests may be unanswered. */
const BATCH = 500;
const WINDOW = 8;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const profileDir = process.env.BENCH_CPU_PROF;
const profileArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
if (profileDir) mkdirSync(profileDir, { recursive: true });

type PathName = 'broker' | 'direct' | 'relay';

/**
 * The floor of any router: a process that only copies bytes between two sockets (no decoding,
 * no events), sitting where the broker sits. Its round trip against the direct one is the cost
 * of the extra socket hop alone.
 */
function startRelay(path: string, target: string): Promise<Server> {
  const server = createServer((inbound) => {
    const outbound = connect(target);
    inbound.on('data', (chunk: Buffer) => outbound.write(chunk));
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    const done = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', done).on('close', done);
    outbound.on('error', done).on('close', done);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

/** Bundles the helper processes from source, as run-bench does for this file. */
async function buildHelpers(): Promise<{ client: string; service: string }> {
  const outDir = join(root, 'out', 'bench');
  const entries = { client: 'broker-client', service: 'broker-service' } as const;
  await Promise.all(
    Object.entries(entries).map(([source, name]) =>
      build({
        entryPoints: [join(root, 'bench', 'broker', `${source}.ts`)],
        outfile: join(outDir, `${name}.mjs`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        packages: 'external',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'warning',
      }),
    ),
  );
  return { client: join(outDir, `${entries.client}.mjs`), service: join(outDir, `${entries.service}.mjs`) };
}

/** The bench's client process, driven one JSON command per line. */
class ClientProcess {
  private readonly lines: AsyncIterator<string>;

  constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  async next<T>(): Promise<T> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`the bench client exited (code ${this.child.exitCode}) before answering`);
    return JSON.parse(line.value) as T;
  }

  async ask<T>(command: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return this.next<T>();
  }
}

/** Records every broker event into a capture journal while on (one subscription: onEvent replays the start-up events). */
class Capture {
  events = 0;
  private recording = false;
  private readonly detach: () => void;

  constructor(
    broker: Broker,
    readonly journal: CaptureJournal,
  ) {
    this.detach = broker.onEvent((event: InspectorEvent) => {
      if (!this.recording) return;
      this.events += 1;
      this.journal.append([event]);
    });
  }

  set on(on: boolean) {
    this.recording = on;
  }

  close(): void {
    this.detach();
  }

  /** Milliseconds until the journal has handed everything appended so far to the kernel. */
  async caughtUp(): Promise<number> {
    const started = performance.now();
    while (this.journal.written < this.journal.appended) await new Promise((resolve) => setTimeout(resolve, 1));
    return performance.now() - started;
  }
}

/** CPU time (µs) each process spent on one command. */
interface Cpu {
  client: number;
  broker: number;
  service: number;
}

interface LatencyAnswer {
  readonly samplesUs: number[];
}

interface ThroughputAnswer {
  readonly seconds: number;
  readonly received: number;
}

type Measured<T> = T & Cpu;

/** Runs one command in the client; the broker's CPU is this process's own during it. */
async function measure<T>(client: ClientProcess, command: Record<string, unknown>): Promise<Measured<T>> {
  const before = process.cpuUsage();
  const answer = await client.ask<T & { clientCpuUs: number; serviceCpuUs: number }>(command);
  const broker = process.cpuUsage(before);
  return { ...answer, client: answer.clientCpuUs, broker: broker.user + broker.system, service: answer.serviceCpuUs };
}

/** Round-trip samples and CPU time of one path, over all its blocks. */
class Tally {
  private readonly samples: number[] = [];
  private sorted: number[] | undefined;
  readonly cpu: Cpu = { client: 0, broker: 0, service: 0 };

  add(block: Measured<LatencyAnswer>): void {
    for (const sample of block.samplesUs) this.samples.push(sample);
    this.cpu.client += block.client;
    this.cpu.broker += block.broker;
    this.cpu.service += block.service;
    this.sorted = undefined;
  }

  get count(): number {
    return this.samples.length;
  }

  percentile(p: number): number {
    this.sorted ??= [...this.samples].sort((a, b) => a - b);
    return this.sorted[Math.min(this.sorted.length - 1, Math.ceil((p / 100) * this.sorted.length) - 1)]!;
  }
}

const us = (n: number): string => `${n.toFixed(1)} µs`;
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} msgs/s`;
const ratio = (n: number): string => `${n.toFixed(2)}×`;
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');

async function main(): Promise<void> {
  const helpers = await buildHelpers();
  // sun_path is short: keep the sockets in a short /tmp directory.
  const dir = mkdtempSync('/tmp/xpcb-');
  const directSocket = join(dir, 'direct.sock');
  const relaySocket = join(dir, 'relay.sock');
  const relay = await startRelay(relaySocket, directSocket);
  const jobsDir = join(dir, 'jobs');
  mkdirSync(join(jobsDir, 'LaunchAgents'), { recursive: true });
  // Shaped like the echo demo job: an Adaptive launch agent (app clients boost it).
  writeFileSync(
    join(jobsDir, 'LaunchAgents', `${SERVICE}.plist`),
    plistFor({
      label: SERVICE,
      kind: 'agent',
      program: helpers.service,
      argv: [process.execPath, ...profileArgs, helpers.service],
      services: [SERVICE],
      env: { BENCH_DIRECT_SOCKET: directSocket },
      processType: 'Adaptive',
    }),
  );

  let stopping = false;
  // Once stopping, the service being terminated mid-conversation is expected, not news.
  const broker = await Broker.start({ jobsDir, socketPath: join(dir, 'b.sock'), log: (line) => stopping || console.error(`broker: ${line}`) });
  const journal = CaptureJournal.open({ path: join(dir, 'capture.ndjson'), source: { kind: 'broker', jobsDir, socketPath: broker.socketPath } });
  const capture = new Capture(broker, journal);
  let journalClosed = false;
  capture.on = true;

  const child = spawn(process.execPath, [...profileArgs, helpers.client], {
    env: { ...process.env, [ENV_SOCKET]: broker.socketPath, [ENV_PROCESS_TYPE]: 'app', BENCH_SERVICE: SERVICE, BENCH_DIRECT_SOCKET: directSocket, BENCH_RELAY_SOCKET: relaySocket },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const client = new ClientProcess(child);
  await client.next<{ ready: true }>();

  try {
    // ---- latency -----------------------------------------------------------------------
    const latencyBlock = (path: PathName, count: number) => measure<LatencyAnswer>(client, { cmd: 'latency', path, count });
    await latencyBlock('direct', LATENCY_WARMUP);
    await latencyBlock('broker', LATENCY_WARMUP);
    await latencyBlock('relay', LATENCY_WARMUP);
    const rows = { direct: new Tally(), broker: new Tally(), brokerNoCapture: new Tally(), relay: new Tally() };
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      rows.direct.add(await latencyBlock('direct', LATENCY_BLOCK));
      rows.relay.add(await latencyBlock('relay', LATENCY_BLOCK));
      rows.broker.add(await latencyBlock('broker', LATENCY_BLOCK));
      capture.on = false;
      rows.brokerNoCapture.add(await latencyBlock('broker', LATENCY_BLOCK));
      capture.on = true;
    }

    // ---- throughput --------------------------------------------------------------------
    const throughputRun = async (path: PathName): Promise<Measured<ThroughputAnswer>> => {
      const run = await measure<ThroughputAnswer>(client, { cmd: 'throughput', path, count: MESSAGES, batch: BATCH, window: WINDOW });
      if (run.received !== MESSAGES) throw new Error(`${path}: the service counted ${run.received} of ${MESSAGES} messages`);
      return run;
    };
    const warmUp = (path: PathName) => measure<ThroughputAnswer>(client, { cmd: 'throughput', path, count: Math.ceil(MESSAGES / 4), batch: BATCH, window: WINDOW });
    await warmUp('direct');
    await warmUp('broker');
    const runs: Record<'broker' | 'direct', Measured<ThroughputAnswer>[]> = { broker: [], direct: [] };
    let eventsPerMessage = 0;
    const lags: number[] = [];
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      runs.direct.push(await throughputRun('direct'));
      const eventsBefore = capture.events;
      runs.broker.push(await throughputRun('broker'));
      eventsPerMessage = (capture.events - eventsBefore) / MESSAGES;
      lags.push(await capture.caughtUp());
    }
    const medianRun = (path: 'broker' | 'direct'): Measured<ThroughputAnswer> => [...runs[path]].sort((a, b) => a.seconds - b.seconds)[Math.floor(THROUGHPUT_ROUNDS / 2)]!;
    const brokerRun = medianRun('broker');
    const directRun = medianRun('direct');
    const brokerRate = MESSAGES / brokerRun.seconds;
    const directRate = MESSAGES / directRun.seconds;

    // ---- report ------------------------------------------------------------------------
    const { broker: b, direct: d, brokerNoCapture: off, relay: r } = rows;
    const p50 = b.percentile(50) / d.percentile(50);
    const p99 = b.percentile(99) / d.percentile(99);
    console.log(
      `${d.count} round trips per path in ${LATENCY_ROUNDS} interleaved rounds; ${MESSAGES.toLocaleString('en-US')} one-way messages per throughput run, ` +
        `median of ${THROUGHPUT_ROUNDS}; capture on (every event appended to a journal) unless said otherwise; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs\n`,
    );
    console.log('| measurement | through the broker | direct socket (baseline) | broker ÷ direct | target | |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| round trip p50 | ${us(b.percentile(50))} | ${us(d.percentile(50))} | ${ratio(p50)} | ≤ 2× | ${verdict(p50 <= 2)} |`);
    console.log(`| round trip p99 | ${us(b.percentile(99))} | ${us(d.percentile(99))} | ${ratio(p99)} | ≤ 3× | ${verdict(p99 <= 3)} |`);
    console.log(`| one-way throughput | ${rate(brokerRate)} | ${rate(directRate)} | ${ratio(brokerRate / directRate)} | ≥ 200,000 msgs/s through the broker | ${verdict(brokerRate >= 200_000)} |`);
    console.log(`| round trip p50 / p99, bare byte relay in place of the broker (the extra hop alone) | ${us(r.percentile(50))} / ${us(r.percentile(99))} | | ${ratio(r.percentile(50) / d.percentile(50))} / ${ratio(r.percentile(99) / d.percentile(99))} | | |`);
    console.log(`| round trip p50 / p99, capture off | ${us(off.percentile(50))} / ${us(off.percentile(99))} | | ${ratio(off.percentile(50) / d.percentile(50))} / ${ratio(off.percentile(99) / d.percentile(99))} | | |`);
    console.log('\nCPU time per round trip / per one-way message (µs), by process — where the time goes:\n');
    console.log('| | client | broker | service |');
    console.log('|---|---|---|---|');
    const cpuRow = (name: string, cpu: Cpu, per: number): string => `| ${name} | ${(cpu.client / per).toFixed(1)} | ${(cpu.broker / per).toFixed(1)} | ${(cpu.service / per).toFixed(1)} |`;
    console.log(cpuRow('round trip, direct', d.cpu, d.count));
    console.log(cpuRow('round trip, bare byte relay', r.cpu, r.count));
    console.log(cpuRow('round trip, broker', b.cpu, b.count));
    console.log(cpuRow('round trip, broker, capture off', off.cpu, off.count));
    console.log(cpuRow('one-way, direct', directRun, MESSAGES));
    console.log(cpuRow('one-way, broker', brokerRun, MESSAGES));
    capture.on = false;
    await journal.close();
    journalClosed = true;
    const captureBytes = statSync(journal.path).size;
    console.log(
      `\ncapture: ${capture.events.toLocaleString('en-US')} events (${eventsPerMessage.toFixed(1)} per one-way message), ${(captureBytes / 1e6).toFixed(0)} MB; ` +
        `the journal had written everything ${lags.map((l) => l.toFixed(0)).join(' / ')} ms after each broker run's last reply`,
    );
    const rates = (path: 'broker' | 'direct'): string => runs[path].map((r) => Math.round(MESSAGES / r.seconds).toLocaleString('en-US')).join(', ');
    console.log(`throughput runs: broker ${rates('broker')}; direct ${rates('direct')} msgs/s`);
  } finally {
    stopping = true;
    child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await new Promise((resolve) => child.once('exit', resolve));
    capture.on = false;
    capture.close();
    await broker.stop();
    relay.close();
    if (!journalClosed) await journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
