/**
 * What the probe costs a process per message: the same C client (test/roundtrip.c) times
 * request/reply round trips to the same C service under one broker, with the probe off, with it
 * reporting to the broker, and with it reporting to a socket that only drains (the probe's own
 * cost, without the broker's work of turning records into events). Blocks of the three are
 * interleaved so that drift hits them alike. Used by bench/probe.bench.ts and native-probe/probe-linux.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plistFor } from '../../main/broker/testing/harness';
import { binary, LINUX_BUILD } from '../../native-probe/libxpc/test/build';

export const PROBE_LIBRARY = join(LINUX_BUILD, 'libxpcinspectorprobe.so');

export type ProbeMode = 'off' | 'broker' | 'drain';

/** The service each mode's client talks to: a job whose process carries the probe the same way. */
export const OVERHEAD_SERVICE: Readonly<Record<ProbeMode, string>> = {
  off: 'com.example.c-echo-plain',
  broker: 'com.example.c-echo',
  drain: 'com.example.c-echo-drained',
};

/**
 * Writes the jobs of `c-echo-service` into DIR/jobs: com.example.c-echo and -listener with the probe
 * reporting to `probeSocket`, -drained with it reporting to `drainSocket`, -plain without it.
 */
export function probedJobs(dir: string, probeSocket: string, drainSocket: string): string {
  const jobsDir = join(dir, 'jobs');
  mkdirSync(join(jobsDir, 'LaunchAgents'), { recursive: true });
  const service = binary('c-echo-service');
  const write = (label: string, argv: string[], socket: string | undefined): void =>
    writeFileSync(
      join(jobsDir, 'LaunchAgents', `${label}.plist`),
      plistFor({
        label,
        kind: 'agent',
        program: service,
        argv,
        services: [label],
        throttleIntervalSec: 1,
        ...(socket !== undefined ? { env: { LD_PRELOAD: PROBE_LIBRARY, XPC_INSPECTOR_PROBE_SOCKET: socket } } : {}),
      }),
    );
  write('com.example.c-echo', [service], probeSocket);
  write('com.example.c-echo-listener', [service, 'listener', 'com.example.c-echo-listener'], probeSocket);
  write(OVERHEAD_SERVICE.drain, [service], drainSocket);
  write(OVERHEAD_SERVICE.off, [service], undefined);
  return jobsDir;
}

/** A separate process that accepts probes on `path` and reads and discards what they send. */
export async function startDrain(path: string): Promise<ChildProcess> {
  const script = `require('net').createServer((s) => s.resume()).listen(${JSON.stringify(path)}, () => console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the drain on ${path} exited with ${code}`)));
  });
  return child;
}

/** Per round trip, in nanoseconds: wall-clock time, and the client process's own CPU time (what the
 * probe adds to the observed app, whatever the rest of the machine does). */
export interface RoundTrip {
  readonly wallNs: number;
  readonly cpuNs: number;
}

/** `count` requests from a client in `mode`. The broker may run in this process, so the client is
 * awaited, never waited for synchronously. */
export async function roundTrip(mode: ProbeMode, count: number, brokerSocket: string, probeSocket: string, drainSocket: string): Promise<RoundTrip> {
  const probeEnv = mode === 'off' ? {} : { LD_PRELOAD: PROBE_LIBRARY, XPC_INSPECTOR_PROBE_SOCKET: mode === 'broker' ? probeSocket : drainSocket };
  const child = spawn(join(LINUX_BUILD, 'roundtrip'), [OVERHEAD_SERVICE[mode], String(count)], {
    env: { ...process.env, XPC_INSPECTOR_SOCKET: brokerSocket, ...probeEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const figure = /^roundtrip \d+ (\d+) (\d+)$/m.exec(out);
  if (code !== 0 || figure === null) throw new Error(`roundtrip ${OVERHEAD_SERVICE[mode]} ${count} (probe ${mode}) exited with ${code}: ${out}`);
  return { wallNs: Number(figure[1]), cpuNs: Number(figure[2]) };
}

export interface Overhead {
  /** Median wall-clock and client-CPU nanoseconds per round trip in each mode. */
  readonly median: Readonly<Record<ProbeMode, RoundTrip>>;
  readonly samples: Readonly<Record<ProbeMode, readonly RoundTrip[]>>;
}

/** `rounds` interleaved blocks of `count` round trips per mode, after one warm-up block each. */
export async function measureOverhead(rounds: number, count: number, brokerSocket: string, probeSocket: string, drainSocket: string): Promise<Overhead> {
  const modes: ProbeMode[] = ['off', 'broker', 'drain'];
  for (const mode of modes) await roundTrip(mode, Math.min(count, 200), brokerSocket, probeSocket, drainSocket);
  const samples: Record<ProbeMode, RoundTrip[]> = { off: [], broker: [], drain: [] };
  for (let i = 0; i < rounds; i++) {
    for (const mode of modes) samples[mode].push(await roundTrip(mode, count, brokerSocket, probeSocket, drainSocket));
  }
  const middle = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const median = (rs: RoundTrip[]): RoundTrip => ({ wallNs: middle(rs.map((r) => r.wallNs)), cpuNs: middle(rs.map((r) => r.cpuNs)) });
  return { samples, median: { off: median(samples.off), broker: median(samples.broker), drain: median(samples.drain) } };
}

export function describeOverhead(o: Overhead, count: number): string {
  const us = (ns: number): string => (ns / 1000).toFixed(1);
  const { off, drain, broker } = o.median;
  const line = (name: string, r: RoundTrip): string =>
    `${name}: ${us(r.wallNs)} µs wall (${(r.wallNs / off.wallNs).toFixed(2)}×), client CPU ${us(r.cpuNs)} µs (+${us(r.cpuNs - off.cpuNs)} µs, ${(r.cpuNs / off.cpuNs).toFixed(2)}×)`;
  return [`per round trip, median of ${o.samples.off.length} × ${count}:`, line('  probe off', off), line('  probe → draining socket', drain), line('  probe → broker', broker)].join('\n');
}
