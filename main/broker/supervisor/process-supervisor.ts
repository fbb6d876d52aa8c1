/**
 * Runs job processes the way launchd does: spawns them (argv, environment, working directory),
 * tees their output into lines and log files, says why each one ended, relaunches KeepAlive jobs,
 * holds relaunches back by ThrottleInterval, and moves Adaptive/Background jobs between priority
 * bands for boosts. Nothing here knows about connections or messages; the broker core decides
 * when to launch and when to stop, and hears back through the callbacks.
 *
 * At most one process runs per job (per job and client for XPC services): launching an instance
 * that is running or already on its way returns that one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { getPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ExitReason } from '../../../app/events/schema';
import type { Job } from '../jobs/job';
import { classifyExit, describeLaunchError } from './exit-description';
import { keepAliveWantsRelaunch, startsAtLoad } from './keep-alive';
import { LaunchThrottle } from './launch-throttle';
import { setProcessNiceness } from './niceness';
import { OutputCapture } from './output-capture';
import { signalProcess, signalProcessGroup } from './process-group';
import type { BoostResult, ExitInfo, LaunchOptions, RunningProcess, SupervisorOptions } from './types';

/** SIGTERM → SIGKILL grace for terminate(). */
export const DEFAULT_TERMINATE_GRACE_MS = 5000;
/** SIGTERM → SIGKILL grace for stopAll(), shorter because the whole broker is waiting. */
export const DEFAULT_STOP_GRACE_MS = 2000;
/** Unboosted Adaptive/Background processes run this much nicer than the broker. */
export const UNBOOSTED_NICE_OFFSET = 5;
/** After a process exits, how long its output may take to drain before the exit is reported. */
const OUTPUT_DRAIN_MS = 500;
const MAX_NICE = 19;

/** Launch failed (bad path, missing WorkingDirectory, log file not writable, ...). */
export class LaunchFailedError extends Error {
  constructor(
    readonly job: string,
    readonly description: string,
  ) {
    super(`cannot launch ${job}: ${description}`);
    this.name = 'LaunchFailedError';
  }
}

interface Instance {
  readonly info: RunningProcess;
  readonly key: string;
  readonly child: ChildProcess;
  readonly outputs: readonly OutputCapture[];
  readonly exited: Promise<ExitInfo>;
  readonly reportExit: (info: ExitInfo) => void;
  expected?: ExitReason;
  killTimer?: NodeJS.Timeout;
}

interface ThrottleWait {
  readonly timer: NodeJS.Timeout;
  readonly cancel: (error: Error) => void;
}

export class ProcessSupervisor {
  /** Processes alive right now. */
  private readonly live = new Map<number, Instance>();
  private readonly liveByKey = new Map<string, Instance>();
  /** Processes whose exit has not been reported yet (alive, or draining output). */
  private readonly unreported = new Map<number, Instance>();
  private readonly launching = new Map<string, Promise<RunningProcess>>();
  private readonly throttle = new LaunchThrottle();
  private readonly throttleWaits = new Set<ThrottleWait>();
  private readonly keepAliveLaunches = new Set<Promise<void>>();
  private readonly baseNice = ownNiceness();
  private stopped = false;
  private exitHookInstalled = false;
  /** Last resort if the broker exits without stopAll(): no job outlives it. */
  private readonly killAllNow = (): void => {
    for (const pid of this.live.keys()) signalProcessGroup(pid, 'SIGKILL');
  };

  constructor(private readonly options: SupervisorOptions) {}

  /**
   * Resolves once the process is spawned (its pid known). A throttled launch first reports the
   * delay through onThrottled, then waits. Rejects with LaunchFailedError when the process cannot
   * start; onExit has then already reported 'launch-failed'.
   */
  launch(job: Job, options: LaunchOptions): Promise<RunningProcess> {
    if (this.stopped) return Promise.reject(new LaunchFailedError(job.label, 'the supervisor has been stopped'));
    const key = instanceKey(job, options.forClientPid);
    const running = this.liveByKey.get(key);
    if (running) return Promise.resolve(running.info);
    const underway = this.launching.get(key);
    if (underway) return underway;
    const launch = this.throttledLaunch(job, options, key).finally(() => this.launching.delete(key));
    this.launching.set(key, launch);
    return launch;
  }

