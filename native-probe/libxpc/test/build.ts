/**
 * The Linux build of libxpc for the tests: `make -C native-probe linux` (Zig's clang and the Blocks
 * runtime; the Makefile names whatever is missing), the paths of what it builds, and running the
 * programs with their stdout split into lines.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseXpcJson } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import { PROBE_DIR } from '../../test/compile';

export const LIBXPC_DIR = resolve(PROBE_DIR, 'libxpc');
export const LINUX_BUILD = join(PROBE_DIR, 'build', 'linux');
export const JOBS_DIR = join(LIBXPC_DIR, 'jobs');

export const binary = (name: 'c-client' | 'c-echo-service' | 'libxpc-unit' | 'libxpc.so'): string => join(LINUX_BUILD, name);

/** Builds libxpc.so, the demo programs and the unit-test program; throws with make's output on failure. */
export function buildLinux(): void {
  const r = spawnSync('make', ['-C', PROBE_DIR, 'linux'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error !== undefined) throw new Error(`make -C native-probe linux: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`make -C native-probe linux failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
}

/** One stdout line of c-client: "<event> <XPC-JSON dictionary>". */
export interface ClientLine {
  readonly event: string;
  readonly fields: XpcValue;
  readonly text: string;
}

export function parseClientLine(text: string): ClientLine {
  const space = text.indexOf(' ');
  const event = space < 0 ? text : text.slice(0, space);
  const parsed = parseXpcJson(space < 0 ? '{}' : text.slice(space + 1));
  if (!parsed.ok) throw new Error(`c-client printed a line that is not "<event> <XPC-JSON>": ${text} (${parsed.error.message})`);
  return { event, fields: parsed.value, text };
}

export interface RunningClient {
  readonly child: ChildProcess;
  readonly lines: ClientLine[];
  readonly stderr: string[];
  /** Resolves with the first line of `event` (already printed or to come). */
  line(event: string, timeoutMs?: number): Promise<ClientLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs c-client with `args` against the broker at `socketPath`, `env` added to its environment. */
export function runClient(args: readonly string[], socketPath: string, env: Readonly<Record<string, string>> = {}): RunningClient {
  const child = spawn(binary('c-client'), [...args], {
    env: { ...process.env, XPC_INSPECTOR_SOCKET: socketPath, XPC_INSPECTOR_PROCESS_TYPE: 'app', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: ClientLine[] = [];
  const stderr: string[] = [];
  const waiters: { event: string; resolve: (l: ClientLine) => void }[] = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (text.trim() === '') continue;
      const line = parseClientLine(text);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.event !== line.event) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    stderr,
    exited,
    line(event, timeoutMs = 20_000) {
      const seen = lines.find((l) => l.event === event);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}" from c-client ${args.join(' ')}; got:\n${lines.map((l) => l.text).join('\n')}\nstderr: ${stderr.join('')}`)),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

/** Runs a program to completion with `input` on stdin; returns its stdout (throws on a non-zero status). */
export function runProgram(path: string, args: readonly string[], input = ''): string {
  const r = spawnSync(path, [...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined) throw new Error(`${path} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${path} ${args.join(' ')} exited with status ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** libxpc prints real addresses; app/xpc's describeXpc prints 0x0 unless told otherwise. */
export function withoutAddresses(description: string): string {
  return description.replace(/<([a-z_0-9]+): 0x[0-9a-f]+>/g, '<$1: 0x0>');
}
