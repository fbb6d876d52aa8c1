/**
 * The event vocabulary: everything the broker (or the native probe) observes is one of these
 * events. Capture files, the bridge to the renderer, the UI's derived state and exports all
 * consume exactly this schema. docs/events.md describes each kind.
 *
 * Events are plain JSON-safe data except `value` fields, which hold XpcValue (XPC-JSON in
 * capture files, see app/capture). Timestamps are nanoseconds on a monotonic clock, relative
 * to the session start (`SessionHeader.startedAtWallMs` anchors them to wall time).
 */
import type { XpcValue } from '../xpc/value';

/** launchd job flavours (see "Designing Daemons and Services"). */
export type ServiceKind = 'xpc-service' | 'launch-agent' | 'launch-daemon';

/** How a client process presents itself: app-type (foreground) messages boost, background ones do not. */
export type ProcessType = 'app' | 'background';

export type ServiceState = 'not-running' | 'launching' | 'running' | 'idle' | 'exiting';

export type ConnectionState = 'inactive' | 'active' | 'suspended' | 'canceled' | 'invalidated' | 'interrupted';

export type MessageKind = 'message' | 'reply' | 'error';

export type TransactionCause =
  | 'delivery' // +1 immediately before a message is handed to a peer handler
  | 'handler-returned' // -1 when that handler returns
  | 'reply-created' // +1 at xpc_dictionary_create_reply
  | 'reply-sent' // -1 when the reply is sent
  | 'reply-dropped' // -1 when the reply is released unsent
  | 'explicit-begin' // xpc_transaction_begin
  | 'explicit-end' // xpc_transaction_end
  | 'process-exit'; // the process went away holding transactions

export type BoostCause = 'message' | 'reply-transfer' | 'reply-sent' | 'handled' | 'process-exit';

export type ExitReason =
  | 'exited' // the process exited on its own
  | 'crashed' // killed by a signal or a non-zero exit it did not announce
  | 'idle-exit' // the runtime ended it after its idle timeout with zero transactions
  | 'terminated' // the broker or the user stopped it
  | 'client-exited' // an XPC service whose client went away
  | 'launch-failed'; // it never started (bad path, spawn error)

/** The identity of a real OS process as the kernel reports it. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** argv[0]-style short name for display. */
  readonly name: string;
  readonly executable?: string;
}

export interface PeerRequirement {
  readonly uid?: number;
  readonly executablePath?: string;
  readonly executableSha256?: string;
}

export interface JobSummary {
  readonly label: string;
  readonly kind: ServiceKind;
  readonly machServices: readonly string[];
  readonly program: string;
  readonly arguments: readonly string[];
  readonly keepAlive: boolean;
  readonly runAtLoad: boolean;
  readonly throttleIntervalSec: number;
  readonly pressuredExit: boolean;
  readonly adaptive: boolean;
  readonly file: string;
}

interface EventBase {
  /** Strictly increasing within a session, starting at 1. */
  readonly seq: number;
  /** Monotonic nanoseconds since the session started. */
  readonly t: number;
}

/**
 * On the kinds the native probe produces: set when the event was observed by the probe inside a
 * real process (native-probe/) rather than routed by the broker. Absent on the broker's own events.
 */
export interface ProbeMark {
  readonly observedBy?: 'probe';
  /**
   * Records the probe dropped (its socket was full) just before the record this event came
   * from: the events they would have produced are missing.
   */
  readonly probeRecordsLost?: number;
}

// ---- jobs and processes ------------------------------------------------------------

