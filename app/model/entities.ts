/**
 * The derived state the inspector shows besides the timeline: services (jobs), processes,
 * connections and outstanding replies. The model owns and updates these records in place;
 * readers get them through Readonly views and re-read when the model's version changes.
 */
import type {
  ConnectionState,
  ExitReason,
  JobSummary,
  PeerRequirement,
  ProcessType,
  ServiceKind,
  ServiceState,
  TransactionCause,
} from '../events/schema';

export interface ExitRecord {
  readonly t: number;
  readonly pid: number;
  readonly reason: ExitReason;
  readonly description: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly transactionsHeld: number;
}

/** Why a process's transaction count is above zero, split by what took the transactions. */
export interface HeldTransactions {
  /** Messages delivered whose handler has not returned. */
  handlers: number;
  /** Replies created and not yet sent or dropped. */
  replies: number;
  /** xpc_transaction_begin without a matching end. */
  explicit: number;
}

export interface ServiceRecord {
  readonly label: string;
  /** 'unknown' for a service name seen in traffic that no loaded job serves. */
  kind: ServiceKind | 'unknown';
  job: JobSummary | undefined;
  warnings: readonly string[];
  state: ServiceState;
  /** Running instances (several for an XPC service, one per client). */
  pids: number[];
  transactions: number;
  boosts: number;
  held: HeldTransactions;
  launches: number;
  crashes: number;
  launchFailures: number;
  idleExits: number;
  lastLaunch: { readonly t: number; readonly pid: number; readonly reason: string; readonly boosted: boolean } | undefined;
  lastExit: ExitRecord | undefined;
  /** Session time before which a relaunch is throttled. */
  throttledUntil: number | undefined;
  terminationImminent: { readonly t: number; readonly pid: number; readonly transactionsHeld: number } | undefined;
  longHeld:
    | {
        readonly t: number;
        readonly pid: number;
        readonly count: number;
        readonly heldNs: number;
        readonly oldestCause: TransactionCause | undefined;
        readonly message: number | undefined;
      }
    | undefined;
  /** Messages other processes sent to this service. */
  messagesIn: number;
  /** Messages and replies this service's processes sent. */
  messagesOut: number;
  errors: number;
  outstandingReplies: number;
  openConnections: number;
  peerRejections: number;
  lastActivity: number;
}

export type ProcessState = 'launching' | 'running' | 'idle' | 'exiting' | 'exited' | 'detached';

export interface ProcessRecord {
  readonly pid: number;
  name: string;
  uid: number | undefined;
  gid: number | undefined;
  executable: string | undefined;
  processType: ProcessType | undefined;
  job: string | undefined;
  /** For an XPC service instance: the client it serves. */
  forClientPid: number | undefined;
  state: ProcessState;
  launchedAt: number | undefined;
  launchReason: string | undefined;
  attachedAt: number | undefined;
  exitedAt: number | undefined;
  exit: ExitRecord | undefined;
  detachReason: string | undefined;
  transactions: number;
  boosts: number;
  held: HeldTransactions;
  messagesSent: number;
  messagesReceived: number;
  /** The last lines it wrote to stdout/stderr. */
  output: { readonly t: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }[];
}

export type PeerCheck =
  | { readonly result: 'unchecked' }
  | { readonly result: 'accepted' }
  | { readonly result: 'rejected'; readonly reason: string; readonly requirement: PeerRequirement; readonly t: number };

export interface ConnectionStateChange {
  readonly t: number;
  readonly state: ConnectionState;
  readonly reason: string | undefined;
}

export interface ConnectionRecord {
  readonly id: number;
  readonly clientPid: number;
  readonly service: string;
  readonly privileged: boolean;
  readonly api: 'connection' | 'session';
  readonly viaEndpoint: boolean;
  readonly openedAt: number;
  job: string | undefined;
  servicePid: number | undefined;
  state: ConnectionState;
  suspendCount: number;
  /** The invalidation / interruption / cancellation reason of the latest such state. */
  reason: string | undefined;
  retryable: boolean | undefined;
  interruptions: number;
  closedAt: number | undefined;
  history: ConnectionStateChange[];
  peer: PeerCheck;
  /** Client → service. */
  messagesOut: number;
  /** Service → client (messages, replies, errors). */
  messagesIn: number;
  bytesOut: number;
  bytesIn: number;
  outstandingReplies: number;
  errors: number;
  lastActivity: number;
}

export interface OutstandingReply {
  readonly message: number;
  /** Absolute timeline row of the request (may have left the view). */
  readonly row: number;
  readonly t: number;
  readonly fromPid: number;
  readonly toPid: number;
  readonly service: string;
  readonly job: string | undefined;
  readonly connection: number;
  readonly sync: boolean;
  readonly summary: string;
}

export interface JobError {
  readonly t: number;
  readonly file: string;
  readonly key: string | undefined;
  readonly error: string;
}

export interface ModelTotals {
  events: number;
  messages: number;
  replies: number;
  errors: number;
  lifecycle: number;
  output: number;
  bytes: number;
  /** Seqs skipped between consecutive events (events the host no longer had). */
  missedEvents: number;
  /** Events before the first one received (the host's backlog had already let them go). */
  missedBeforeStart: number;
  firstSeq: number;
  lastSeq: number;
  firstT: number;
  lastT: number;
}

export function emptyHeld(): HeldTransactions {
  return { handlers: 0, replies: 0, explicit: 0 };
}

/** A service nothing has happened to yet: not running, every count zero. */
export function newServiceRecord(label: string, kind: ServiceRecord['kind'] = 'unknown', job?: JobSummary): ServiceRecord {
  return {
    label,
    kind,
    job,
    warnings: [],
    state: 'not-running',
    pids: [],
    transactions: 0,
    boosts: 0,
    held: emptyHeld(),
    launches: 0,
    crashes: 0,
    launchFailures: 0,
    idleExits: 0,
    lastLaunch: undefined,
    lastExit: undefined,
    throttledUntil: undefined,
    terminationImminent: undefined,
    longHeld: undefined,
    messagesIn: 0,
    messagesOut: 0,
    errors: 0,
    outstandingReplies: 0,
    openConnections: 0,
    peerRejections: 0,
    lastActivity: 0,
  };
}
