/**
 * The broker ⇄ process protocol. Every frame body is an XPC dictionary whose "op" key names
 * the operation; the remaining keys are declared here, once per op and direction. Frame
 * message ids carry meaning too (see docs/protocol.md):
 *  - process → broker: the sender's own counter; for `send` it is the request id the broker
 *    echoes back in `reply` / `reply-error`.
 *  - broker → process: for `deliver`, `message` and `reply` the session-wide message id the
 *    inspector shows (a service answers a delivery by naming it in `reply`); 0 otherwise.
 *
 * Connection ids: a client names its connections (`connection`) and listeners (`listener`)
 * with its own numbers; a service names the peer connections the broker opened to it
 * (`peer`) with the broker's connection ids.
 */
import { anyValue, bool, dict, int, intList, oneOf, optional, str, xpcErrorName, type FieldSpec, type Fields } from './fields';

export const PROTOCOL_VERSION = 1;

const processType = oneOf('app', 'background');
const api = oneOf('connection', 'session');
const requirement = dict({ uid: optional(int), executablePath: optional(str), executableSha256: optional(str) });

/** Operations a process sends to the broker. */
export const PROCESS_OPS = {
  /** First frame on every socket. `token` identifies a process the broker launched for a job. */
  hello: { version: int, name: str, processType, token: optional(str) },
  /**
   * Start serving. `service` omitted: every MachService of the caller's job (xpc_main).
   * `anonymous`: a listener reachable only through its endpoint (answered by `listening`).
   */
  listen: { listener: int, service: optional(str), anonymous: optional(bool), api, requirement: optional(requirement) },
  'listener-cancel': { listener: int },
  /** Creates an inactive connection (xpc_connection_create_mach_service / XPCSession). */
  connect: { connection: int, service: str, privileged: bool, api, endpoint: bool },
  activate: { connection: int },
  suspend: { connection: int },
  resume: { connection: int },
  cancel: { connection: int },
  /** A message on a client connection; the frame's message id is the request id. */
  send: { connection: int, body: anyValue, reply: bool, sync: bool },
  barrier: { connection: int, token: int },
  /** A service's side of a peer connection the broker opened (accept = activate). */
  'peer-activate': { peer: int },
  'peer-suspend': { peer: int },
  'peer-resume': { peer: int },
  'peer-cancel': { peer: int, reason: optional(str) },
  /** A one-way message from a service to the client at the other end of a peer connection. */
  'peer-send': { peer: int, body: anyValue },
  /**
   * Peer handlers returned for `messages` (delivery ids, in order); `replies` lists requests
   * whose reply was created inside the handler and is still unsent at its return. Batched per
   * tick. A reply can only be created while its handler runs, so creation is always reported
   * here or, implicitly, by the `reply` op that sends it.
   */
  handled: { messages: intList, replies: optional(intList) },
  /** The reply to delivery `request`; `handled`: the handler returned right after sending it. */
  reply: { request: int, body: anyValue, handled: bool },
  /** A created reply was released unsent. */
  'reply-dropped': { request: int },
  'txn-begin': {},
  'txn-end': {},
} as const satisfies Readonly<Record<string, FieldSpec>>;

/** Operations the broker sends to a process. */
export const BROKER_OPS = {
  /** Answer to hello: the pid the kernel reports for the sender, and its job if it is one. */
  'hello-ok': { pid: int, job: optional(str) },
  /** The broker is closing this socket because of a protocol violation. */
  fatal: { reason: str },
  listening: { listener: int, endpoint: optional(str) },
  'listen-failed': { listener: int, reason: str },
  /** A client connected to one of the process's listeners. */
  'peer-new': { listener: int, peer: int, pid: int, uid: int, gid: int, name: str, api },
  /** A message for a peer handler; the frame's message id identifies it for `reply`. */
  deliver: { peer: int, body: anyValue, reply: bool },
  /** An error event for a peer connection (client gone, termination imminent). */
  'peer-error': { peer: int, error: xpcErrorName, reason: str },
  /** The reply to request `request` (the client's frame id) on `connection`. */
  reply: { connection: int, request: int, body: anyValue },
  /** A request that will get no reply: the error its reply handler receives. */
  'reply-error': { connection: int, request: int, error: xpcErrorName, reason: str },
  /** An error event for a client connection or session. */
  'connection-error': { connection: int, error: xpcErrorName, reason: str, retryable: optional(bool) },
  /** A message the service sent on its peer connection. */
  message: { connection: int, body: anyValue },
  'barrier-done': { connection: int, token: int },
  /** The service has been idle past its timeout: exit now. */
  'idle-exit': {},
  /** The last transaction ended after termination was announced: exit now. */
  exit: { reason: str },
} as const satisfies Readonly<Record<string, FieldSpec>>;

type OpUnion<T extends Readonly<Record<string, FieldSpec>>> = {
  [N in keyof T]: { readonly op: N } & Fields<T[N]>;
}[keyof T];

export type ProcessOp = OpUnion<typeof PROCESS_OPS>;
export type BrokerOp = OpUnion<typeof BROKER_OPS>;
export type ProcessOpName = ProcessOp['op'];
export type BrokerOpName = BrokerOp['op'];
export type ProcessOpOf<N extends ProcessOpName> = Extract<ProcessOp, { op: N }>;
export type BrokerOpOf<N extends BrokerOpName> = Extract<BrokerOp, { op: N }>;
