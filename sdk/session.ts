/**
 * XPCSession, the newer client API: activated once (by default at creation), never reconnects
 * or relaunches — if either side goes away the session is cancelled and the cancellation
 * handler gets an XPCError with the reason and whether a new session may help. Sending on an
 * inactive session or activating twice is a misuse error, thrown at once.
 */
import type { XpcEndpoint, XpcValue } from '../app/xpc/value';
import { ClientChannel, type ChannelEvent } from './channel';
import { reportHandlerError } from './connection';
import { XPCError, XPCMisuseError } from './errors';

export interface SessionOptions {
  /** Look the name up among launch daemons (XPC_CONNECTION_MACH_SERVICE_PRIVILEGED). */
  readonly privileged?: boolean;
  /** Create it inactive; call activate() when ready. Default false: active at once. */
  readonly inactive?: boolean;
  /** Messages the service sends on its own (not replies). */
  readonly incomingMessageHandler?: (message: XpcValue) => void | Promise<void>;
  /** Called once when the session ends for any reason but our own cancel(). */
  readonly cancellationHandler?: (error: XPCError) => void;
}

export class XPCSession {
  private readonly channel: ClientChannel;
  private incoming: ((message: XpcValue) => void | Promise<void>) | undefined;
  private cancellation: ((error: XPCError) => void) | undefined;
  private cancelledByUs = false;

  constructor(service: string | XpcEndpoint, options: SessionOptions = {}) {
    const viaEndpoint = typeof service !== 'string';
    const name = typeof service === 'string' ? service : service.service;
    this.incoming = options.incomingMessageHandler;
    this.cancellation = options.cancellationHandler;
    this.channel = new ClientChannel({
      service: name,
      privileged: options.privileged ?? false,
      api: 'session',
      endpoint: viaEndpoint,
      onEvent: (e) => this.dispatch(e),
      onHandlerError: (error) => reportHandlerError(name, error),
    });
    if (options.inactive !== true) this.activate();
  }

  setIncomingMessageHandler(handler: (message: XpcValue) => void | Promise<void>): void {
    this.incoming = handler;
  }

  setCancellationHandler(handler: (error: XPCError) => void): void {
    this.cancellation = handler;
  }

  /** Activating twice is a misuse error. */
  activate(): void {
    if (this.channel.activated) throw new XPCMisuseError('this session is already activated');
    this.channel.activate();
  }

  /** A one-way message. Throws XPCMisuseError if inactive, XPCError if the session has ended. */
  send(message: XpcValue): void {
    this.checkUsable();
    this.channel.send(message);
  }

  /** Resolves with the reply; rejects with an XPCError (error, reason, retryable) if there will be none. */
  sendWithReply(message: XpcValue): Promise<XpcValue> {
    this.checkUsable();
    return new Promise((resolve, reject) =>
      this.channel.send(message, (r) => (r.ok ? resolve(r.reply) : reject(new XPCError(r.error, r.reason, this.channel.endInfo?.retryable ?? false)))),
    );
  }

  /** Like sendWithReply, and no later send on this session leaves before it is answered. */
  sendSync(message: XpcValue): Promise<XpcValue> {
    this.checkUsable();
    return new Promise((resolve, reject) =>
      this.channel.send(message, (r) => (r.ok ? resolve(r.reply) : reject(new XPCError(r.error, r.reason, this.channel.endInfo?.retryable ?? false))), true),
    );
  }

  cancel(reason = 'canceled by the client'): void {
    if (this.channel.ended) return;
    this.cancelledByUs = true;
    this.channel.cancel(reason);
  }

  get isCancelled(): boolean {
    return this.channel.ended;
  }

  /** Why the session ended, once it has. */
  get cancellationError(): XPCError | undefined {
    const end = this.channel.endInfo;
    return end === undefined ? undefined : new XPCError(end.error, end.reason, end.retryable);
  }

  private checkUsable(): void {
    if (!this.channel.activated) throw new XPCMisuseError('send on an inactive session: call activate() first');
    const ended = this.cancellationError;
    if (ended !== undefined) throw ended;
  }

  private dispatch(event: ChannelEvent): void | Promise<void> {
    if (event.kind === 'message') return this.incoming?.(event.body);
    if (!this.channel.ended || this.cancelledByUs) return;
    this.cancellation?.(new XPCError(event.error, event.reason, event.retryable));
  }
}
