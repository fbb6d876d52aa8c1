/**
 * The broker side of the native probe (native-probe/): a Unix socket of its own on which probes
 * loaded into real processes stream what they observe of libxpc, as records (app/protocol/
 * probe.ts). Each record becomes the broker's ordinary events — process-attached, connection-
 * opened / -state, message-sent / -delivered, reply-received / -failed — marked `observedBy:
 * 'probe'`, with the broker's own connection and message ids, so every view, capture and export
 * works on them unchanged.
 *
 * Who a probe is comes from the kernel (SO_PEERCRED / LOCAL_PEERCRED through main/transport),
 * never from the record: a hello claiming another pid is refused. The socket lives in the same
 * per-user 0700 directory scheme as the broker's, and peers of other uids are refused before a
 * byte of theirs is read. A malformed record (bad frame, bad XPC, a record that does not fit its
 * table, records before hello) closes that one probe connection with a reason naming the record
 * number and its stream offset; nothing a probe sends reaches past its own connection.
 *
 * What is kept per probe is bounded: at most MAX_CONNECTIONS connections and MAX_REQUESTS
 * unanswered requests (the oldest are forgotten first; a reply to a forgotten request is shown
 * as a reply without its request).
 */
import { basename } from 'node:path';
import type { ConnectionState, EventInput } from '../../app/events/schema';
import { decodeProbeRecord, PROBE_RECORD_VERSION, type ProbeRecord, type ProbeRecordOf } from '../../app/protocol/probe';
import { encodeMessageFrame, FRAME_HEADER_SIZE } from '../../app/xpc/frame';
import { XPC_ERROR_CONNECTION_INTERRUPTED, XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT, XPC_ERROR_TERMINATION_IMMINENT, type XpcValue } from '../../app/xpc/value';
import type { BrokerContext } from '../broker/context';
import { executableOf } from '../broker/peer-identity';
import { summarizeXpc } from '../broker/summary';
import { listenUnix, type MessageConnection, type UnixServer } from '../transport';

/** Largest record a probe may send (the probe builds records of at most 4 MiB). */
export const PROBE_MAX_RECORD_BYTES = 8 * 1024 * 1024;
/** Connections remembered per probe. */
export const MAX_CONNECTIONS = 16_384;
/** Unanswered requests remembered per probe. */
export const MAX_REQUESTS = 16_384;

export const PROBE_SOCKET_FILE_NAME = 'probe.sock';

type ProbeEventKind =
  | 'transaction'
  | 'message-dropped'
  | 'reply-created'
  | 'process-attached'
  | 'process-detached'
  | 'connection-opened'
  | 'connection-state'
  | 'message-sent'
  | 'message-delivered'
  | 'reply-received'
  | 'reply-failed';
type ProbeEventInput = Extract<EventInput, { kind: ProbeEventKind }>;

/** A record that cannot be accepted: the probe's connection is closed with this reason. */
class RecordViolation extends Error {}

interface ObservedConnection {
  /** The broker's id for it (shared with the broker's own connections). */
  readonly id: number;
  readonly handle: bigint;
  readonly service: string;
  readonly listener: boolean;
  state: ConnectionState;
  suspendCount: number;
  peerPid: number;
  /** The peer requirements the process set on it (xpc_connection_set_peer_*_requirement). */
  requirements: string[];
}

/** How a connection came to be, beyond its name (connection-created's optional keys). */
interface Origin {
  readonly privileged: boolean;
  readonly listener: boolean;
  readonly api: 'connection' | 'session';
  readonly viaEndpoint: boolean;
  /** For a peer connection a listener accepted: its client. */
  readonly clientPid?: number;
}

interface PendingRequest {
  readonly id: number;
  /** The probe's clock when it was sent. */
  readonly t: number;
  readonly sync: boolean;
}

export class ProbeIngest {
  private constructor(
    private readonly server: UnixServer,
    readonly path: string,
  ) {}

  /** Listens on `path` and feeds every probe's records into the broker's event bus. */
  static async start(ctx: BrokerContext, path: string, log: (line: string) => void): Promise<ProbeIngest> {
    const server = await listenUnix(path, {
      maxFrameBytes: PROBE_MAX_RECORD_BYTES,
      log,
      onConnection: (link) => new ProbeSession(ctx, link).attach(),
    });
    return new ProbeIngest(server, path);
  }

