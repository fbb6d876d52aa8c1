/**
 * Routes every message between real processes: client connections and their queues, binding
 * a connection to the process that serves its name (launching it on demand), peer connections
 * in services, deliveries, replies, barriers, and what each side sees when the other goes
 * away. Every step is reported on the event bus.
 *
 * Delivery pipeline of a client message:
 *   outbox   (held by the client side: connection inactive or suspended; barriers wait here)
 *   transit  (handed over, waiting for the connection to be bound: lookup, launch, check-in)
 *   backlog  (bound, waiting for the service to activate/resume its peer connection, or held
 *             because the service is exiting)
 *   delivered (in the service's peer handler; counted as a transaction)
 */
import type { MessageKind, PeerRequirement } from '../../app/events/schema';
import type { ProcessOpOf } from '../../app/protocol/ops';
import { FRAME_HEADER_SIZE, FrameFlag, type Frame } from '../../app/xpc/frame';
import {
  XPC_ERROR_CONNECTION_INTERRUPTED,
  XPC_ERROR_CONNECTION_INVALID,
  XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT,
  type XpcValue,
} from '../../app/xpc/value';
import { ProtocolViolation, type BrokerContext } from './context';
import type { Job } from './jobs/job';
import { ExecutableHasher } from './peer-identity';
import { checkPeerRequirement, isEmptyRequirement } from './peer-requirement';
import {
  isConnectionFlowing,
  isConnectionOpen,
  type Accounts,
  type ClientConnection,
  type Delivery,
  type Instance,
  type Listener,
  type OutgoingMessage,
  type PeerConnection,
  type ProcessRecord,
} from './records';
import { summarizeXpc } from './summary';

const REQUEST_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY;
const REPLY_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.REPLY;

/** What the router needs from the lifecycle controller. */
export interface InstanceControl {
  /** The instance that serves `job` for `client` (launching it if needed), or why there is none. */
  obtain(job: Job, client: ProcessRecord, trigger: OutgoingMessage | undefined): Instance | string;
  /** Parks a connection until `instance` serves its name (or fails to). */
  wait(instance: Instance, conn: ClientConnection): void;
  accountsFor(proc: ProcessRecord): Accounts;
  /** Whether deliveries to this process are held (exiting, or TERMINATION_IMMINENT announced). */
  holdsDeliveries(proc: ProcessRecord): boolean;
  /** The job whose MachServices this process may serve, if it is a launched instance. */
  jobOf(proc: ProcessRecord): Job | undefined;
}

/** Why a service's peers lose it: the text every client is told, and whether a new session may help. */
export interface Departure {
  readonly reason: string;
  readonly retryable: boolean;
}

export class Router {
  private readonly endpoints = new Map<string, Listener>();
  private readonly hasher = new ExecutableHasher();
  private lastEndpoint = 0;
  private instances!: InstanceControl;

  constructor(private readonly ctx: BrokerContext) {}

  setInstanceControl(control: InstanceControl): void {
    this.instances = control;
  }

  // ---- client connections ---------------------------------------------------------------

  connect(proc: ProcessRecord, op: ProcessOpOf<'connect'>): void {
    if (proc.connections.has(op.connection)) throw new ProtocolViolation(`connection ${op.connection} already exists`);
    const conn: ClientConnection = {
      id: this.ctx.nextConnectionId(),
      owner: proc,
      localId: op.connection,
      service: op.service,
      privileged: op.privileged,
      api: op.api,
      viaEndpoint: op.endpoint,
      state: 'inactive',
      activated: false,
      suspendCount: 0,
      outbox: [],
      transit: [],
      binding: false,
      requests: new Map(),
    };
    proc.connections.set(op.connection, conn);
    this.ctx.bus.emit({
      kind: 'connection-opened',
      connection: conn.id,
      clientPid: proc.pid,
      service: op.service,
      privileged: op.privileged,
      api: op.api,
      viaEndpoint: op.endpoint,
    });
  }

