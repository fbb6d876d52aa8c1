/**
 * The client end of one connection or session, shared by XPCConnection and XPCSession:
 * its id, state, counted suspends, reply handlers (each called exactly once, with the reply
 * or an error), synchronous sends that hold back later sends, barriers, and serial delivery of
 * events (messages from the service, errors) to the owner.
 */
import type { BrokerOpOf } from '../app/protocol/ops';
import { XPC_ERROR_CONNECTION_INTERRUPTED, XPC_ERROR_CONNECTION_INVALID, type XpcValue } from '../app/xpc/value';
import { XPCMisuseError } from './errors';
import { SerialQueue } from './event-queue';
import { runtime, type ChannelSink, type XpcRuntime } from './runtime';

export type ChannelEvent =
  | { readonly kind: 'message'; readonly body: XpcValue }
  | { readonly kind: 'error'; readonly error: string; readonly reason: string; readonly retryable: boolean };

/** Called exactly once per request: with the reply, or with an error and its reason. */
export type ReplyCallback = (result: { readonly ok: true; readonly reply: XpcValue } | { readonly ok: false; readonly error: string; readonly reason: string }) => void;

export interface ChannelOptions {
  readonly service: string;
  readonly privileged: boolean;
  readonly api: 'connection' | 'session';
  readonly endpoint: boolean;
  /** Where events go, one at a time. */
  readonly onEvent: (event: ChannelEvent) => void | Promise<void>;
  readonly onHandlerError: (error: unknown) => void;
}

type Held = { readonly kind: 'send'; readonly go: () => void; readonly fail: (reason: string) => void } | { readonly kind: 'barrier'; readonly run: () => void };

export class ClientChannel implements ChannelSink {
  readonly localId: number;
  private readonly rt: XpcRuntime;
  private readonly events: SerialQueue<ChannelEvent>;
  private readonly replies = new Map<number, ReplyCallback>();
  private readonly barriers = new Map<number, () => void>();
  private lastBarrier = 0;
  /** Sends waiting for an outstanding synchronous send to be answered. */
  private held: Held[] = [];
  private syncOutstanding = false;
  activated = false;
  suspendCount = 0;
  /** Terminal: canceled by us or invalidated by the broker. */
  ended = false;
  /** xpc_connection_copy_invalidation_reason: why the last error event happened. */
  lastReason: string | undefined;
  /** How it ended, once it has. */
  endInfo: { readonly error: string; readonly reason: string; readonly retryable: boolean } | undefined;

  constructor(private readonly options: ChannelOptions) {
    this.rt = runtime();
    this.localId = this.rt.nextLocalId();
    this.events = new SerialQueue((e) => options.onEvent(e), options.onHandlerError);
    // Created inactive, like xpc_connection_create: the event handler does not run until activation.
    this.events.setSuspended(true);
    this.rt.addChannel(this.localId, this);
    this.rt.send({ op: 'connect', connection: this.localId, service: options.service, privileged: options.privileged, api: options.api, endpoint: options.endpoint });
  }

  activate(): void {
    if (this.activated) throw new XPCMisuseError(`${this.describe()} is already activated`);
    this.activated = true;
    if (this.ended) return;
    this.rt.send({ op: 'activate', connection: this.localId });
    if (this.suspendCount === 0) this.events.setSuspended(false);
  }

  suspend(): void {
    if (this.ended) return;
    this.suspendCount += 1;
    this.events.setSuspended(true);
    this.rt.send({ op: 'suspend', connection: this.localId });
  }

  resume(): void {
    if (this.ended) return;
    if (this.suspendCount === 0) throw new XPCMisuseError(`${this.describe()} resumed more often than it was suspended`);
    this.suspendCount -= 1;
    this.rt.send({ op: 'resume', connection: this.localId });
    if (this.suspendCount === 0 && this.activated) this.events.setSuspended(false);
  }