  /** Probe connections currently open. */
  get connections(): number {
    return this.server.connections.size;
  }

  /** Stops listening and closes every probe connection. */
  close(): Promise<void> {
    return this.server.close();
  }
}

/** One probe connection: the process it is loaded into and what it has reported so far. */
class ProbeSession {
  private readonly pid: number;
  private hello = false;
  private records = 0;
  private streamOffset = 0;
  private readonly connections = new Map<bigint, ObservedConnection>();
  private readonly requests = new Map<number, PendingRequest>();
  /** Messages the process received, by the probe's id: the broker's id, for the replies to them. */
  private readonly received = new Map<number, number>();
  /** Endpoints the process made (xpc_endpoint_create): endpoint handle → listener handle. */
  private readonly endpoints = new Map<bigint, bigint>();
  /** The process's explicit transactions (xpc_transaction_begin − _end). */
  private explicitTransactions = 0;
  /** Records the probe reported dropped, not yet attached to an event. */
  private lost = 0;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly link: MessageConnection,
  ) {
    this.pid = link.peer.pid;
  }

  attach(): void {
    this.link.on('message', (m) => {
      const recordNo = ++this.records;
      const at = this.streamOffset;
      this.streamOffset += FRAME_HEADER_SIZE + m.frame.body.length;
      if (this.link.closed) return;
      const where = `record #${recordNo} (frame at stream offset ${at})`;
      const decoded = decodeProbeRecord(m.value);
      if (!decoded.ok) {
        this.refuse(`malformed probe ${where} from pid ${this.pid}: ${decoded.error}`);
        return;
      }
      try {
        this.handle(decoded.record);
      } catch (error) {
        if (error instanceof RecordViolation) {
          this.refuse(`probe ${where} from pid ${this.pid} refused: ${error.message}`);
          return;
        }
        throw error;
      }
    });
    this.link.on('close', ({ reason }) => this.closed(reason));
  }

  private refuse(reason: string): void {
    // The transport logs the reason of an abnormal close, naming the connection and the peer.
    this.link.close(reason, new Error(reason));
  }

  private emit(input: ProbeEventInput): void {
    if (this.lost > 0) {
      const probeRecordsLost = this.lost;
      this.lost = 0;
      this.ctx.bus.emit({ ...input, observedBy: 'probe', probeRecordsLost });
    } else {
      this.ctx.bus.emit({ ...input, observedBy: 'probe' });
    }
  }

  private handle(record: ProbeRecord): void {
    if (!this.hello && record.record !== 'hello') throw new RecordViolation(`the first record must be 'hello', got '${record.record}'`);
    if (record.dropped !== undefined && record.dropped > 0) {
      this.lost += record.dropped;
      this.ctx.report(`the probe in pid ${this.pid} dropped ${record.dropped} records before record #${this.records} (its socket was full)`);
    }
    switch (record.record) {
      case 'hello':
        return this.onHello(record);
      case 'connection-created':
        return this.onCreated(record);
      case 'connection-activated':
        return this.onActivated(record);
      case 'endpoint-created':
        return this.onEndpoint(record);
      case 'barrier':
        // Barriers are not events (the broker's own runtime shows none either); the connection is known.
        this.connectionFor(record.connection, undefined, undefined);
        return;
      case 'requirement-set':
        return this.onRequirement(record);
      case 'reply-created':
        return this.onReplyCreated(record);
      case 'transaction':
        return this.onTransaction(record);
      case 'connection-resumed':
        return this.onResumed(record);
      case 'connection-suspended':
        return this.onSuspended(record);
      case 'connection-canceled':
        return this.onCanceled(record);
      case 'connection-error':
        return this.onError(record);
      case 'message-sent':
        return this.onSent(record);
      case 'message-received':
        return this.onReceived(record);
      case 'reply-received':
        return this.onReply(record);
    }
  }

  private onHello(record: ProbeRecordOf<'hello'>): void {
    if (this.hello) throw new RecordViolation('hello was already received');
    if (record.version !== PROBE_RECORD_VERSION) {
      throw new RecordViolation(`probe record version ${record.version} is not supported (the broker reads version ${PROBE_RECORD_VERSION})`);
    }
    if (record.pid !== this.pid) throw new RecordViolation(`hello claims pid ${record.pid}, but the kernel reports pid ${this.pid} for this socket`);
    this.hello = true;
    const { uid, gid } = this.link.peer;
    // The kernel's word for the executable where it can be read; the probe's otherwise.
    const kernel = executableOf(this.pid);
    const executable = kernel.ok ? kernel.path : record.executable;
    const name = (record.name !== undefined && record.name !== '' ? record.name : basename(executable) || `pid ${this.pid}`).slice(0, 200);
    this.emit({
      kind: 'process-attached',
      process: { pid: this.pid, uid, gid, name, ...(executable !== '' ? { executable } : {}) },
      // The probe cannot tell how the process presents itself; a process launched to be observed is usually an app.
      processType: 'app',
    });
  }

  private onCreated(record: ProbeRecordOf<'connection-created'>): void {
    const listener = record.listener === true || record.anonymous === true;
    const api = record.api ?? 'connection';
    if (record.peerOf !== undefined) {
      // A peer a listener accepted: its client is the peer pid; it is named by the listener's service.
      const of = this.connections.get(record.peerOf);
      const service = record.service !== '' ? record.service : (of?.service ?? `listener 0x${record.peerOf.toString(16)}`);
      const conn = this.open(record.connection, service, {
        privileged: false,
        listener: false,
        api,
        viaEndpoint: of !== undefined && of.service.startsWith('anonymous listener'),
        ...(record.peerPid !== undefined && record.peerPid > 0 ? { clientPid: record.peerPid } : {}),
      });
      if (record.peerPid !== undefined && record.peerPid > 0) conn.peerPid = record.peerPid;
      return;
    }
    if (record.endpoint !== undefined) {
      const of = this.endpoints.get(record.endpoint);
      const listenerConn = of !== undefined ? this.connections.get(of) : undefined;
      const service =
        listenerConn !== undefined ? listenerConn.service : `endpoint 0x${record.endpoint.toString(16)} (made in another process)`;
      this.open(record.connection, service, { privileged: false, listener: false, api, viaEndpoint: true });
      return;
    }
    const service = record.anonymous === true && record.service === '' ? `anonymous listener 0x${record.connection.toString(16)}` : record.service;
    this.open(record.connection, service, { privileged: record.privileged, listener, api, viaEndpoint: false });
  }

  private onEndpoint(record: ProbeRecordOf<'endpoint-created'>): void {
    if (this.endpoints.size >= MAX_CONNECTIONS) this.endpoints.delete(this.endpoints.keys().next().value as bigint);
    this.endpoints.set(record.endpoint, record.connection);
  }

  private onRequirement(record: ProbeRecordOf<'requirement-set'>): void {
    const conn = this.connectionFor(record.connection, undefined, undefined);
    if (record.accepted && conn.requirements.length < 16) conn.requirements.push(record.requirement);
  }

  private onReplyCreated(record: ProbeRecordOf<'reply-created'>): void {
    const request = this.received.get(record.request);
    if (request !== undefined) this.emit({ kind: 'reply-created', request, pid: this.pid });
  }

  private onTransaction(record: ProbeRecordOf<'transaction'>): void {
    // An end without a begin is the app's bug (libxpc crashes it); the count is not taken below 0.
    this.explicitTransactions = Math.max(0, this.explicitTransactions + record.delta);
    this.emit({
      kind: 'transaction',
      pid: this.pid,
      delta: record.delta,
      count: this.explicitTransactions,
      cause: record.delta > 0 ? 'explicit-begin' : 'explicit-end',
    });
  }

  /** Remembers a connection and, unless it is a listener, reports it opened (inactive). */
  private open(handle: bigint, service: string, origin: Origin): ObservedConnection {
    const previous = this.connections.get(handle);
    // A pointer value is reused once libxpc freed the connection it named; the old one is over.
    if (previous !== undefined) this.connections.delete(handle);
    if (this.connections.size >= MAX_CONNECTIONS) {
      const oldest = this.connections.keys().next().value as bigint;
      this.connections.delete(oldest);
    }
    const conn: ObservedConnection = {
      id: this.ctx.nextConnectionId(),
      handle,
      service,
      listener: origin.listener,
      state: 'inactive',
      suspendCount: 0,
      peerPid: 0,
      requirements: [],
    };
    this.connections.set(handle, conn);
    if (!origin.listener) {
      this.emit({
        kind: 'connection-opened',
        connection: conn.id,
        clientPid: origin.clientPid ?? this.pid,
        service,
        privileged: origin.privileged,
        api: origin.api,
        viaEndpoint: origin.viaEndpoint,
      });
    }
    return conn;
  }

  /**
   * The connection a record is about. One the probe never saw created (it existed before the
   * probe, or it is a peer connection a listener accepted) is reported opened and active now.
   */
  private connectionFor(handle: bigint, service: string | undefined, peerPid: number | undefined): ObservedConnection {
    let conn = this.connections.get(handle);
    if (conn === undefined) {
      conn = this.open(handle, service ?? `connection 0x${handle.toString(16)}`, { privileged: false, listener: false, api: 'connection', viaEndpoint: false });
      this.setState(conn, 'active');
    }
    if (peerPid !== undefined && peerPid > 0) conn.peerPid = peerPid;
    return conn;
  }

  private setState(conn: ObservedConnection, state: ConnectionState, reason?: string, retryable?: boolean): void {
    conn.state = state;
    if (conn.listener) return;
    this.emit({
      kind: 'connection-state',
      connection: conn.id,
      state,
      suspendCount: conn.suspendCount,
      ...(reason !== undefined ? { reason } : {}),
      ...(retryable !== undefined ? { retryable } : {}),
    });
  }

  private isFinal(conn: ObservedConnection): boolean {
    return conn.state === 'canceled' || conn.state === 'invalidated';
  }

  private onActivated(record: ProbeRecordOf<'connection-activated'>): void {
    const conn = this.connectionFor(record.connection, undefined, undefined);
    if (conn.state === 'inactive') this.setState(conn, conn.suspendCount > 0 ? 'suspended' : 'active');
  }

  private onResumed(record: ProbeRecordOf<'connection-resumed'>): void {
    const known = this.connections.get(record.connection);
    const conn = known ?? this.connectionFor(record.connection, undefined, undefined);
    if (known === undefined || this.isFinal(conn)) return;
    if (conn.suspendCount > 0) conn.suspendCount -= 1;
    this.setState(conn, conn.suspendCount > 0 ? 'suspended' : 'active');
  }

  private onSuspended(record: ProbeRecordOf<'connection-suspended'>): void {
    const conn = this.connectionFor(record.connection, undefined, undefined);
    if (this.isFinal(conn)) return;
    conn.suspendCount += 1;
    this.setState(conn, 'suspended');
  }

  private onCanceled(record: ProbeRecordOf<'connection-canceled'>): void {
    const conn = this.connectionFor(record.connection, undefined, undefined);
    if (this.isFinal(conn)) return;
    this.setState(conn, 'canceled', 'canceled by the process (xpc_connection_cancel)');
  }

  private onError(record: ProbeRecordOf<'connection-error'>): void {
    const conn = this.connectionFor(record.connection, record.service, record.peerPid);
    // After a cancel (or an invalidation) the handler's last event is CONNECTION_INVALID: nothing new.
    if (this.isFinal(conn)) return;
    const given = record.reason !== undefined && record.reason !== '' ? record.reason : record.error;
    // A peer-requirement failure names the requirements the process had set.
    const reason =
      record.error === XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT && conn.requirements.length > 0 ? `${given} (requirement: ${conn.requirements.join('; ')})` : given;
    if (record.error === XPC_ERROR_CONNECTION_INTERRUPTED) this.setState(conn, 'interrupted', reason);
    else if (record.error === XPC_ERROR_TERMINATION_IMMINENT) this.setState(conn, conn.state, `${record.error}: ${reason}`);
    else this.setState(conn, 'invalidated', reason, record.retryable);
  }

  /** The frame the message would be stored as (for the detail view's bytes) and its size. */
  private store(id: number, body: XpcValue | undefined): number {
    if (body === undefined) return 0;
    const frame = encodeMessageFrame(body, BigInt(id));
    this.ctx.store.put(id, frame);
    return frame.length;
  }

  private payload(body: XpcValue | undefined, bodyError: string | undefined, size: number): { value?: XpcValue; summary: string } {
    if (body === undefined) return { summary: bodyError ?? '(no body)' };
    const summary = summarizeXpc(body);
    return size <= this.ctx.timings.eventBodyCapBytes ? { value: body, summary } : { summary };
  }

  private onSent(record: ProbeRecordOf<'message-sent'>): void {
    const conn = this.connectionFor(record.connection, record.service, record.peerPid);
    const id = this.ctx.nextMessageId();
    const size = this.store(id, record.body);
    const inReplyTo = record.inReplyTo !== undefined ? this.received.get(record.inReplyTo) : undefined;
    if (record.inReplyTo !== undefined) this.received.delete(record.inReplyTo);
    this.emit({
      kind: 'message-sent',
      message: id,
      connection: conn.id,
      messageKind: record.inReplyTo !== undefined ? 'reply' : 'message',
      ...(inReplyTo !== undefined ? { inReplyTo } : {}),
      fromPid: this.pid,
      ...(conn.peerPid > 0 ? { toPid: conn.peerPid } : {}),
      service: conn.service,
      expectsReply: record.expectsReply,
      sync: record.sync,
      size,
      boosting: false,
      ...this.payload(record.body, record.bodyError, size),
    });
    // libxpc drops what is sent on a connection that has ended, without a word to the sender.
    if (this.isFinal(conn)) {
      this.emit({ kind: 'message-dropped', message: id, reason: `sent on connection ${conn.id} after it was ${conn.state}: libxpc drops it` });
    }
    if (!record.expectsReply) return;
    this.requests.delete(record.message);
    if (this.requests.size >= MAX_REQUESTS) this.requests.delete(this.requests.keys().next().value as number);
    this.requests.set(record.message, { id, t: record.t, sync: record.sync });
  }

  /** Traffic arriving on a connection shows it is active, even when its activation was not seen. */
  private arrived(conn: ObservedConnection): void {
    if (conn.state === 'inactive') this.setState(conn, 'active');
  }

  private onReceived(record: ProbeRecordOf<'message-received'>): void {
    const conn = this.connectionFor(record.connection, record.service, record.peerPid);
    this.arrived(conn);
    const id = this.ctx.nextMessageId();
    const size = this.store(id, record.body);
    this.emit({
      kind: 'message-sent',
      message: id,
      connection: conn.id,
      messageKind: 'message',
      fromPid: conn.peerPid,
      toPid: this.pid,
      service: conn.service,
      expectsReply: false,
      sync: false,
      size,
      boosting: false,
      ...this.payload(record.body, record.bodyError, size),
    });
    this.emit({ kind: 'message-delivered', message: id, toPid: this.pid });
    if (this.received.size >= MAX_REQUESTS) this.received.delete(this.received.keys().next().value as number);
    this.received.set(record.message, id);
  }

  private onReply(record: ProbeRecordOf<'reply-received'>): void {
    const conn = this.connectionFor(record.connection, record.service, record.peerPid);
    if (record.body?.type !== 'error') this.arrived(conn);
    const request = this.requests.get(record.request);
    if (request !== undefined) this.requests.delete(record.request);
    const latencyNs = request !== undefined ? Math.max(0, record.t - request.t) : 0;
    const body = record.body;
    if (body?.type === 'error' && request !== undefined) {
      const reason = record.reason !== undefined && record.reason !== '' ? record.reason : body.description;
      this.emit({ kind: 'reply-failed', request: request.id, toPid: this.pid, error: body.description, reason, latencyNs });
      return;
    }
    const id = this.ctx.nextMessageId();
    const size = this.store(id, body);
    this.emit({
      kind: 'message-sent',
      message: id,
      connection: conn.id,
      messageKind: body?.type === 'error' ? 'error' : 'reply',
      fromPid: conn.peerPid,
      toPid: this.pid,
      service: conn.service,
      expectsReply: false,
      sync: request?.sync ?? false,
      ...(request !== undefined ? { inReplyTo: request.id } : {}),
      size,
      boosting: false,
      ...this.payload(body, record.bodyError, size),
    });
    if (request !== undefined) this.emit({ kind: 'reply-received', request: request.id, reply: id, toPid: this.pid, latencyNs });
  }

  private closed(reason: string): void {
    if (!this.hello) return;
    for (const conn of this.connections.values()) {
      if (!conn.listener && !this.isFinal(conn)) this.setState(conn, 'invalidated', `the probe in pid ${this.pid} disconnected: ${reason}`);
    }
    this.connections.clear();
    this.requests.clear();
    this.received.clear();
    this.endpoints.clear();
    this.emit({ kind: 'process-detached', pid: this.pid, reason });
  }
}
