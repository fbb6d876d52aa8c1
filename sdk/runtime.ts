/**
 * The per-process XPC runtime of the SDK: one broker socket, the hello handshake, routing of
 * broker ops to connections, listeners and peer connections, the per-tick batch of "handler
 * returned" notices that feeds the broker's transaction accounting, and process exit when the
 * broker says so (idle exit, end of termination) or goes away.
 */
import type { ProcessType } from '../app/events/schema';
import { ENV_JOB_TOKEN, ENV_PROCESS_TYPE, ENV_SOCKET } from '../app/protocol/env';
import { PROTOCOL_VERSION, type BrokerOp, type BrokerOpOf, type ProcessOp } from '../app/protocol/ops';
import { DEFAULT_MESSAGE_FLAGS, FrameFlag } from '../app/xpc/frame';
import type { XpcValue } from '../app/xpc/value';
import { BrokerSocket } from './broker-socket';
import { XPCMisuseError } from './errors';

export interface RuntimeOptions {
  /** The broker's socket; default: $XPC_INSPECTOR_SOCKET (set by the broker for what it launches). */
  readonly socketPath?: string;
  /** 'app' messages boost Adaptive services, 'background' ones do not; default: $XPC_INSPECTOR_PROCESS_TYPE or 'app'. */
  readonly processType?: ProcessType;
  /** Shown in the inspector; default: the script's file name. */
  readonly name?: string;
}

/** What a client connection or session receives from the broker. */
export interface ChannelSink {
  onBrokerOp(op: BrokerOpOf<'reply' | 'reply-error' | 'connection-error' | 'message' | 'barrier-done'>, messageId: number): void;
  onBrokerGone(reason: string): void;
}

export interface ListenerSink {
  onBrokerOp(op: BrokerOpOf<'listening' | 'listen-failed' | 'peer-new'>): void;
  onBrokerGone(reason: string): void;
}

export interface PeerSink {
  onBrokerOp(op: BrokerOpOf<'deliver' | 'peer-error'>, messageId: number): void;
  onBrokerGone(reason: string): void;
}

const REQUEST_FLAGS = DEFAULT_MESSAGE_FLAGS | FrameFlag.WANTING_REPLY;
const REPLY_FLAGS = DEFAULT_MESSAGE_FLAGS | FrameFlag.REPLY;

let shared: XpcRuntime | undefined;
let pendingOptions: RuntimeOptions = {};

/** Sets how this process talks to the broker; call before the first connection or listener. */
export function configureXpc(options: RuntimeOptions): void {
  if (shared?.started) throw new XPCMisuseError('configureXpc must be called before the first connection, session or listener');
  pendingOptions = { ...pendingOptions, ...options };
  shared = undefined;
}

/**
 * Closes this process's broker connection: every connection, session and listener ends with
 * CONNECTION_INVALID. The next connection made starts a fresh one (with configureXpc's options).
 */
export function shutdownXpc(): void {
  const current = shared;
  shared = undefined;
  current?.close('closed by this process (shutdownXpc)');
}

export function runtime(): XpcRuntime {
  shared ??= new XpcRuntime(pendingOptions);
  return shared;
}

export class XpcRuntime {
  private socket: BrokerSocket | undefined;
  private lastLocalId = 0;
  private readonly channels = new Map<number, ChannelSink>();
  private readonly listeners = new Map<number, ListenerSink>();
  private readonly peers = new Map<number, PeerSink>();
  private goneReason: string | undefined;
  private closingByChoice = false;
  private explicitTransactions = 0;
  private handledBatch: number[] = [];
  private repliesBatch: number[] = [];
  private batchScheduled = false;
  /** Set when the broker launched this process for a job: it lives and dies with the broker. */
  readonly launchedByBroker: boolean;
  readonly processType: ProcessType;
  /** Our pid as the kernel told the broker (from hello-ok). */
  pid: number | undefined;
  /** The job the broker says we are, if any. */
  job: string | undefined;

  constructor(private readonly options: RuntimeOptions) {
    this.launchedByBroker = process.env[ENV_JOB_TOKEN] !== undefined;
    const envType = process.env[ENV_PROCESS_TYPE];
    this.processType = options.processType ?? (envType === 'background' || envType === 'app' ? envType : 'app');
  }

  get started(): boolean {
    return this.socket !== undefined;
  }

  /** Why the broker connection is gone, once it is. */
  get brokerGoneReason(): string | undefined {
    return this.goneReason;
  }

  nextLocalId(): number {
    return ++this.lastLocalId;
  }

  addChannel(id: number, sink: ChannelSink): void {
    this.channels.set(id, sink);
    this.updateRef();
  }

  removeChannel(id: number): void {
    this.channels.delete(id);
    this.updateRef();
  }

  addListener(id: number, sink: ListenerSink): void {
    this.listeners.set(id, sink);
    this.updateRef();
  }

  removeListener(id: number): void {
    this.listeners.delete(id);
    this.updateRef();
  }

  addPeer(id: number, sink: PeerSink): void {
    this.peers.set(id, sink);
  }

  removePeer(id: number): void {
    this.peers.delete(id);
  }

