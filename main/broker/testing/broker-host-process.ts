/**
 * Runs testing/broker-host.ts as a child process (bundled with esbuild next to node_modules,
 * so the broker's native and plist packages resolve) and talks to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrokerOptions } from '../broker';
import { REPO_ROOT } from './bundle';

export interface HostMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Highest RSS sampled since the previous memory() call. */
  readonly peakRss: number;
  /** Whether a full gc ran before the figures were taken. */
  readonly gc: boolean;
}

export async function bundleBrokerHost(): Promise<string> {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outfile = join(mkdtempSync(join(cache, 'xpc-broker-host-')), 'broker-host.mjs');
  await build({
    entryPoints: [join(REPO_ROOT, 'main/broker/testing/broker-host.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

export class BrokerHostProcess {
  readonly logs: string[] = [];
  private readonly waiters: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  private readonly lines: Record<string, unknown>[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(bundle: string, options: Omit<BrokerOptions, 'log'>): Promise<BrokerHostProcess> {
    const child = spawn(process.execPath, ['--expose-gc', bundle, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const host = new BrokerHostProcess(child, child.pid!);
    let buffer = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        if (typeof line.log === 'string') host.logs.push(line.log);
        host.lines.push(line);
        for (const w of [...host.waiters]) {
          if (!w.test(line)) continue;
          host.waiters.splice(host.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    await host.line((l) => l.ready === true, 15_000);
    return host;
  }

  /** The first stdout line matching `test`, seen or to come. */
  line(test: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000, after = 0): Promise<Record<string, unknown>> {
    const seen = this.lines.slice(after).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker host: timed out after ${timeoutMs} ms; logs:\n${this.logs.join('\n')}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** The first log line matching `pattern`, seen or to come. */
  async log(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const line = await this.line((l) => typeof l.log === 'string' && pattern.test(l.log), timeoutMs);
    return line.log as string;
  }

  async memory(): Promise<HostMemory> {
    const after = this.lines.length;
    this.child.stdin!.write('mem\n');
    const line = await this.line((l) => typeof l.mem === 'object', 10_000, after);
    return line.mem as HostMemory;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
