/**
 * The service side: a peer connection (what xpc_main's handler is given for each client
 * connection) and the messages delivered on it. Handler invocation is where xpc_main(3)'s
 * transaction rules meet the code: the broker counts +1 before delivery; the SDK reports when
 * the handler returns (−1), when a reply is created (+1) and when it is sent or dropped (−1).
 *
 * A reply sent while the handler is still running synchronously goes out together with the
 * "handler returned" notice in one frame.
 */
import type { BrokerOpOf } from '../app/protocol/ops';
import { xpc, XPC_ERROR_CONNECTION_INVALID, type XpcValue } from '../app/xpc/value';
import { XPCMisuseError } from './errors';
import { SerialQueue } from './event-queue';
import { runtime, type PeerSink, type XpcRuntime } from './runtime';

type Phase = 'queued' | 'sync' | 'async' | 'returned';

/** A message delivered to a peer handler. */
export class XPCReceivedMessage {
  /** @internal */ phase: Phase = 'queued';
  /** @internal */ replyState: 'none' | 'created' | 'sent' | 'dropped' = 'none';
  /** @internal A reply sent during the synchronous part of the handler, sent on its return. */
  deferred: XpcValue | undefined;
  /** @internal A created reply dropped before the handler returned. */
  dropPending = false;

  constructor(
    /** The session-wide message id the broker gave it. */
    readonly id: number,
    readonly body: XpcValue,
    readonly expectsReply: boolean,
    readonly peer: XPCPeerConnection,
  ) {}

  /** Creates and sends the reply (xpc_dictionary_create_reply + xpc_connection_send_message). */
  reply(body: XpcValue): void {
    this.createReply().send(body);
  }

  /**
   * xpc_dictionary_create_reply: counts as a transaction until sent or dropped. Only while the
   * message's handler runs (an async handler: until its promise settles).
   */
  createReply(): XPCReply {
    if (!this.expectsReply) throw new XPCMisuseError(`message ${this.id} was sent without expecting a reply`);
    if (this.phase === 'returned') throw new XPCMisuseError(`a reply to message ${this.id} can only be created while its handler runs`);
    if (this.replyState !== 'none') throw new XPCMisuseError(`a reply to message ${this.id} was already created`);
    this.replyState = 'created';
    return new XPCReply(this);
  }
}

/** A created reply: send it once, or drop it. */
export class XPCReply {
  constructor(private readonly message: XPCReceivedMessage) {}

  send(body: XpcValue): void {
    const m = this.message;
    if (m.replyState !== 'created') throw new XPCMisuseError(`the reply to message ${m.id} was already ${m.replyState}`);
    m.replyState = 'sent';
    if (m.phase === 'sync') m.deferred = body;
    else runtime().sendReply(m.id, body, false);
  }

  /** Releases the reply unsent: the requester's reply handler gets an error. */
  drop(): void {
    const m = this.message;
    if (m.replyState !== 'created') throw new XPCMisuseError(`the reply to message ${m.id} was already ${m.replyState}`);
    m.replyState = 'dropped';
    if (m.phase === 'returned') runtime().send({ op: 'reply-dropped', request: m.id });
    else m.dropPending = true;
  }
}

/** Messages, or XPC error objects (CONNECTION_INVALID last; TERMINATION_IMMINENT when the service must wind down). */
export type PeerEventHandler = (event: XPCReceivedMessage | XpcValue) => unknown;

type PeerEvent = { readonly kind: 'message'; readonly message: XPCReceivedMessage } | { readonly kind: 'error'; readonly error: string };

export interface PeerInfo {
  readonly peer: number;
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
  readonly api: 'connection' | 'session';
}

export class XPCPeerConnection implements PeerSink {
  /** The client process, as the kernel reported it to the broker. */
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
  readonly api: 'connection' | 'session';
  private readonly id: number;
  private readonly rt: XpcRuntime;
  private readonly events: SerialQueue<PeerEvent>;
  private handler: PeerEventHandler | undefined;
  private activated = false;
  private suspendCount = 0;
  private ended = false;
  /** Why the last error event happened. */
  invalidationReason: string | undefined;
  /** Called after CONNECTION_INVALID was delivered (for session wrappers). */
  onEnded: ((error: string, reason: string) => void) | undefined;

  constructor(info: PeerInfo) {
    this.id = info.peer;
    this.pid = info.pid;
    this.uid = info.uid;
    this.gid = info.gid;
    this.name = info.name;
    this.api = info.api;
    this.rt = runtime();
    this.events = new SerialQueue((e) => this.run(e), (error) => console.error(`xpc: peer handler for pid ${this.pid} threw:`, error));
    this.events.setSuspended(true);
    this.rt.addPeer(this.id, this);
  }