export interface JobLoadedEvent extends EventBase {
  readonly kind: 'job-loaded';
  readonly job: JobSummary;
  readonly warnings: readonly string[];
}
export interface JobFailedEvent extends EventBase {
  readonly kind: 'job-failed';
  readonly file: string;
  readonly key?: string;
  readonly error: string;
}
export interface ProcessLaunchedEvent extends EventBase {
  readonly kind: 'process-launched';
  readonly job: string;
  readonly pid: number;
  /** Per-client instance of an XPC service: the client pid it belongs to. */
  readonly forClientPid?: number;
  readonly reason: 'on-demand' | 'run-at-load' | 'keep-alive' | 'relaunch';
  readonly boosted: boolean;
  /** The message whose send triggered an on-demand launch. */
  readonly triggerMessageId?: number;
}
export interface ProcessExitedEvent extends EventBase {
  readonly kind: 'process-exited';
  readonly job?: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly reason: ExitReason;
  readonly description: string;
  /** Transactions the process still held when it went away. */
  readonly transactionsHeld: number;
}
export interface ProcessAttachedEvent extends EventBase, ProbeMark {
  readonly kind: 'process-attached';
  readonly process: ProcessIdentity;
  readonly processType: ProcessType;
  /** Set when the process is an instance of a job the broker launched. */
  readonly job?: string;
}
export interface ProcessDetachedEvent extends EventBase, ProbeMark {
  readonly kind: 'process-detached';
  readonly pid: number;
  readonly reason: string;
}
export interface ProcessOutputEvent extends EventBase {
  readonly kind: 'process-output';
  readonly pid: number;
  readonly job: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}
export interface ThrottledEvent extends EventBase {
  readonly kind: 'launch-throttled';
  readonly job: string;
  /** Nanoseconds until the job may be launched again. */
  readonly delayNs: number;
}

// ---- connections --------------------------------------------------------------------

export interface ConnectionOpenedEvent extends EventBase, ProbeMark {
  readonly kind: 'connection-opened';
  readonly connection: number;
  readonly clientPid: number;
  readonly service: string;
  readonly privileged: boolean;
  /** 'connection' for xpc_connection_*, 'session' for XPCSession-style peers. */
  readonly api: 'connection' | 'session';
  readonly viaEndpoint: boolean;
}
export interface ConnectionStateEvent extends EventBase, ProbeMark {
  readonly kind: 'connection-state';
  readonly connection: number;
  readonly state: ConnectionState;
  /** Counted suspends outstanding after this change. */
  readonly suspendCount: number;
  /** The xpc_connection_copy_invalidation_reason equivalent; set for invalidated/interrupted/canceled. */
  readonly reason?: string;
  /** For sessions: whether retrying (a new session) can help. */
  readonly retryable?: boolean;
}
export interface ConnectionBoundEvent extends EventBase {
  readonly kind: 'connection-bound';
  readonly connection: number;
  readonly servicePid: number;
  readonly job: string;
}
export interface PeerRejectedEvent extends EventBase {
  readonly kind: 'peer-rejected';
  readonly connection: number;
  readonly clientPid: number;
  readonly requirement: PeerRequirement;
  readonly reason: string;
}

// ---- messages -----------------------------------------------------------------------

export interface MessageSentEvent extends EventBase, ProbeMark {
  readonly kind: 'message-sent';
  /** Session-unique message id; replies reference the request id. */
  readonly message: number;
  readonly connection: number;
  readonly messageKind: MessageKind;
  readonly fromPid: number;
  /** The receiving pid, when already known at send time. */
  readonly toPid?: number;
  readonly service: string;
  readonly expectsReply: boolean;
  readonly sync: boolean;
  /** For replies: the request this answers. */
  readonly inReplyTo?: number;
  readonly size: number;
  readonly boosting: boolean;
  /** The payload; omitted above the body cap, fetch by id (bridge getMessage). */
  readonly value?: XpcValue;
  readonly summary: string;
}
export interface MessageDeliveredEvent extends EventBase, ProbeMark {
  readonly kind: 'message-delivered';
  readonly message: number;
  readonly toPid: number;
}
export interface MessageHandledEvent extends EventBase {
  readonly kind: 'message-handled';
  readonly message: number;
  readonly pid: number;
  readonly durationNs: number;
}
export interface ReplyCreatedEvent extends EventBase, ProbeMark {
  readonly kind: 'reply-created';
  readonly request: number;
  readonly pid: number;
}
export interface ReplyReceivedEvent extends EventBase, ProbeMark {
  readonly kind: 'reply-received';
  readonly request: number;
  readonly reply: number;
  readonly toPid: number;
  readonly latencyNs: number;
}
export interface ReplyFailedEvent extends EventBase, ProbeMark {
  readonly kind: 'reply-failed';
  readonly request: number;
  readonly toPid: number;
  readonly error: string;
  readonly reason: string;
  readonly latencyNs: number;
}
export interface MessageDroppedEvent extends EventBase, ProbeMark {
  readonly kind: 'message-dropped';
  readonly message: number;
  readonly reason: string;
}

