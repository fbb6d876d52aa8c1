/**
 * Shared pieces of the supervisor tests: jobs made from real plist text, a recorder for the
 * supervisor's callbacks, and checks on whether a pid is still a live process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type PlistValue } from 'plist';
import type { ServiceKind } from '../../../app/events/schema';
import type { Job } from '../jobs/job';
import { parseJobPlist } from '../jobs/parse-job';
import { ProcessSupervisor } from './process-supervisor';
import type { ExitInfo, RunningProcess } from './types';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** A job parsed from a plist written with these keys; the plist "lives" in `dir`. */
export function jobFrom(dir: string, keys: { readonly [key: string]: PlistValue }, kind: ServiceKind = 'launch-agent'): Job {
  const parsed = parseJobPlist(build(keys), join(dir, `${String(keys['Label'])}.plist`), kind);
  if (!parsed.job) throw new Error(`test job did not parse: ${parsed.failure?.error}`);
  return parsed.job;
}

export interface OutputLine {
  readonly pid: number;
  readonly job: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** A supervisor whose callbacks are recorded, in order. */
export class RecordingSupervisor {
  readonly lines: OutputLine[] = [];
  readonly exits: ExitInfo[] = [];
  readonly throttled: { job: string; delayNs: number; at: number }[] = [];
  readonly keepAliveLaunches: RunningProcess[] = [];
  readonly supervisor = new ProcessSupervisor({
    onOutput: (pid, job, stream, line) => this.lines.push({ pid, job, stream, line }),
    onExit: (info) => this.exits.push(info),
    onThrottled: (job, delayNs) => this.throttled.push({ job, delayNs, at: performance.now() }),
    onKeepAliveLaunch: (_job, child) => this.keepAliveLaunches.push(child),
  });

  linesOf(pid: number, stream: 'stdout' | 'stderr'): string[] {
    return this.lines.filter((l) => l.pid === pid && l.stream === stream).map((l) => l.line);
  }

  async waitForLine(pid: number, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await waitFor(() => {
      for (const l of this.lines) if (l.pid === pid && (match = pattern.exec(l.line))) return true;
      return false;
    }, timeoutMs, `a line matching ${pattern} from pid ${pid}`);
    if (!match) throw new Error('unreachable');
    return match;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True while `pid` is a process that has not ended (a zombie nobody has reaped counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

export function waitUntilDead(pid: number, timeoutMs = 5000): Promise<void> {
  return waitFor(() => !isAlive(pid), timeoutMs, `pid ${pid} to end`);
}
