/** The process supervisor: launching, watching and stopping job processes like launchd. */
export {
  DEFAULT_STOP_GRACE_MS,
  DEFAULT_TERMINATE_GRACE_MS,
  LaunchFailedError,
  ProcessSupervisor,
  UNBOOSTED_NICE_OFFSET,
} from './process-supervisor';
export { classifyExit, describeLaunchError } from './exit-description';
export { CRASH_SIGNALS, keepAliveWantsRelaunch, startsAtLoad } from './keep-alive';
export type { BoostResult, ExitInfo, LaunchOptions, LaunchReason, RunningProcess, SupervisorOptions } from './types';