  /** Launches every job that starts at load (RunAtLoad, or KeepAlive that implies it). */
  async startRunAtLoad(jobs: readonly Job[]): Promise<RunningProcess[]> {
    const results = await Promise.allSettled(jobs.filter(startsAtLoad).map((job) => this.launch(job, { reason: 'run-at-load' })));
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /** Marks the coming exit of `pid` as one the broker caused, so it is not reported as a crash. */
  expectExit(pid: number, reason: ExitReason): void {
    const instance = this.live.get(pid);
    if (instance) instance.expected = reason;
  }

  /** SIGTERM now, SIGKILL to its whole process group if it is still alive after `graceMs`. */
  terminate(pid: number, reason: ExitReason, graceMs = DEFAULT_TERMINATE_GRACE_MS): boolean {
    const instance = this.live.get(pid);
    if (!instance) return false;
    instance.expected = reason;
    this.stopInstance(instance, graceMs);
    return true;
  }

  running(job?: string): RunningProcess[] {
    const all = [...this.live.values()].map((i) => i.info);
    return job === undefined ? all : all.filter((p) => p.job.label === job);
  }

  /** Resolves with the exit report of a supervised process; undefined if `pid` is not one. */
  exited(pid: number): Promise<ExitInfo> | undefined {
    return this.unreported.get(pid)?.exited;
  }

  /**
   * Moves an Adaptive or Background process between its bands: boosted runs at the broker's own
   * niceness, unboosted 5 nicer. Raising priority needs privilege on most systems; EPERM comes
   * back as `{ applied: false }`, never as an exception.
   */
  setBoosted(pid: number, on: boolean): BoostResult {
    const instance = this.live.get(pid);
    if (!instance) return { applied: false, reason: `pid ${pid} is not a running job process` };
    const job = instance.info.job;
    if (!hasPriorityBands(job)) {
      return { applied: false, reason: `${job.label} has ProcessType ${job.processType}; only Adaptive and Background jobs change priority` };
    }
    return setProcessNiceness(pid, on ? this.baseNice : this.unboostedNice());
  }

  /**
   * Shutdown: cancels throttled launches, stops every process (SIGTERM, then SIGKILL to its process
   * group after `graceMs`) and resolves when every exit has been reported. Later launches reject.
   */
  async stopAll(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.stopped = true;
    for (const wait of this.throttleWaits) {
      clearTimeout(wait.timer);
      wait.cancel(new Error('the supervisor is stopping'));
    }
    this.throttleWaits.clear();
    for (const instance of this.live.values()) {
      instance.expected ??= 'terminated';
      this.stopInstance(instance, graceMs);
    }
    await Promise.all([...this.unreported.values()].map((i) => i.exited));
    await Promise.all([...this.keepAliveLaunches]);
    if (this.exitHookInstalled) process.off('exit', this.killAllNow);
    this.exitHookInstalled = false;
  }

  // ---- launching ------------------------------------------------------------------------------

  private async throttledLaunch(job: Job, options: LaunchOptions, key: string): Promise<RunningProcess> {
    const delayMs = this.throttle.delayMs(key, performance.now());
    if (delayMs > 0) {
      this.options.onThrottled(job.label, Math.round(delayMs * 1e6));
      try {
        await this.sleep(delayMs);
      } catch (e) {
        throw new LaunchFailedError(job.label, e instanceof Error ? e.message : String(e));
      }
    }
    if (this.stopped) throw new LaunchFailedError(job.label, 'the supervisor has been stopped');
    return this.spawnInstance(job, options, key);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wait: ThrottleWait = {
        timer: setTimeout(() => {
          this.throttleWaits.delete(wait);
          resolve();
        }, ms),
        cancel: reject,
      };
      this.throttleWaits.add(wait);
    });
  }

  private async spawnInstance(job: Job, options: LaunchOptions, key: string): Promise<RunningProcess> {
    const launchedAt = performance.now();
    // A failed attempt counts as a launch too, so a job that cannot start is retried at most once per interval.
    this.throttle.recordLaunch(key, launchedAt, job.throttleIntervalSec);

    const cwd = job.workingDirectory ?? '/';
    const cwdProblem = directoryProblem(cwd);
    if (cwdProblem !== undefined) return this.failLaunch(job, options, cwdProblem);

    let logs: OpenLogs;
    try {
      logs = openLogs(job);
    } catch (e) {
      return this.failLaunch(job, options, e instanceof Error ? e.message : String(e));
    }

    let child: ChildProcess;
    try {
      child = spawn(job.program, [...job.arguments], {
        cwd,
        env: this.environmentFor(job, options),
        argv0: job.argv0,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so the job and anything it starts can be stopped together.
        detached: true,
      });
    } catch (e) {
      logs.close();
      return this.failLaunch(job, options, describeLaunchError(e, job.program));
    }
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<unknown>((resolve) => child.once('error', resolve));
      logs.close();
      return this.failLaunch(job, options, describeLaunchError(error, job.program));
    }
    // Errors after a successful spawn (a signal to a process already gone) are not launch errors.
    child.on('error', () => undefined);

    const info: RunningProcess = {
      pid,
      job,
      launchedAt,
      reason: options.reason,
      ...(options.forClientPid !== undefined ? { forClientPid: options.forClientPid } : {}),
    };
    const outputs: OutputCapture[] = [];
    if (child.stdout) outputs.push(new OutputCapture(child.stdout, (l) => this.options.onOutput(pid, job.label, 'stdout', l), logs.out));
    else logs.closeOut();
    if (child.stderr) outputs.push(new OutputCapture(child.stderr, (l) => this.options.onOutput(pid, job.label, 'stderr', l), logs.err));
    else logs.closeErr();

    let reportExit: (exit: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => (reportExit = resolve));
    const instance: Instance = { info, key, child, outputs, exited, reportExit };
    this.live.set(pid, instance);
    this.liveByKey.set(key, instance);
    this.unreported.set(pid, instance);
    this.installExitHook();
    child.once('exit', (code, signal) => void this.handleExit(instance, code, signal));

    if (hasPriorityBands(job) && options.boosted !== true) setProcessNiceness(pid, this.unboostedNice());
    return info;
  }

  private failLaunch(job: Job, options: LaunchOptions, description: string): never {
    this.options.onExit({
      pid: 0,
      job,
      code: null,
      signal: null,
      reason: 'launch-failed',
      description,
      ...(options.forClientPid !== undefined ? { forClientPid: options.forClientPid } : {}),
    });
    throw new LaunchFailedError(job.label, description);
  }

  private environmentFor(job: Job, options: LaunchOptions): NodeJS.ProcessEnv {
    // Inside Electron, process.execPath is the Electron binary; this makes it behave as plain Node.
    const electronAsNode = process.versions['electron'] !== undefined && job.program === process.execPath ? { ELECTRON_RUN_AS_NODE: '1' } : {};
    return {
      ...process.env,
      // launchd tells a job its label this way.
      XPC_SERVICE_NAME: job.label,
      ...electronAsNode,
      ...job.environment,
      ...options.extraEnv,
    };
  }

  // ---- exits ----------------------------------------------------------------------------------

  private async handleExit(instance: Instance, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const { pid, job } = instance.info;
    clearTimeout(instance.killTimer);
    this.live.delete(pid);
    if (this.liveByKey.get(instance.key) === instance) this.liveByKey.delete(instance.key);
    // launchd semantics: when a job's main process exits, whatever it left in its process group goes too.
    signalProcessGroup(pid, 'SIGKILL');
    await drained(instance.outputs);
    for (const output of instance.outputs) output.finish();

    const { reason, description } = classifyExit(code, signal, instance.expected);
    const exit: ExitInfo = {
      pid,
      job,
      code,
      signal,
      reason,
      description,
      ...(instance.info.forClientPid !== undefined ? { forClientPid: instance.info.forClientPid } : {}),
    };
    this.unreported.delete(pid);
    try {
      this.options.onExit(exit);
    } finally {
      instance.reportExit(exit);
      const endedOnItsOwn = reason === 'exited' || reason === 'crashed';
      if (!this.stopped && endedOnItsOwn && keepAliveWantsRelaunch(job, code, signal)) this.relaunchKeptAlive(job);
    }
  }

  private relaunchKeptAlive(job: Job): void {
    const relaunch = this.launch(job, { reason: 'keep-alive' }).then(
      (child) => this.options.onKeepAliveLaunch?.(job, child),
      // Already reported: a launch failure through onExit, a cancelled wait by stopAll().
      () => undefined,
    );
    this.keepAliveLaunches.add(relaunch);
    void relaunch.finally(() => this.keepAliveLaunches.delete(relaunch));
  }

  private stopInstance(instance: Instance, graceMs: number): void {
    const pid = instance.info.pid;
    signalProcess(pid, 'SIGTERM');
    instance.killTimer ??= setTimeout(() => signalProcessGroup(pid, 'SIGKILL'), graceMs);
  }

  private installExitHook(): void {
    if (this.exitHookInstalled) return;
    process.on('exit', this.killAllNow);
    this.exitHookInstalled = true;
  }

  private unboostedNice(): number {
    return Math.min(MAX_NICE, this.baseNice + UNBOOSTED_NICE_OFFSET);
  }
}

