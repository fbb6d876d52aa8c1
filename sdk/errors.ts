/** The errors the SDK reports: XPC error events with their reason, and API misuse. */
import {
  XPC_ERROR_CONNECTION_INTERRUPTED,
  XPC_ERROR_CONNECTION_INVALID,
  XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT,
  XPC_ERROR_TERMINATION_IMMINENT,
} from '../app/xpc/value';

export { XPC_ERROR_CONNECTION_INTERRUPTED, XPC_ERROR_CONNECTION_INVALID, XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, XPC_ERROR_TERMINATION_IMMINENT };

/**
 * An XPC error with what xpc_connection_copy_invalidation_reason would say, and (for sessions)
 * whether trying again with a new session can help — the XPCRichError of the Swift API.
 */
export class XPCError extends Error {
  constructor(
    /** The XPC error object's description: "Connection invalid", "Connection interrupted", … */
    readonly error: string,
    readonly reason: string,
    readonly retryable: boolean = false,
  ) {
    super(`${error}: ${reason}`);
    this.name = 'XPCError';
  }
}

/** The API was used in a way XPC forbids (send on an inactive session, resume without suspend, …). */
export class XPCMisuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XPCMisuseError';
  }
}