  activate(proc: ProcessRecord, localId: number): void {
    const conn = this.requireConnection(proc, localId);
    if (conn.activated) throw new ProtocolViolation(`connection ${localId} was activated twice`);
    conn.activated = true;
    if (!isConnectionOpen(conn)) return;
    if (conn.suspendCount === 0) this.setState(conn, 'active');
    // An unknown name or a wrong privileged flag is reported at activation, before any message.
    const problem = this.lookupProblem(conn);
    if (problem !== undefined) {
      this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, problem, false);
      return;
    }
    this.pump(conn);
  }

  suspend(proc: ProcessRecord, localId: number): void {
    const conn = this.requireConnection(proc, localId);
    if (!isConnectionOpen(conn)) return;
    conn.suspendCount += 1;
    this.setState(conn, 'suspended');
  }

  resume(proc: ProcessRecord, localId: number): void {
    const conn = this.requireConnection(proc, localId);
    if (!isConnectionOpen(conn)) return;
    if (conn.suspendCount === 0) throw new ProtocolViolation(`connection ${localId} resumed more often than it was suspended`);
    conn.suspendCount -= 1;
    this.setState(conn, conn.suspendCount > 0 ? 'suspended' : conn.activated ? 'active' : 'inactive');
    this.pump(conn);
  }

  cancel(proc: ProcessRecord, localId: number): void {
    const conn = proc.connections.get(localId);
    if (conn === undefined) return;
    // The client is done with it: nothing will name this id again.
    proc.connections.delete(localId);
    if (!isConnectionOpen(conn)) return;
    this.end(conn, 'canceled', XPC_ERROR_CONNECTION_INVALID, `canceled by ${proc.label}`, undefined, false);
  }

  /** `bodyBytes`: op.body as encoded in the frame, forwarded as it is when delivered at once. */
  send(proc: ProcessRecord, op: ProcessOpOf<'send'>, frameId: number, frame: Frame, bodyBytes?: Uint8Array): void {
    const conn = this.requireConnection(proc, op.connection);
    if (conn.api === 'session' && !conn.activated) throw new ProtocolViolation(`session ${op.connection}: send before activate`);
    const msg: OutgoingMessage = {
      id: this.ctx.nextMessageId(),
      connection: conn,
      clientRequestId: frameId,
      body: op.body,
      expectsReply: op.reply,
      sync: op.sync,
      boosting: proc.processType === 'app' && this.destinationTakesBoosts(conn),
      sentNs: this.ctx.bus.now(),
      answered: false,
    };
    this.recordSent(msg.id, frame, op.body, {
      connection: conn.id,
      messageKind: 'message',
      fromPid: proc.pid,
      toPid: conn.peer?.service.pid,
      service: conn.service,
      expectsReply: op.reply,
      sync: op.sync,
      boosting: msg.boosting,
    });
    if (!isConnectionOpen(conn)) {
      this.drop(msg, `connection ${conn.id} is ${conn.state}: ${conn.endReason ?? 'no reason'}`, XPC_ERROR_CONNECTION_INVALID);
      return;
    }
    if (msg.expectsReply) conn.requests.set(msg.id, msg);
    if (isConnectionFlowing(conn) && conn.outbox.length === 0) this.transmit(msg, bodyBytes);
    else {
      conn.outbox.push({ kind: 'message', message: msg });
      this.pump(conn);
    }
  }

  barrier(proc: ProcessRecord, op: ProcessOpOf<'barrier'>): void {
    const conn = this.requireConnection(proc, op.connection);
    if (!isConnectionOpen(conn) || (isConnectionFlowing(conn) && conn.outbox.length === 0)) {
      this.ctx.send(proc, { op: 'barrier-done', connection: conn.localId, token: op.token });
      return;
    }
    conn.outbox.push({ kind: 'barrier', token: op.token });
  }

  // ---- listeners and peer connections (service side) ------------------------------------

  listen(proc: ProcessRecord, op: ProcessOpOf<'listen'>): Listener | undefined {
    if (proc.listeners.has(op.listener)) throw new ProtocolViolation(`listener ${op.listener} already exists`);
    const fail = (reason: string): undefined => {
      this.ctx.send(proc, { op: 'listen-failed', listener: op.listener, reason });
      return undefined;
    };
    const requirement = op.requirement && !isEmptyRequirement(op.requirement) ? (op.requirement as PeerRequirement) : undefined;
    let names: readonly string[];
    if (op.anonymous === true) {
      names = [`endpoint.${proc.pid}.${op.listener}.${++this.lastEndpoint}`];
    } else {
      const job = this.instances.jobOf(proc);
      if (job === undefined) {
        return fail(
          `${proc.label} was not launched by the broker for a job, so it cannot serve ${op.service === undefined ? 'MachServices' : `"${op.service}"`}; use an anonymous listener and pass its endpoint`,
        );
      }
      if (op.service !== undefined && !job.machServices.includes(op.service)) {
        return fail(`"${op.service}" is not a MachService of job ${job.label} (it has: ${job.machServices.join(', ') || 'none'})`);
      }
      names = op.service !== undefined ? [op.service] : job.machServices;
      for (const other of proc.listeners.values()) {
        const taken = names.find((n) => other.names.includes(n));
        if (taken !== undefined) return fail(`"${taken}" already has a listener in ${proc.label}`);
      }
    }
    const listener: Listener = {
      owner: proc,
      localId: op.listener,
      names,
      anonymous: op.anonymous === true,
      ...(requirement ? { requirement } : {}),
      cancelled: false,
    };
    proc.listeners.set(op.listener, listener);
    if (listener.anonymous) this.endpoints.set(names[0]!, listener);
    this.ctx.send(proc, { op: 'listening', listener: op.listener, ...(listener.anonymous ? { endpoint: names[0]! } : {}) });
    return listener;
  }

  listenerCancel(proc: ProcessRecord, localId: number): void {
    const listener = proc.listeners.get(localId);
    if (listener === undefined) return;
    this.removeListener(listener, { reason: `${proc.label} cancelled its listener for ${listener.names.join(', ')}`, retryable: false });
  }

  /** Binds every waiting connection that `listener` can serve. */
  attachWaiting(instance: Instance, listener: Listener): void {
    for (const conn of [...instance.waiting]) {
      if (!listener.names.includes(conn.service)) continue;
      instance.waiting.delete(conn);
      conn.waitingOn = undefined;
      this.attach(conn, listener);
    }
  }

  peerActivate(proc: ProcessRecord, peerId: number): void {
    const peer = this.requirePeer(proc, peerId);
    if (peer.state !== 'pending') throw new ProtocolViolation(`peer connection ${peerId} was activated twice`);
    peer.state = peer.suspendCount > 0 ? 'suspended' : 'active';
    this.flushBacklog(peer);
  }

  peerSuspend(proc: ProcessRecord, peerId: number): void {
    const peer = this.requirePeer(proc, peerId);
    peer.suspendCount += 1;
    if (peer.state === 'active') peer.state = 'suspended';
  }

  peerResume(proc: ProcessRecord, peerId: number): void {
    const peer = this.requirePeer(proc, peerId);
    if (peer.suspendCount === 0) throw new ProtocolViolation(`peer connection ${peerId} resumed more often than it was suspended`);
    peer.suspendCount -= 1;
    if (peer.suspendCount === 0 && peer.state === 'suspended') peer.state = 'active';
    this.flushBacklog(peer);
  }

  peerCancel(proc: ProcessRecord, op: ProcessOpOf<'peer-cancel'>): void {
    const peer = proc.peers.get(op.peer);
    if (peer === undefined) return;
    const why = op.reason === undefined ? '' : `: ${op.reason}`;
    const conn = peer.client;
    this.detachPeer(peer);
    if (!isConnectionOpen(conn)) return;
    if (conn.api === 'session' || conn.viaEndpoint) {
      this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, `${proc.label} cancelled the ${conn.api}${why}`, false, peer);
    } else {
      this.interrupt(conn, peer, `${proc.label} cancelled the connection${why}`);
    }
  }

  peerSend(proc: ProcessRecord, op: ProcessOpOf<'peer-send'>, frame: Frame, bodyBytes?: Uint8Array): void {
    const peer = this.requirePeer(proc, op.peer);
    const conn = peer.client;
    const id = this.ctx.nextMessageId();
    this.recordSent(id, frame, op.body, {
      connection: conn.id,
      messageKind: 'message',
      fromPid: proc.pid,
      toPid: conn.owner.pid,
      service: conn.service,
      expectsReply: false,
      sync: false,
      boosting: false,
    });
    if (peer.state === 'canceled' || !isConnectionOpen(conn) || conn.peer !== peer) {
      this.ctx.bus.emit({ kind: 'message-dropped', message: id, reason: `the client's end of connection ${conn.id} is gone` });
      return;
    }
    this.ctx.send(conn.owner, { op: 'message', connection: conn.localId, body: op.body }, id, undefined, bodyBytes);
    this.ctx.bus.emit({ kind: 'message-delivered', message: id, toPid: conn.owner.pid });
    this.ctx.throttle(proc, conn.owner);
  }

  // ---- handler and reply accounting (service side) --------------------------------------

  handled(proc: ProcessRecord, op: ProcessOpOf<'handled'>): void {
    for (const request of op.replies ?? []) this.replyCreated(proc, request);
    for (const message of op.messages) this.handlerReturned(proc, message);
  }

  reply(proc: ProcessRecord, op: ProcessOpOf<'reply'>, frame: Frame, bodyBytes?: Uint8Array): void {
    const d = this.requireDelivery(proc, op.request);
    const msg = d.message;
    if (!msg.expectsReply) throw new ProtocolViolation(`message ${op.request} does not expect a reply`);
    if (d.reply === 'sent' || d.reply === 'dropped') throw new ProtocolViolation(`message ${op.request} was already answered`);
    if (d.reply === 'none') this.replyCreated(proc, op.request);
    const conn = msg.connection;
    const replyId = this.ctx.nextMessageId();
    this.recordSent(replyId, frame, op.body, {
      connection: conn.id,
      messageKind: 'reply',
      fromPid: proc.pid,
      toPid: conn.owner.pid,
      service: conn.service,
      expectsReply: false,
      sync: msg.sync,
      inReplyTo: msg.id,
      boosting: false,
    });
    d.reply = 'sent';
    const accounts = this.instances.accountsFor(proc);
    accounts.transactions.replyFinished(msg.id, 'reply-sent');
    accounts.boosts.replyFinished(msg.id);
    if (!msg.answered && !conn.owner.gone && conn.requests.get(msg.id) === msg) {
      msg.answered = true;
      conn.requests.delete(msg.id);
      this.ctx.send(conn.owner, { op: 'reply', connection: conn.localId, request: msg.clientRequestId, body: op.body }, replyId, REPLY_FLAGS, bodyBytes);
      this.ctx.bus.emit({ kind: 'reply-received', request: msg.id, reply: replyId, toPid: conn.owner.pid, latencyNs: this.ctx.bus.now() - msg.sentNs });
      this.ctx.throttle(proc, conn.owner);
    } else {
      const why = conn.owner.gone ? `the requester ${conn.owner.label} is gone` : `request ${msg.id} was already answered with an error`;
      this.ctx.bus.emit({ kind: 'message-dropped', message: replyId, reason: why });
    }
    if (op.handled) this.handlerReturned(proc, op.request);
    else this.finishDelivery(proc, d);
  }

  replyDropped(proc: ProcessRecord, request: number): void {
    const d = this.requireDelivery(proc, request);
    if (d.reply !== 'created') throw new ProtocolViolation(`message ${request} has no created, unsent reply to drop`);
    d.reply = 'dropped';
    const accounts = this.instances.accountsFor(proc);
    accounts.transactions.replyFinished(request, 'reply-dropped');
    accounts.boosts.replyFinished(request);
    this.answerWithError(d.message, XPC_ERROR_CONNECTION_INVALID, `${proc.label} released its reply to message ${request} without sending it`);
    this.finishDelivery(proc, d);
  }

  // ---- departures -----------------------------------------------------------------------

  /** A process that served peers is gone: its clients are interrupted or invalidated. */
  serviceDeparted(proc: ProcessRecord, why: Departure): void {
    for (const listener of [...proc.listeners.values()]) this.removeListener(listener, why);
    proc.inflight.clear();
  }

  /** A process that had client connections is gone: the services' peer connections are invalidated. */
  clientDeparted(proc: ProcessRecord, reason: string): void {
    for (const conn of [...proc.connections.values()]) {
      proc.connections.delete(conn.localId);
      if (conn.state === 'canceled' || conn.state === 'invalidated') continue;
      this.end(conn, 'invalidated', XPC_ERROR_CONNECTION_INVALID, reason, undefined, false);
    }
  }

  /** Connections waiting on an instance that will never serve them (launch failed, no check-in). */
  failWaiting(instance: Instance, reason: string): void {
    for (const conn of [...instance.waiting]) {
      instance.waiting.delete(conn);
      conn.waitingOn = undefined;
      conn.binding = false;
      if (!isConnectionOpen(conn)) continue;
      if (conn.api === 'session') {
        this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, reason, true);
        continue;
      }
      for (const msg of conn.transit.splice(0)) this.drop(msg, reason, XPC_ERROR_CONNECTION_INTERRUPTED);
      this.setState(conn, 'interrupted', reason);
      this.ctx.send(conn.owner, { op: 'connection-error', connection: conn.localId, error: XPC_ERROR_CONNECTION_INTERRUPTED, reason });
    }
  }

  /** Messages for this process that the broker still holds (so it is not idle). */
  hasHeldMessages(proc: ProcessRecord): boolean {
    for (const peer of proc.peers.values()) if (peer.backlog.length > 0) return true;
    return false;
  }

  // ---- internals ------------------------------------------------------------------------

  private requireConnection(proc: ProcessRecord, localId: number): ClientConnection {
    const conn = proc.connections.get(localId);
    if (conn === undefined) throw new ProtocolViolation(`no connection ${localId} (connect it first)`);
    return conn;
  }

  private requirePeer(proc: ProcessRecord, peerId: number): PeerConnection {
    const peer = proc.peers.get(peerId);
    if (peer === undefined) throw new ProtocolViolation(`no peer connection ${peerId} in this process`);
    return peer;
  }

  private requireDelivery(proc: ProcessRecord, message: number): Delivery {
    const d = proc.inflight.get(message);
    if (d === undefined) throw new ProtocolViolation(`message ${message} was not delivered to this process, or is already finished`);
    return d;
  }

  private lookupProblem(conn: ClientConnection): string | undefined {
    if (conn.viaEndpoint) {
      const listener = this.endpoints.get(conn.service);
      return listener === undefined || listener.cancelled ? `endpoint "${conn.service}" has no listener (its process cancelled it or went away)` : undefined;
    }
    const lookup = this.ctx.registry.lookup(conn.service, conn.privileged);
    return lookup.ok ? this.daemonToUserProblem(conn, lookup.job) : lookup.reason;
  }

  /** Launch daemons answer user processes but cannot initiate connections to them (agents, XPC services). */
  private daemonToUserProblem(conn: ClientConnection, target: Job): string | undefined {
    const caller = this.instances.jobOf(conn.owner);
    if (caller?.kind !== 'launch-daemon' || target.kind === 'launch-daemon') return undefined;
    const what = target.kind === 'launch-agent' ? 'launch agent' : 'XPC service';
    return `launch daemon ${caller.label} (pid ${conn.owner.pid}) cannot connect to "${conn.service}", the ${what} ${target.label}: daemons answer user processes but cannot initiate connections to them`;
  }

  private destinationTakesBoosts(conn: ClientConnection): boolean {
    let job: Job | undefined;
    if (conn.viaEndpoint) {
      const owner = this.endpoints.get(conn.service)?.owner;
      job = owner === undefined ? undefined : this.instances.jobOf(owner);
    } else {
      const lookup = this.ctx.registry.lookup(conn.service, conn.privileged);
      job = lookup.ok ? lookup.job : undefined;
    }
    return job !== undefined && (job.adaptive || job.kind === 'xpc-service');
  }

  private recordSent(
    id: number,
    frame: Frame,
    body: XpcValue,
    fields: {
      connection: number;
      messageKind: Exclude<MessageKind, 'error'>;
      fromPid: number;
      toPid: number | undefined;
      service: string;
      expectsReply: boolean;
      sync: boolean;
      inReplyTo?: number;
      boosting: boolean;
    },
  ): void {
    this.ctx.store.putFrame(id, frame);
    const size = FRAME_HEADER_SIZE + frame.body.length;
    // One literal with every field (undefined where absent): a single shape keeps this hot path fast.
    this.ctx.bus.emit({
      kind: 'message-sent',
      message: id,
      connection: fields.connection,
      messageKind: fields.messageKind,
      fromPid: fields.fromPid,
      toPid: fields.toPid,
      service: fields.service,
      expectsReply: fields.expectsReply,
      sync: fields.sync,
      inReplyTo: fields.inReplyTo,
      size,
      boosting: fields.boosting,
      value: size <= this.ctx.timings.eventBodyCapBytes ? body : undefined,
      summary: summarizeXpc(body),
    });
  }

  /** Moves items out of the outbox while the connection flows. */
  private pump(conn: ClientConnection): void {
    while (conn.outbox.length > 0 && isConnectionFlowing(conn)) {
      const item = conn.outbox.shift()!;
      if (item.kind === 'barrier') this.ctx.send(conn.owner, { op: 'barrier-done', connection: conn.localId, token: item.token });
      else this.transmit(item.message);
    }
  }

  /** `bodyBytes` is only used when the message goes out now; a queued one is encoded when delivered. */
  private transmit(msg: OutgoingMessage, bodyBytes?: Uint8Array): void {
    const conn = msg.connection;
    if (conn.peer !== undefined && conn.transit.length === 0) {
      this.deliverToPeer(conn.peer, msg, bodyBytes);
      return;
    }
    conn.transit.push(msg);
    if (conn.peer === undefined && !conn.binding) this.bind(conn);
  }

  private bind(conn: ClientConnection): void {
    if (!isConnectionOpen(conn)) return;
    if (conn.viaEndpoint) {
      const listener = this.endpoints.get(conn.service);
      if (listener === undefined || listener.cancelled) {
        this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, `endpoint "${conn.service}" has no listener (its process cancelled it or went away)`, false);
        return;
      }
      this.attach(conn, listener);
      return;
    }
    const lookup = this.ctx.registry.lookup(conn.service, conn.privileged);
    const problem = lookup.ok ? this.daemonToUserProblem(conn, lookup.job) : lookup.reason;
    if (!lookup.ok || problem !== undefined) {
      this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, problem!, false);
      return;
    }
    conn.binding = true;
    const instance = this.instances.obtain(lookup.job, conn.owner, conn.transit[0]);
    if (typeof instance === 'string') {
      conn.binding = false;
      this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, instance, false);
      return;
    }
    const listener = instance.state === 'running' && !instance.terminating ? findListener(instance.process, conn.service) : undefined;
    if (listener !== undefined) this.attach(conn, listener);
    else this.instances.wait(instance, conn);
  }

  private attach(conn: ClientConnection, listener: Listener): void {
    conn.binding = true;
    const requirement = listener.requirement;
    if (requirement === undefined) {
      this.bindPeer(conn, listener);
      return;
    }
    const owner = conn.owner;
    void checkPeerRequirement(requirement, { pid: owner.pid, uid: owner.uid, executable: owner.executable }, this.hasher).then(
      (verdict) => {
        conn.binding = false;
        if (!isConnectionOpen(conn)) return;
        if (listener.cancelled || listener.owner.gone) {
          // The listener went away while we checked: start over (relaunch, or INVALID for an endpoint).
          if (conn.transit.length > 0) this.bind(conn);
          return;
        }
        if (verdict.ok) this.bindPeer(conn, listener);
        else this.reject(conn, requirement, verdict.reason);
      },
      (error: unknown) => this.ctx.report(`peer requirement check for connection ${conn.id} failed: ${String(error)}`),
    );
  }

  private bindPeer(conn: ClientConnection, listener: Listener): void {
    conn.binding = false;
    const service = listener.owner;
    const peer: PeerConnection = { id: this.ctx.nextConnectionId(), client: conn, listener, service, state: 'pending', suspendCount: 0, backlog: [] };
    service.peers.set(peer.id, peer);
    conn.peer = peer;
    const client = conn.owner;
    this.ctx.send(service, { op: 'peer-new', listener: listener.localId, peer: peer.id, pid: client.pid, uid: client.uid, gid: client.gid, name: client.name, api: conn.api });
    this.ctx.bus.emit({ kind: 'connection-bound', connection: conn.id, servicePid: service.pid, job: this.instances.jobOf(service)?.label ?? listener.names[0]! });
    if (conn.state === 'interrupted') this.setState(conn, conn.suspendCount > 0 ? 'suspended' : 'active');
    for (const msg of conn.transit.splice(0)) this.deliverToPeer(peer, msg);
  }

  private reject(conn: ClientConnection, requirement: PeerRequirement, reason: string): void {
    this.ctx.bus.emit({ kind: 'peer-rejected', connection: conn.id, clientPid: conn.owner.pid, requirement, reason });
    this.invalidate(conn, XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, reason, false);
  }

  private deliverToPeer(peer: PeerConnection, msg: OutgoingMessage, bodyBytes?: Uint8Array): void {
    if (peer.state !== 'active' || peer.backlog.length > 0 || this.instances.holdsDeliveries(peer.service)) {
      peer.backlog.push(msg);
      return;
    }
    this.deliver(peer, msg, bodyBytes);
  }

  private flushBacklog(peer: PeerConnection): void {
    while (peer.backlog.length > 0 && peer.state === 'active' && !this.instances.holdsDeliveries(peer.service)) {
      this.deliver(peer, peer.backlog.shift()!);
    }
  }

  private deliver(peer: PeerConnection, msg: OutgoingMessage, bodyBytes?: Uint8Array): void {
    const service = peer.service;
    const accounts = this.instances.accountsFor(service);
    // xpc_main(3): the count goes up immediately before the message reaches the peer handler.
    accounts.transactions.delivered(msg.id);
    if (msg.boosting) accounts.boosts.messageArrived(msg.id);
    service.inflight.set(msg.id, { message: msg, peer, deliveredNs: this.ctx.bus.now(), reply: 'none', handled: false });
    this.ctx.send(service, { op: 'deliver', peer: peer.id, body: msg.body, reply: msg.expectsReply }, msg.id, msg.expectsReply ? REQUEST_FLAGS : undefined, bodyBytes);
    this.ctx.bus.emit({ kind: 'message-delivered', message: msg.id, toPid: service.pid });
    this.ctx.throttle(msg.connection.owner, service);
  }

  private replyCreated(proc: ProcessRecord, request: number): void {
    const d = this.requireDelivery(proc, request);
    if (!d.message.expectsReply) throw new ProtocolViolation(`message ${request} does not expect a reply`);
    if (d.reply !== 'none') throw new ProtocolViolation(`a reply to message ${request} was already created`);
    d.reply = 'created';
    this.ctx.bus.emit({ kind: 'reply-created', request, pid: proc.pid });
    const accounts = this.instances.accountsFor(proc);
    accounts.transactions.replyCreated(request);
    accounts.boosts.transferToReply(request);
  }

  private handlerReturned(proc: ProcessRecord, message: number): void {
    const d = this.requireDelivery(proc, message);
    if (d.handled) throw new ProtocolViolation(`the handler for message ${message} returned twice`);
    d.handled = true;
    this.ctx.bus.emit({ kind: 'message-handled', message, pid: proc.pid, durationNs: this.ctx.bus.now() - d.deliveredNs });
    const accounts = this.instances.accountsFor(proc);
    accounts.transactions.handlerReturned(message);
    accounts.boosts.messageHandled(message);
    if (d.message.expectsReply && d.reply === 'none') {
      d.reply = 'dropped';
      this.answerWithError(d.message, XPC_ERROR_CONNECTION_INVALID, `${proc.label} returned from its handler for message ${message} without creating a reply`);
    }
    this.finishDelivery(proc, d);
  }

  private finishDelivery(proc: ProcessRecord, d: Delivery): void {
    if (d.handled && d.reply !== 'created') proc.inflight.delete(d.message.id);
  }

  /** The one place a reply handler is answered with an error: at most once per request. */
  private answerWithError(msg: OutgoingMessage, error: string, reason: string): void {
    if (!msg.expectsReply || msg.answered) return;
    msg.answered = true;
    const conn = msg.connection;
    conn.requests.delete(msg.id);
    this.ctx.bus.emit({ kind: 'reply-failed', request: msg.id, toPid: conn.owner.pid, error, reason, latencyNs: this.ctx.bus.now() - msg.sentNs });
    this.ctx.send(conn.owner, { op: 'reply-error', connection: conn.localId, request: msg.clientRequestId, error, reason });
  }

  /** A message that will never be delivered. */
  private drop(msg: OutgoingMessage, reason: string, error: string): void {
    this.ctx.bus.emit({ kind: 'message-dropped', message: msg.id, reason });
    this.answerWithError(msg, error, reason);
  }

  private setState(conn: ClientConnection, state: ClientConnection['state'], reason?: string, retryable?: boolean): void {
    conn.state = state;
    this.ctx.bus.emit({
      kind: 'connection-state',
      connection: conn.id,
      state,
      suspendCount: conn.suspendCount,
      ...(reason !== undefined ? { reason } : {}),
      ...(retryable !== undefined ? { retryable } : {}),
    });
  }

  /** Terminal: the client's handler gets `error` as its last event. */
  private invalidate(conn: ClientConnection, error: string, reason: string, retryable: boolean, fromPeer?: PeerConnection): void {
    this.end(conn, 'invalidated', error, reason, conn.api === 'session' ? retryable : undefined, true, fromPeer);
  }

  private end(
    conn: ClientConnection,
    state: 'canceled' | 'invalidated',
    error: string,
    reason: string,
    retryable: boolean | undefined,
    notifyClient: boolean,
    fromPeer?: PeerConnection,
  ): void {
    if (conn.state === 'canceled' || conn.state === 'invalidated') return;
    conn.endReason = reason;
    this.setState(conn, state, reason, retryable);
    if (notifyClient) {
      this.ctx.send(conn.owner, {
        op: 'connection-error',
        connection: conn.localId,
        error,
        reason,
        ...(retryable !== undefined ? { retryable } : {}),
      });
    }
    const peer = conn.peer ?? fromPeer;
    if (peer !== undefined) {
      const backlog = peer.backlog.splice(0);
      this.detachPeer(peer);
      // When the service side ended it, the service already knows.
      if (fromPeer === undefined) this.notifyPeerGone(peer, state === 'canceled' ? `the client canceled the ${conn.api}` : reason);
      for (const msg of backlog) this.drop(msg, reason, error);
    }
    for (const item of conn.outbox.splice(0)) {
      if (item.kind === 'message') this.drop(item.message, reason, error);
      else this.ctx.send(conn.owner, { op: 'barrier-done', connection: conn.localId, token: item.token });
    }
    for (const msg of conn.transit.splice(0)) this.drop(msg, reason, error);
    for (const msg of [...conn.requests.values()]) this.answerWithError(msg, error, reason);
    conn.waitingOn?.waiting.delete(conn);
    conn.waitingOn = undefined;
    conn.binding = false;
  }

  /** Tells the service its peer connection is gone (unless it cancelled it itself). */
  private notifyPeerGone(peer: PeerConnection, reason: string): void {
    if (peer.service.gone) return;
    this.ctx.send(peer.service, { op: 'peer-error', peer: peer.id, error: XPC_ERROR_CONNECTION_INVALID, reason });
  }

  private detachPeer(peer: PeerConnection): void {
    peer.state = 'canceled';
    peer.service.peers.delete(peer.id);
    if (peer.client.peer === peer) peer.client.peer = undefined;
  }

  /** Connection API to a launchd service: the service went away, the connection stays usable. */
  private interrupt(conn: ClientConnection, peer: PeerConnection, reason: string): void {
    // Messages the service never received survive, as they would in launchd's port, and go to the next instance.
    const undelivered = peer.backlog.splice(0);
    this.detachPeer(peer);
    conn.transit.unshift(...undelivered);
    const held = new Set(undelivered);
    for (const msg of [...conn.requests.values()]) {
      if (held.has(msg) || conn.transit.includes(msg) || conn.outbox.some((i) => i.kind === 'message' && i.message === msg)) continue;
      this.answerWithError(msg, XPC_ERROR_CONNECTION_INTERRUPTED, reason);
    }
    this.setState(conn, 'interrupted', reason);
    this.ctx.send(conn.owner, { op: 'connection-error', connection: conn.localId, error: XPC_ERROR_CONNECTION_INTERRUPTED, reason });
    if (conn.transit.length > 0 && !this.ctx.stopping) this.bind(conn);
  }

  private removeListener(listener: Listener, why: Departure): void {
    listener.cancelled = true;
    const proc = listener.owner;
    proc.listeners.delete(listener.localId);
    if (listener.anonymous) this.endpoints.delete(listener.names[0]!);
    for (const peer of [...proc.peers.values()]) {
      if (peer.listener !== listener) continue;
      const conn = peer.client;
      if (!isConnectionOpen(conn)) {
        this.detachPeer(peer);
        continue;
      }
      if (conn.viaEndpoint) this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, why.reason, false, peer);
      else if (conn.api === 'session') this.invalidate(conn, XPC_ERROR_CONNECTION_INVALID, why.reason, why.retryable, peer);
      else this.interrupt(conn, peer, why.reason);
    }
  }
}

function findListener(proc: ProcessRecord | undefined, service: string): Listener | undefined {
  if (proc === undefined || proc.gone) return undefined;
  for (const listener of proc.listeners.values()) if (!listener.cancelled && !listener.anonymous && listener.names.includes(service)) return listener;
  return undefined;
}
