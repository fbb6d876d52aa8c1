/** The supervisor's public shapes: what a running job instance is, and how its end is reported. */
import type { ExitReason } from '../../../app/events/schema';
import type { Job } from '../jobs/job';

export type LaunchReason = 'on-demand' | 'run-at-load' | 'keep-alive' | 'relaunch';

export interface RunningProcess {
  readonly pid: number;
  readonly job: Job;
  /** Monotonic milliseconds (performance.now()) at spawn. */
  readonly launchedAt: number;
  readonly reason: LaunchReason;
  /** The client an XPC service instance belongs to. */
  readonly forClientPid?: number;
}

export interface ExitInfo {
  /** 0 when the process never started (reason 'launch-failed'). */
  readonly pid: number;
  readonly job: Job;
  readonly code: number | null;
  readonly signal: string | null;
  readonly reason: ExitReason;
  /** "killed by SIGKILL", "exited with code 3", "ENOENT: no such file /x/y", ... */
  readonly description: string;
  readonly forClientPid?: number;
}

export interface LaunchOptions {
  readonly reason: LaunchReason;
  /** Added on top of the broker environment and the job's EnvironmentVariables. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** XPC services: the client this instance serves (one instance per client). */
  readonly forClientPid?: number;
  /** Start at boosted priority (an on-demand launch for a boosting message). */
  readonly boosted?: boolean;
}

export interface SupervisorOptions {
  onOutput(pid: number, job: string, stream: 'stdout' | 'stderr', line: string): void;
  onExit(info: ExitInfo): void;
  /** A launch waits `delayNs` because the job was launched less than ThrottleInterval ago. */
  onThrottled(job: string, delayNs: number): void;
  /** A KeepAlive relaunch the supervisor started by itself has spawned. */
  onKeepAliveLaunch?(job: Job, child: RunningProcess): void;
}

export type BoostResult = { readonly applied: true; readonly nice: number } | { readonly applied: false; readonly reason: string };
