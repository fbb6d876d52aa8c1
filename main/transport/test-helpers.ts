/**
 * Shared pieces of the transport tests: private temp directories, plain-JS child
 * processes, and waiting for conditions with a deadline.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly dir: string;
  cleanup(): void;
}

/** A fresh 0700 directory under the system temp dir (short, so socket paths fit). */
export function makeTempDir(prefix = 'xpct-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves when the child has exited, with everything it printed. */
  readonly exited: Promise<ChildResult>;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/**
 * Runs `code` as an ES module in a new `node` process (built-ins only); `args` arrive as
 * process.argv.slice(1).
 */
export function spawnNode(code: string, args: readonly string[] = [], options: SpawnOptions = {}): NodeChild {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // A child running as another uid may not be allowed into our working directory.
    ...(options.uid !== undefined ? { cwd: '/' } : {}),
    ...options,
  });
  if (child.pid === undefined) throw new Error('failed to spawn node child');
  let stdout = '';
  let stderr = '';
  const lineWaiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    stdout += text;
    for (const waiter of [...lineWaiters]) {
      const match = stdout.match(waiter.pattern);
      if (match) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    process: child,
    pid: child.pid,
    exited,
    waitForLine(pattern, timeoutMs = 10_000) {
      const existing = stdout.match(pattern);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child ${child.pid} printed no line matching ${pattern} in ${timeoutMs} ms; stdout=${stdout} stderr=${stderr}`)),
          timeoutMs,
        );
        lineWaiters.push({
          pattern,
          resolve: (match) => {
            clearTimeout(timer);
            resolve(match);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          const match = stdout.match(pattern);
          if (match) resolve(match);
          else reject(new Error(`child ${child.pid} exited without printing ${pattern}; stdout=${stdout} stderr=${stderr}`));
        });
      });
    },
  };
}

/** Polls `predicate` until it is true; fails naming `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Child-process script: connects to argv[1], sends the bytes of file argv[2] as told by
 * argv[3] — 'bytewise' (one byte per write, yielding between writes so the reader sees
 * tiny chunks) or 'whole' (a single write) — then stays connected until the other side
 * closes, discarding anything it receives. Prints `connected pid=<pid>`, `written` and `closed`.
 */
export const FRAME_SENDER_JS = `
import net from 'node:net';
import { readFileSync } from 'node:fs';
const [path, file, mode] = process.argv.slice(1);
const bytes = readFileSync(file);
const socket = net.connect(path);
socket.on('error', (e) => console.log('socket error ' + e.code));
// Read (and drop) replies: an unread socket never sees the end of the stream.
socket.on('data', () => {});
socket.on('close', () => { console.log('closed'); process.exit(0); });
socket.on('connect', async () => {
  console.log('connected pid=' + process.pid);
  if (mode === 'whole') {
    socket.write(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) {
      await new Promise((resolve) => socket.write(bytes.subarray(i, i + 1), resolve));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  console.log('written');
});
`;

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
