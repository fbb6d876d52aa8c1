/**
 * Listeners: how a process serves. `xpcMain(handler)` is xpc_main(3) — it serves every
 * MachService of the job the broker launched this process for, handing each new client
 * connection to `handler`. `XPCListener` is the newer shape: incoming session requests are
 * accepted (with a message handler whose return value is the reply) or rejected. Either kind
 * can be anonymous, reachable only through its endpoint, and may set a peer requirement.
 */
import type { PeerRequirement } from '../app/events/schema';
import type { BrokerOpOf } from '../app/protocol/ops';
import { xpc, type XpcEndpoint, type XpcValue } from '../app/xpc/value';
import { XPCError, XPCMisuseError } from './errors';
import { XPCPeerConnection, XPCReceivedMessage } from './peer';
import { runtime, type ListenerSink, type XpcRuntime } from './runtime';

/** The session-style message handler: return a value to reply with it (when a reply is expected). */
export type SessionMessageHandler = (message: XPCReceivedMessage) => XpcValue | void | Promise<XpcValue | void>;

export interface ListenerOptions {
  /** One MachService of this process's job; omitted: all of them (or, with `anonymous`, none). */
  readonly service?: string;
  /** Reachable only through `endpoint`, which can be sent to other processes in a message. */
  readonly anonymous?: boolean;
  /** Clients that do not meet it are refused (their connection gets the peer-requirement error). */
  readonly requirement?: PeerRequirement;
  /** Session style: decide on each incoming session. */
  readonly incomingSessionHandler?: (request: XPCSessionRequest) => void;
  /** Connection style (xpc_main): set an event handler on each new peer connection and activate it. */
  readonly newConnectionHandler?: (peer: XPCPeerConnection) => void;
}

/** A client asking for a session; accept or reject it before the handler returns. */
export class XPCSessionRequest {
  private decided = false;

  constructor(readonly peer: XPCPeerConnection) {}

  /** The client process, as the kernel reported it. */
  get pid(): number {
    return this.peer.pid;
  }

  accept(handler: SessionMessageHandler, options: { cancellationHandler?: (error: XPCError) => void } = {}): XPCPeerConnection {
    this.decide();
    const peer = this.peer;
    peer.onEnded = (error, reason) => options.cancellationHandler?.(new XPCError(error, reason, false));
    peer.setEventHandler((event) => {
      if (!(event instanceof XPCReceivedMessage)) return undefined;
      const result = handler(event);
      if (result instanceof Promise) return result.then((value) => replyWith(event, value));
      replyWith(event, result);
      return undefined;
    });
    peer.activate();
    return peer;
  }

  reject(reason: string): void {
    this.decide();
    this.peer.cancel(`rejected by the listener: ${reason}`);
  }

  /** @internal */
  get wasDecided(): boolean {
    return this.decided;
  }

  private decide(): void {
    if (this.decided) throw new XPCMisuseError('this session request was already accepted or rejected');
    this.decided = true;
  }
}

function replyWith(message: XPCReceivedMessage, value: XpcValue | void): void {
  if (value === undefined || !message.expectsReply || message.replyState !== 'none') return;
  message.reply(value);
}

export class XPCListener implements ListenerSink {
  private readonly rt: XpcRuntime;
  private readonly localId: number;
  private cancelled = false;
  private ready!: { resolve: (l: XPCListener) => void; reject: (e: Error) => void };
  /** For an anonymous listener: the endpoint clients connect through. */
  endpoint: XpcEndpoint | undefined;

  private constructor(private readonly options: ListenerOptions) {
    if ((options.incomingSessionHandler === undefined) === (options.newConnectionHandler === undefined)) {
      throw new XPCMisuseError('a listener needs exactly one of incomingSessionHandler and newConnectionHandler');
    }
    this.rt = runtime();
    this.localId = this.rt.nextLocalId();
  }

  /** Starts listening; resolves once the broker has registered it (rejects with its reason if refused). */
  static create(options: ListenerOptions): Promise<XPCListener> {
    const listener = new XPCListener(options);
    const started = new Promise<XPCListener>((resolve, reject) => (listener.ready = { resolve, reject }));
    listener.rt.addListener(listener.localId, listener);
    listener.rt.send({
      op: 'listen',
      listener: listener.localId,
      ...(options.service !== undefined ? { service: options.service } : {}),
      ...(options.anonymous === true ? { anonymous: true } : {}),
      api: options.incomingSessionHandler !== undefined ? 'session' : 'connection',
      ...(options.requirement !== undefined ? { requirement: { ...options.requirement } } : {}),
    });
    return started;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.rt.send({ op: 'listener-cancel', listener: this.localId });
    this.rt.removeListener(this.localId);
  }

  onBrokerOp(op: BrokerOpOf<'listening' | 'listen-failed' | 'peer-new'>): void {
    switch (op.op) {
      case 'listening':
        if (op.endpoint !== undefined) this.endpoint = xpc.endpoint(op.endpoint);
        this.ready.resolve(this);
        return;
      case 'listen-failed':
        this.cancelled = true;
        this.rt.removeListener(this.localId);
        this.ready.reject(new XPCError('Connection invalid', op.reason));
        return;
      case 'peer-new': {
        const peer = new XPCPeerConnection({ peer: op.peer, pid: op.pid, uid: op.uid, gid: op.gid, name: op.name, api: op.api });
        if (this.cancelled) {
          peer.cancel('the listener was cancelled');
          return;
        }
        if (this.options.newConnectionHandler !== undefined) {
          this.options.newConnectionHandler(peer);
          return;
        }
        const request = new XPCSessionRequest(peer);
        try {
          this.options.incomingSessionHandler?.(request);
        } finally {
          if (!request.wasDecided) request.reject('the listener neither accepted nor rejected the session');
        }
        return;
      }
    }
  }

  onBrokerGone(reason: string): void {
    this.cancelled = true;
    this.ready.reject(new XPCError('Connection invalid', `the broker connection closed: ${reason}`));
  }
}

/**
 * xpc_main(3): serves every MachService of the job this process was launched for. Each new
 * client connection is passed to `handler`, which sets an event handler and activates it. The
 * process exits when the broker says it has been idle long enough, or when the broker goes away.
 */
export function xpcMain(handler: (peer: XPCPeerConnection) => void, options: Omit<ListenerOptions, 'newConnectionHandler' | 'incomingSessionHandler' | 'anonymous'> = {}): Promise<XPCListener> {
  return XPCListener.create({ ...options, newConnectionHandler: handler }).catch((error: unknown) => {
    console.error(`xpc_main: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

/** xpc_transaction_begin: the process is busy even with no message in hand. */
export function transactionBegin(): void {
  runtime().transactionBegin();
}

/** xpc_transaction_end; more ends than begins is a misuse error. */
export function transactionEnd(): void {
  runtime().transactionEnd();
}