  setEventHandler(handler: PeerEventHandler): void {
    this.handler = handler;
  }

  /** Accepts the connection: messages start flowing to the event handler. Twice is a misuse error. */
  activate(): void {
    if (this.activated) throw new XPCMisuseError(`peer connection from pid ${this.pid} is already activated`);
    this.activated = true;
    if (this.ended) return;
    this.rt.send({ op: 'peer-activate', peer: this.id });
    if (this.suspendCount === 0) this.events.setSuspended(false);
  }

  suspend(): void {
    if (this.ended) return;
    this.suspendCount += 1;
    this.events.setSuspended(true);
    this.rt.send({ op: 'peer-suspend', peer: this.id });
  }

  /** On a never-activated peer connection this activates it (as xpc_connection_resume does). */
  resume(): void {
    if (this.ended) return;
    if (!this.activated && this.suspendCount === 0) {
      this.activate();
      return;
    }
    if (this.suspendCount === 0) throw new XPCMisuseError(`peer connection from pid ${this.pid} resumed more often than it was suspended`);
    this.suspendCount -= 1;
    this.rt.send({ op: 'peer-resume', peer: this.id });
    if (this.suspendCount === 0 && this.activated) this.events.setSuspended(false);
  }

  /** Ends the connection from the service side (rejecting a session, or dropping a client). */
  cancel(reason?: string): void {
    if (this.ended) return;
    this.rt.send({ op: 'peer-cancel', peer: this.id, ...(reason !== undefined ? { reason } : {}) });
    this.end(XPC_ERROR_CONNECTION_INVALID, reason ?? 'canceled by the service');
  }

  /** A one-way message to the client (its connection's event handler receives it). */
  send(body: XpcValue): void {
    if (this.ended) return;
    this.rt.send({ op: 'peer-send', peer: this.id, body });
  }

  get isValid(): boolean {
    return !this.ended;
  }

  onBrokerOp(op: BrokerOpOf<'deliver' | 'peer-error'>, messageId: number): void {
    if (op.op === 'deliver') {
      const message = new XPCReceivedMessage(messageId, op.body, op.reply, this);
      if (this.ended) this.skip(message);
      else this.events.push({ kind: 'message', message });
      return;
    }
    if (op.error === XPC_ERROR_CONNECTION_INVALID) {
      this.end(op.error, op.reason);
      return;
    }
    this.invalidationReason = op.reason;
    this.events.push({ kind: 'error', error: op.error });
  }

  onBrokerGone(reason: string): void {
    this.end(XPC_ERROR_CONNECTION_INVALID, `the broker connection closed: ${reason}`);
  }

  private end(error: string, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.invalidationReason = reason;
    this.rt.removePeer(this.id);
    // Messages not started yet will not run; the broker still hears that they are finished.
    for (const e of this.events.takeAll()) if (e.kind === 'message') this.skip(e.message);
    this.events.push({ kind: 'error', error });
    this.events.setSuspended(false);
    this.onEnded?.(error, reason);
  }

  private skip(message: XPCReceivedMessage): void {
    message.phase = 'returned';
    this.rt.handlerReturned(message.id, false);
  }

  private run(event: PeerEvent): void | Promise<void> {
    if (event.kind === 'error') {
      const result = this.handler?.(xpc.error(event.error));
      return result instanceof Promise ? result.then(() => undefined) : undefined;
    }
    const message = event.message;
    message.phase = 'sync';
    let result: unknown;
    try {
      result = this.handler?.(message);
    } catch (error) {
      console.error(`xpc: peer handler for pid ${this.pid} threw on message ${message.id}:`, error);
    }
    if (result instanceof Promise) {
      message.phase = 'async';
      if (message.deferred !== undefined) {
        this.rt.sendReply(message.id, message.deferred, false);
        message.deferred = undefined;
      }
      return result.then(
        () => this.returned(message),
        (error: unknown) => {
          console.error(`xpc: peer handler for pid ${this.pid} failed on message ${message.id}:`, error);
          this.returned(message);
        },
      );
    }
    this.returned(message);
  }

  private returned(message: XPCReceivedMessage): void {
    message.phase = 'returned';
    if (message.deferred !== undefined) {
      const body = message.deferred;
      message.deferred = undefined;
      this.rt.sendReply(message.id, body, true);
      return;
    }
    this.rt.handlerReturned(message.id, message.replyState === 'created' || message.dropPending);
    if (message.dropPending) this.rt.send({ op: 'reply-dropped', request: message.id });
  }
}