  /** Writes an op (after any pending handler-returned batch, which must precede it). Returns its frame id. */
  send(op: ProcessOp, flags: number = DEFAULT_MESSAGE_FLAGS): number {
    const socket = this.ensureSocket();
    if (this.handledBatch.length > 0 || this.repliesBatch.length > 0) this.flushBatch(socket);
    return socket.send(op, flags);
  }

  sendRequest(op: ProcessOp): number {
    return this.send(op, REQUEST_FLAGS);
  }

  sendReply(request: number, body: XpcValue, handled: boolean): void {
    this.send({ op: 'reply', request, body, handled }, REPLY_FLAGS);
  }

  /** A peer handler returned; `replyPending`: it created a reply it has not sent yet. */
  handlerReturned(message: number, replyPending: boolean): void {
    if (replyPending) this.repliesBatch.push(message);
    this.handledBatch.push(message);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      queueMicrotask(() => {
        this.batchScheduled = false;
        if (this.socket !== undefined && (this.handledBatch.length > 0 || this.repliesBatch.length > 0)) this.flushBatch(this.socket);
      });
    }
  }

  close(reason: string): void {
    this.closingByChoice = true;
    if (this.socket !== undefined) this.socket.close(reason);
  }

  transactionBegin(): void {
    this.explicitTransactions += 1;
    this.send({ op: 'txn-begin' });
  }

  transactionEnd(): void {
    if (this.explicitTransactions === 0) throw new XPCMisuseError('xpc_transaction_end without a matching xpc_transaction_begin');
    this.explicitTransactions -= 1;
    this.send({ op: 'txn-end' });
  }

  private flushBatch(socket: BrokerSocket): void {
    const messages = this.handledBatch;
    const replies = this.repliesBatch;
    this.handledBatch = [];
    this.repliesBatch = [];
    socket.send({ op: 'handled', messages, ...(replies.length > 0 ? { replies } : {}) });
  }

  private ensureSocket(): BrokerSocket {
    if (this.socket !== undefined) return this.socket;
    const path = this.options.socketPath ?? process.env[ENV_SOCKET];
    if (path === undefined || path === '') {
      throw new XPCMisuseError(`no broker socket: set ${ENV_SOCKET} (the broker sets it for the processes it launches) or call configureXpc({ socketPath })`);
    }
    const socket = new BrokerSocket(path, { onOp: (op, id) => this.onOp(op, id), onClose: (reason) => this.onClose(reason) });
    this.socket = socket;
    const token = process.env[ENV_JOB_TOKEN];
    socket.send({ op: 'hello', version: PROTOCOL_VERSION, name: this.options.name ?? defaultName(), processType: this.processType, ...(token ? { token } : {}) });
    this.updateRef();
    return socket;
  }

  private onOp(op: BrokerOp, messageId: number): void {
    try {
      this.dispatch(op, messageId);
    } catch (error) {
      // User code (a listener's connection handler) must not take the socket down with it.
      console.error(`xpc: handling '${op.op}' from the broker failed:`, error);
    }
  }

  private dispatch(op: BrokerOp, messageId: number): void {
    switch (op.op) {
      case 'hello-ok':
        this.pid = op.pid;
        this.job = op.job;
        return;
      case 'fatal':
        return;
      case 'listening':
      case 'listen-failed':
      case 'peer-new':
        this.listeners.get(op.listener)?.onBrokerOp(op);
        return;
      case 'deliver': {
        const peer = this.peers.get(op.peer);
        // Crossed with our own cancel of that peer: never handled, but the broker's count must still come down.
        if (peer === undefined) this.handlerReturned(messageId, false);
        else peer.onBrokerOp(op, messageId);
        return;
      }
      case 'peer-error':
        this.peers.get(op.peer)?.onBrokerOp(op, messageId);
        return;
      case 'reply':
      case 'reply-error':
      case 'connection-error':
      case 'message':
      case 'barrier-done':
        this.channels.get(op.connection)?.onBrokerOp(op, messageId);
        return;
      case 'idle-exit':
      case 'exit':
        // xpc_main(3): the runtime ends the process; there is no work left (the broker checked).
        process.exit(0);
    }
  }

  private onClose(reason: string): void {
    this.goneReason = reason;
    for (const sink of [...this.channels.values()]) sink.onBrokerGone(reason);
    for (const sink of [...this.peers.values()]) sink.onBrokerGone(reason);
    for (const sink of [...this.listeners.values()]) sink.onBrokerGone(reason);
    // A service the broker launched has no reason to outlive it.
    if (this.launchedByBroker && !this.closingByChoice) process.exit(0);
  }

  /** The socket keeps the process alive only while something could still receive an event. */
  private updateRef(): void {
    if (this.socket === undefined) return;
    if (this.channels.size > 0 || this.listeners.size > 0) this.socket.ref();
    else this.socket.unref();
  }
}

function defaultName(): string {
  const script = process.argv[1];
  if (script === undefined) return 'node';
  const base = script.split('/').pop() ?? script;
  return base.replace(/\.(m?js|ts)$/, '');
}
