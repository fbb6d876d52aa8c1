/**
 * Process priority for boosts. On Linux setpriority(2) applies to one thread, so every thread of
 * the process is set (threads created later inherit from the thread that creates them).
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { BoostResult } from './types';
import { errnoCode } from './exit-description';

export function setProcessNiceness(pid: number, nice: number): BoostResult {
  try {
    setPriority(pid, nice);
  } catch (e) {
    const code = errnoCode(e) ?? 'error';
    const why = code === 'EPERM' || code === 'EACCES' ? 'not permitted' : e instanceof Error ? e.message : String(e);
    return { applied: false, reason: `${code}: ${why}: setting pid ${pid} to nice ${nice}` };
  }
  for (const tid of threadIds(pid)) {
    if (tid === pid) continue;
    try {
      setPriority(tid, nice);
    } catch {
      // The thread ended meanwhile, or this one refuses: the main thread already carries the change.
    }
  }
  return { applied: true, nice };
}

function threadIds(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}
