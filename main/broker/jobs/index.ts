/** launchd.plist jobs: loading a jobs directory into checked, normalised Job records. */
export {
  formatJobWarning,
  LAUNCHD_PROCESS_TYPES,
  type Job,
  type JobLoadFailure,
  type JobLoadResult,
  type JobLoadWarning,
  type KeepAliveConditions,
  type LaunchdProcessType,
} from './job';
export { BinaryPlistError, DEFAULT_BINARY_PLIST_LIMITS, parseBinaryPlist, type BinaryPlistLimits } from './binary-plist';
export { JOB_FOLDERS, loadJobsFromDirectory } from './load-jobs';
export {
  BROKER_NODE_PROGRAM,
  DEFAULT_THROTTLE_INTERVAL_SEC,
  IDLE_TIMEOUT_KEY,
  interpretJobPlist,
  parseJobPlist,
  type ParsedJob,
} from './parse-job';
export { MAX_PLIST_BYTES, readPlistBytes, readPlistText, type PlistReadResult } from './read-plist';
