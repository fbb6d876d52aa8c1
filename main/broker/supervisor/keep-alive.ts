/**
 * launchd's KeepAlive decision for a process that ended on its own. KeepAlive true always
 * relaunches; the dictionary conditions relaunch when any of them holds:
 *   SuccessfulExit true/false  relaunch after exit status 0 / after anything else
 *   Crashed true/false         relaunch after a crash signal / after anything else
 */
import type { Job } from '../jobs/job';

/** The signals launchd counts as a crash (the rest, e.g. SIGKILL or SIGTERM, are not). */
export const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGFPE', 'SIGBUS', 'SIGSEGV', 'SIGSYS']);

export function keepAliveWantsRelaunch(job: Job, code: number | null, signal: string | null): boolean {
  const keepAlive = job.keepAliveOn;
  if (typeof keepAlive === 'boolean') return keepAlive;
  const successful = signal === null && code === 0;
  const crashed = signal !== null && CRASH_SIGNALS.has(signal);
  return (
    (keepAlive.successfulExit !== undefined && keepAlive.successfulExit === successful) ||
    (keepAlive.crashed !== undefined && keepAlive.crashed === crashed)
  );
}

/**
 * launchd starts a KeepAlive job at load as well: KeepAlive true keeps it running from the start, and
 * SuccessfulExit implies RunAtLoad (it needs one exit status to act on).
 */
export function startsAtLoad(job: Job): boolean {
  if (job.kind === 'xpc-service') return false;
  if (job.runAtLoad) return true;
  const keepAlive = job.keepAliveOn;
  return keepAlive === true || (typeof keepAlive === 'object' && keepAlive.successfulExit !== undefined);
}
