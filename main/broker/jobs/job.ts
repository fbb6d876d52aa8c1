/**
 * A job as the embedded runtime understands it: the launchd.plist keys it honours, already
 * checked and normalised (paths resolved, defaults applied per service kind).
 */
import type { JobSummary } from '../../../app/events/schema';

/** launchd's ProcessType values; Adaptive jobs are boosted by messages from app-type clients. */
export type LaunchdProcessType = 'Background' | 'Standard' | 'Adaptive' | 'Interactive';

export const LAUNCHD_PROCESS_TYPES: readonly LaunchdProcessType[] = ['Background', 'Standard', 'Adaptive', 'Interactive'];

/** The KeepAlive dictionary conditions we support; any condition that holds keeps the job alive. */
export interface KeepAliveConditions {
  /** true: relaunch after exit code 0; false: relaunch after any other end. */
  readonly successfulExit?: boolean;
  /** true: relaunch after a crash signal (SIGSEGV, SIGABRT, ...); false: after any other end. */
  readonly crashed?: boolean;
}

export interface Job extends JobSummary {
  /**
   * argv[0] as the process sees it: ProgramArguments[0] (as written, e.g. "node"), else Program.
   * `program` is what gets executed and `arguments` are argv[1...].
   */
  readonly argv0: string;
  /** EnvironmentVariables from the plist (the broker's own environment is added at launch). */
  readonly environment: Readonly<Record<string, string>>;
  /** Absolute; a relative WorkingDirectory is resolved against the plist's directory. */
  readonly workingDirectory?: string;
  /** Absolute; a relative path is resolved against the plist's directory. */
  readonly standardOutPath?: string;
  /** Absolute; a relative path is resolved against the plist's directory. */
  readonly standardErrorPath?: string;
  readonly processType: LaunchdProcessType;
  /** XPCInspectorIdleTimeout: seconds of idleness before a pressured exit; unset = broker default. */
  readonly idleTimeoutSec?: number;
  /** KeepAlive as written: a plain boolean or the supported dictionary conditions. */
  readonly keepAliveOn: KeepAliveConditions | boolean;
}

/** A plist that did not become a job. `error` is the complete message (file, key, problem). */
export interface JobLoadFailure {
  readonly file: string;
  readonly key?: string;
  readonly error: string;
}

/** A problem that does not stop the job from loading (unknown or unsupported keys). */
export interface JobLoadWarning {
  readonly file: string;
  readonly key: string;
  readonly message: string;
}

export interface JobLoadResult {
  readonly jobs: Job[];
  readonly failures: JobLoadFailure[];
  readonly warnings: JobLoadWarning[];
}

/** One line per warning, as shown to users and carried by JobLoadedEvent. */
export function formatJobWarning(w: JobLoadWarning): string {
  return w.key === '' ? `${w.file}: ${w.message}` : `${w.file}: key "${w.key}": ${w.message}`;
}
