/**
 * Environment variables through which the broker tells the processes it launches (and any
 * process started by hand) where it is and who they are.
 */

/** Path of the broker's Unix-domain socket. */
export const ENV_SOCKET = 'XPC_INSPECTOR_SOCKET';
/** Per-launch secret naming the job instance a process belongs to; sent back in `hello`. */
export const ENV_JOB_TOKEN = 'XPC_INSPECTOR_JOB_TOKEN';
/** 'app' or 'background': how a process presents itself (app-type messages boost). */
export const ENV_PROCESS_TYPE = 'XPC_INSPECTOR_PROCESS_TYPE';
/** Label of the job a launched process belongs to (informational; the token is what counts). */
export const ENV_JOB_LABEL = 'XPC_INSPECTOR_JOB';