// ---- runtime accounting ---------------------------------------------------------------

export interface TransactionEvent extends EventBase, ProbeMark {
  readonly kind: 'transaction';
  readonly pid: number;
  readonly job?: string;
  readonly delta: 1 | -1;
  readonly count: number;
  readonly cause: TransactionCause;
  readonly message?: number;
}
export interface IdleEvent extends EventBase {
  readonly kind: 'idle';
  readonly pid: number;
  readonly job: string;
}
export interface LongHeldTransactionEvent extends EventBase {
  readonly kind: 'transaction-long-held';
  readonly pid: number;
  readonly job?: string;
  readonly count: number;
  /** How long the oldest transaction still open has been held. */
  readonly heldNs: number;
  /** What opened that oldest transaction (an explicit begin, a delivery, a reply …). */
  readonly oldestCause?: TransactionCause;
  /** The message that transaction belongs to, if any. */
  readonly message?: number;
}
export interface TerminationImminentEvent extends EventBase {
  readonly kind: 'termination-imminent';
  readonly pid: number;
  readonly job: string;
  readonly transactionsHeld: number;
}
export interface BoostEvent extends EventBase {
  readonly kind: 'boost';
  readonly pid: number;
  readonly job?: string;
  readonly delta: 1 | -1;
  readonly count: number;
  readonly cause: BoostCause;
  readonly message?: number;
}

export type InspectorEvent =
  | JobLoadedEvent
  | JobFailedEvent
  | ProcessLaunchedEvent
  | ProcessExitedEvent
  | ProcessAttachedEvent
  | ProcessDetachedEvent
  | ProcessOutputEvent
  | ThrottledEvent
  | ConnectionOpenedEvent
  | ConnectionStateEvent
  | ConnectionBoundEvent
  | PeerRejectedEvent
  | MessageSentEvent
  | MessageDeliveredEvent
  | MessageHandledEvent
  | ReplyCreatedEvent
  | ReplyReceivedEvent
  | ReplyFailedEvent
  | MessageDroppedEvent
  | TransactionEvent
  | IdleEvent
  | LongHeldTransactionEvent
  | TerminationImminentEvent
  | BoostEvent;

export type EventKind = InspectorEvent['kind'];

/** Distributes Omit over the union so each member keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the emitter stamps its sequence number and time. */
export type EventInput = DistributiveOmit<InspectorEvent, 'seq' | 't'>;

export type EventOfKind<K extends EventKind> = Extract<InspectorEvent, { kind: K }>;

export const EVENT_KINDS: readonly EventKind[] = [
  'job-loaded',
  'job-failed',
  'process-launched',
  'process-exited',
  'process-attached',
  'process-detached',
  'process-output',
  'launch-throttled',
  'connection-opened',
  'connection-state',
  'connection-bound',
  'peer-rejected',
  'message-sent',
  'message-delivered',
  'message-handled',
  'reply-created',
  'reply-received',
  'reply-failed',
  'message-dropped',
  'transaction',
  'idle',
  'transaction-long-held',
  'termination-imminent',
  'boost',
];
