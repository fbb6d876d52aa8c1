/**
 * The connection API, shaped like xpc_connection(3): created inactive, an event handler that
 * receives messages from the service and error objects (CONNECTION_INTERRUPTED when the service
 * went away and will be relaunched by the next message, CONNECTION_INVALID as the last event),
 * counted suspend/resume, sends with and without reply, synchronous sends and barriers.
 */
import { xpc, type XpcEndpoint, type XpcValue } from '../app/xpc/value';
import { ClientChannel, type ChannelEvent } from './channel';
import { XPCError } from './errors';

/** Receives messages from the service, and errors as XPC error objects (`{ type: 'error' }`). */
export type ConnectionEventHandler = (event: XpcValue) => void | Promise<void>;

/** Called exactly once: with the reply, or with an error object and the reason. */
export type ReplyHandler = (reply: XpcValue, reason?: string) => void;

export interface ConnectionOptions {
  /** XPC_CONNECTION_MACH_SERVICE_PRIVILEGED: look the name up among launch daemons. */
  readonly privileged?: boolean;
}

export class XPCConnection {
  private handler: ConnectionEventHandler | undefined;
  private readonly channel: ClientChannel;

  /** @internal use createConnection / createConnectionFromEndpoint. */
  constructor(
    readonly name: string,
    options: { readonly privileged: boolean; readonly endpoint: boolean },
  ) {
    this.channel = new ClientChannel({
      service: name,
      privileged: options.privileged,
      api: 'connection',
      endpoint: options.endpoint,
      onEvent: (e) => this.dispatch(e),
      onHandlerError: (error) => reportHandlerError(name, error),
    });
  }

  setEventHandler(handler: ConnectionEventHandler): void {
    this.handler = handler;
  }

  /** xpc_connection_activate. Activating twice is a misuse error. */
  activate(): void {
    this.channel.activate();
  }

  /** Counted: each suspend needs a resume. On a never-activated connection resume activates it. */
  suspend(): void {
    this.channel.suspend();
  }

  resume(): void {
    if (!this.channel.activated && this.channel.suspendCount === 0) this.channel.activate();
    else this.channel.resume();
  }

  /** The event handler's last event will be CONNECTION_INVALID; outstanding replies get it too. */
  cancel(): void {
    this.channel.cancel();
  }

  sendMessage(message: XpcValue): void {
    this.channel.send(message);
  }

  /** The handler is called exactly once, with the reply or with an error object and the reason. */
  sendMessageWithReply(message: XpcValue, handler: ReplyHandler): void {
    this.channel.send(message, (r) => (r.ok ? handler(r.reply) : handler(xpc.error(r.error), r.reason)));
  }

  /** The reply as a promise; an error becomes a rejected XPCError with its reason. */
  request(message: XpcValue): Promise<XpcValue> {
    return new Promise((resolve, reject) => this.channel.send(message, (r) => (r.ok ? resolve(r.reply) : reject(new XPCError(r.error, r.reason)))));
  }

  /**
   * xpc_connection_send_message_with_reply_sync, emulated: resolves with the reply or an error
   * object, and no later send on this connection leaves before it is answered.
   */
  sendMessageWithReplySync(message: XpcValue): Promise<XpcValue> {
    return new Promise((resolve) => this.channel.send(message, (r) => resolve(r.ok ? r.reply : xpc.error(r.error)), true));
  }

  /** Runs after every message sent before it has been handed to the transport (at once when canceled). */
  sendBarrier(block: () => void): void {
    this.channel.barrier(block);
  }

  /** xpc_connection_copy_invalidation_reason: why the last error event happened. */
  get invalidationReason(): string | undefined {
    return this.channel.lastReason;
  }

  get isValid(): boolean {
    return !this.channel.ended;
  }

  private dispatch(event: ChannelEvent): void | Promise<void> {
    const handler = this.handler;
    if (handler === undefined) return;
    return handler(event.kind === 'message' ? event.body : xpc.error(event.error));
  }
}

/** xpc_connection_create_mach_service: an inactive connection to a named service. */
export function createConnection(name: string, options: ConnectionOptions = {}): XPCConnection {
  return new XPCConnection(name, { privileged: options.privileged ?? false, endpoint: false });
}

/** xpc_connection_create_from_endpoint: a connection to the listener an endpoint names. */
export function createConnectionFromEndpoint(endpoint: XpcEndpoint): XPCConnection {
  return new XPCConnection(endpoint.service, { privileged: false, endpoint: true });
}

export function reportHandlerError(what: string, error: unknown): void {
  console.error(`xpc: event handler for ${what} threw:`, error);
}
