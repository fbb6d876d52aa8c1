/**
 * The broker's picture of the world: processes on the socket, their client connections and
 * listeners, the peer connections it opened to services, job instances, and messages in
 * flight. Plain records; the router and the lifecycle controller change them.
 */
import type { ConnectionState, PeerRequirement, ProcessType } from '../../app/events/schema';
import type { XpcValue } from '../../app/xpc/value';
import type { MessageConnection } from '../transport/connection';
import type { BoostLedger } from './boosts';
import type { Job } from './jobs/job';
import type { ExecutableLookup } from './peer-identity';
import type { TransactionLedger } from './transactions';

/** Transaction and boost accounting of one service process (by pid). */
export interface Accounts {
  readonly pid: number;
  readonly transactions: TransactionLedger;
  readonly boosts: BoostLedger;
}

/** A process that said hello on the broker socket. */
export interface ProcessRecord {
  readonly link: MessageConnection;
  /** From the kernel (SO_PEERCRED), never from the process. */
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly executable: ExecutableLookup;
  readonly name: string;
  readonly processType: ProcessType;
  /** Set when this is the process the broker launched for a job instance. */
  instance?: Instance;
  readonly connections: Map<number, ClientConnection>;
  readonly listeners: Map<number, Listener>;
  /** Peer connections this process serves, by peer id. */
  readonly peers: Map<number, PeerConnection>;
  /** Messages delivered to this process's peer handlers and not finished yet, by message id. */
  readonly inflight: Map<number, Delivery>;
  accounts?: Accounts;
  gone: boolean;
  /** "com.example.echo (pid 123)" or "client (pid 456)", for reasons and logs. */
  readonly label: string;
}

export interface Listener {
  readonly owner: ProcessRecord;
  readonly localId: number;
  /** Service names it answers, or the endpoint name of an anonymous listener. */
  readonly names: readonly string[];
  readonly anonymous: boolean;
  readonly requirement?: PeerRequirement;
  cancelled: boolean;
}

export type QueueItem = { readonly kind: 'message'; readonly message: OutgoingMessage } | { readonly kind: 'barrier'; readonly token: number };

/** A client's xpc_connection / XPCSession as the broker keeps it. */
export interface ClientConnection {
  /** Broker-wide id: what events and the inspector call this connection. */
  readonly id: number;
  readonly owner: ProcessRecord;
  /** The client's own id for it, used in frames to the client. */
  readonly localId: number;
  readonly service: string;
  readonly privileged: boolean;
  readonly api: 'connection' | 'session';
  readonly viaEndpoint: boolean;
  state: ConnectionState;
  activated: boolean;
  suspendCount: number;
  /** Held by the client side: the connection is inactive or suspended. */
  readonly outbox: QueueItem[];
  /** Handed over but not yet bound to a service process (launching, binding). */
  readonly transit: OutgoingMessage[];
  peer?: PeerConnection;
  /** A lookup / launch / requirement check is under way. */
  binding: boolean;
  /** The instance this connection waits on to check in. */
  waitingOn?: Instance;
  /** Requests sent on this connection that have not been answered yet, by message id. */
  readonly requests: Map<number, OutgoingMessage>;
  /** Why it ended, once canceled or invalidated. */
  endReason?: string;
}

/** The service side of a connection: what a listener's process sees as a peer connection. */
export interface PeerConnection {
  readonly id: number;
  readonly client: ClientConnection;
  readonly listener: Listener;
  readonly service: ProcessRecord;
  state: 'pending' | 'active' | 'suspended' | 'canceled';
  suspendCount: number;
  /** Messages for this peer held until the service activates or resumes it. */
  readonly backlog: OutgoingMessage[];
}

/** A message a client sent, from send until it is answered or dropped. */
export interface OutgoingMessage {
  readonly id: number;
  readonly connection: ClientConnection;
  /** The client's frame id: the request id its reply is matched by. */
  readonly clientRequestId: number;
  readonly body: XpcValue;
  readonly expectsReply: boolean;
  readonly sync: boolean;
  /** From an app-type client to a service that takes boosts. */
  readonly boosting: boolean;
  readonly sentNs: number;
  /** Answered (reply or error): the reply handler has been called, never again. */
  answered: boolean;
}

/** A message handed to a service's peer handler. */
export interface Delivery {
  readonly message: OutgoingMessage;
  readonly peer: PeerConnection;
  readonly deliveredNs: number;
  reply: 'none' | 'created' | 'sent' | 'dropped';
  handled: boolean;
}

/** One launch of a job: per client for XPC services, shared for agents and daemons. */
export interface Instance {
  readonly key: string;
  readonly job: Job;
  readonly clientPid?: number;
  state: 'launching' | 'running' | 'exiting';
  pid?: number;
  process?: ProcessRecord;
  /** Connections waiting for this instance to serve their service name. */
  readonly waiting: Set<ClientConnection>;
  /** Forced termination announced (TERMINATION_IMMINENT sent); no more deliveries. */
  terminating: boolean;
  idleTimer?: NodeJS.Timeout;
  /** When its transaction count last reached 0 (monotonic ns); undefined while busy. */
  idleSince?: number;
  /** An end-of-tick check for the 'idle' event is scheduled. */
  idleCheckPending?: boolean;
  checkInTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** Its process has left the routing picture (socket closed or exit seen): peers were told. */
  departed: boolean;
  /** The process has exited and the instance is forgotten. */
  ended: boolean;
  /** It registered a listener at least once (so a later exit relaunches rather than fails waiters). */
  checkedIn: boolean;
  /** Its client (XPC service instances) went away: terminate as soon as it is launched. */
  clientGone: boolean;
  /** Set when the broker gave up on it (no check-in), for what waiting clients are told. */
  failReason?: string;
  /** Transactions held when the process left, for the process-exited event. */
  heldAtDeparture?: number;
  /** Resolves once the launch attempt settled (the pid is known or the launch failed). */
  launched?: Promise<void>;
  /** Waiting for the exit report after the process's socket closed. */
  goneTimer?: NodeJS.Timeout;
}

export function isConnectionOpen(conn: ClientConnection): boolean {
  return conn.state !== 'canceled' && conn.state !== 'invalidated' && !conn.owner.gone;
}

/** Active and not suspended: messages flow from the outbox. */
export function isConnectionFlowing(conn: ClientConnection): boolean {
  return conn.activated && conn.suspendCount === 0 && isConnectionOpen(conn);
}