  /** Sends; `onReply` makes it a request. `sync` holds back every later send until it is answered. */
  send(body: XpcValue, onReply?: ReplyCallback, sync = false): void {
    if (this.ended) {
      if (onReply) queueMicrotask(() => onReply({ ok: false, error: XPC_ERROR_CONNECTION_INVALID, reason: this.lastReason ?? `${this.describe()} is no longer valid` }));
      return;
    }
    const go = (): void => {
      if (this.ended) {
        if (onReply) onReply({ ok: false, error: XPC_ERROR_CONNECTION_INVALID, reason: this.lastReason ?? 'canceled' });
        return;
      }
      const op = { op: 'send', connection: this.localId, body, reply: onReply !== undefined, sync } as const;
      if (onReply === undefined) {
        this.rt.send(op);
        return;
      }
      const id = this.rt.sendRequest(op);
      if (sync) this.syncOutstanding = true;
      this.replies.set(id, (result) => {
        if (sync) this.releaseSync();
        onReply(result);
      });
    };
    if (this.syncOutstanding || this.held.length > 0) {
      this.held.push({ kind: 'send', go, fail: (reason) => onReply?.({ ok: false, error: XPC_ERROR_CONNECTION_INVALID, reason }) });
      return;
    }
    go();
  }

  /** Runs `block` once every message sent before it has been handed to the transport. */
  barrier(block: () => void): void {
    const run = (): void => {
      if (this.ended) {
        queueMicrotask(block);
        return;
      }
      const token = ++this.lastBarrier;
      this.barriers.set(token, block);
      this.rt.send({ op: 'barrier', connection: this.localId, token });
    };
    if (this.syncOutstanding || this.held.length > 0) this.held.push({ kind: 'barrier', run });
    else run();
  }

  /** Cancels: outstanding replies fail, and the owner's last event is CONNECTION_INVALID. */
  cancel(reason = 'canceled by the client'): void {
    if (this.ended) return;
    this.rt.send({ op: 'cancel', connection: this.localId });
    this.finish(XPC_ERROR_CONNECTION_INVALID, reason, false);
  }

  onBrokerOp(op: BrokerOpOf<'reply' | 'reply-error' | 'connection-error' | 'message' | 'barrier-done'>): void {
    switch (op.op) {
      case 'reply': {
        const callback = this.takeReply(op.request);
        callback?.({ ok: true, reply: op.body });
        return;
      }
      case 'reply-error': {
        const callback = this.takeReply(op.request);
        callback?.({ ok: false, error: op.error, reason: op.reason });
        return;
      }
      case 'message':
        if (!this.ended) this.events.push({ kind: 'message', body: op.body });
        return;
      case 'barrier-done': {
        const block = this.barriers.get(op.token);
        this.barriers.delete(op.token);
        block?.();
        return;
      }
      case 'connection-error':
        if (this.ended) return;
        if (op.error === XPC_ERROR_CONNECTION_INTERRUPTED) {
          this.lastReason = op.reason;
          this.events.push({ kind: 'error', error: op.error, reason: op.reason, retryable: op.retryable ?? true });
          return;
        }
        // Invalid (or peer-forbidden): final. Tell the broker we let go of the id.
        this.rt.send({ op: 'cancel', connection: this.localId });
        this.finish(op.error, op.reason, op.retryable ?? false);
        return;
    }
  }

  onBrokerGone(reason: string): void {
    this.finish(XPC_ERROR_CONNECTION_INVALID, `the broker connection closed: ${reason}`, false);
  }

  private takeReply(request: number): ReplyCallback | undefined {
    const callback = this.replies.get(request);
    this.replies.delete(request);
    return callback;
  }

  private releaseSync(): void {
    this.syncOutstanding = false;
    while (!this.syncOutstanding && this.held.length > 0) {
      const next = this.held.shift()!;
      if (next.kind === 'send') next.go();
      else next.run();
    }
  }

  private finish(error: string, reason: string, retryable: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.lastReason = reason;
    this.endInfo = { error, reason, retryable };
    this.rt.removeChannel(this.localId);
    const replies = [...this.replies.values()];
    this.replies.clear();
    const held = this.held;
    this.held = [];
    this.syncOutstanding = false;
    for (const callback of replies) callback({ ok: false, error, reason });
    for (const h of held) {
      if (h.kind === 'send') h.fail(reason);
      else h.run();
    }
    const barriers = [...this.barriers.values()];
    this.barriers.clear();
    for (const block of barriers) block();
    // The error is the last event; whatever is queued (e.g. behind a suspension) comes first.
    this.events.push({ kind: 'error', error, reason, retryable });
  }

  private describe(): string {
    return `${this.options.api} ${this.localId} to "${this.options.service}"`;
  }
}