function instanceKey(job: Job, forClientPid: number | undefined): string {
  return `${job.label}\u0000${forClientPid ?? ''}`;
}

function hasPriorityBands(job: Job): boolean {
  return job.processType === 'Adaptive' || job.processType === 'Background';
}

function ownNiceness(): number {
  try {
    return getPriority();
  } catch {
    return 0;
  }
}

function directoryProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isDirectory()) return `ENOTDIR: WorkingDirectory is not a directory ${path}`;
    return undefined;
  } catch (e) {
    return describeLaunchError(e, path, 'WorkingDirectory');
  }
}

/** Waits for stdout/stderr to reach their end, but not forever (a stray holder of the pipe). */
async function drained(outputs: readonly OutputCapture[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, OUTPUT_DRAIN_MS)));
  await Promise.race([Promise.all(outputs.map((o) => o.ended)), timeout]);
  clearTimeout(timer);
}

interface LogFile {
  readonly path: string;
  readonly fd: number;
}

interface OpenLogs {
  readonly out?: LogFile;
  readonly err?: LogFile;
  close(): void;
  closeOut(): void;
  closeErr(): void;
}

/** Opens StandardOutPath/StandardErrorPath for appending before the spawn, so a bad path fails the launch. */
function openLogs(job: Job): OpenLogs {
  const out = openAppend('StandardOutPath', job.standardOutPath);
  let err: LogFile | undefined;
  try {
    err = openAppend('StandardErrorPath', job.standardErrorPath);
  } catch (e) {
    if (out) closeSync(out.fd);
    throw e;
  }
  const closeOut = (): void => void (out && closeSync(out.fd));
  const closeErr = (): void => void (err && closeSync(err.fd));
  return {
    ...(out ? { out } : {}),
    ...(err ? { err } : {}),
    closeOut,
    closeErr,
    close: () => {
      closeOut();
      closeErr();
    },
  };
}

function openAppend(key: string, path: string | undefined): LogFile | undefined {
  if (path === undefined) return undefined;
  try {
    return { path, fd: openSync(path, 'a') };
  } catch (e) {
    throw new Error(`cannot open ${key}: ${describeLaunchError(e, path)}`);
  }
}
