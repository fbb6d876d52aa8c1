/**
 * The composer's host side: sends one message to a service as a real client of the broker,
 * through its Unix socket with the SDK, exactly as any other client process would. The host
 * process is that client; its own traffic shows up in the inspector like everyone else's.
 *
 * Requests run one at a time: the SDK has one broker connection per process, whose process
 * type (app or background, which decides boosting) is fixed when it says hello, so a request
 * of the other type reconnects first.
 */
import type { SendTestMessageResult } from '../../app/bridge/contract';
import type { InspectorEvent } from '../../app/events/schema';
import { describeXpc } from '../../app/xpc/describe';
import { toXpcJson } from '../../app/xpc/json';
import type { XpcValue } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc, type XPCConnection } from '../../sdk';
import { runtime } from '../../sdk/runtime';
import type { CheckedTestMessage } from './validate';

/** The part of the broker the composer needs: where to connect, and its events to follow the message. */
export interface ComposerBroker {
  readonly socketPath: string;
  onEvent(listener: (event: InspectorEvent) => void): () => void;
}

export const COMPOSER_PROCESS_NAME = 'XPC Inspector composer';

let queue: Promise<unknown> = Promise.resolve();
let configured: { socketPath: string; processType: CheckedTestMessage['processType'] } | undefined;

export function sendTestMessage(broker: ComposerBroker, request: CheckedTestMessage): Promise<SendTestMessageResult> {
  const run = queue.then(() => sendOne(broker, request));
  queue = run.catch(() => undefined);
  return run;
}

/** Points the SDK at this broker with this process type, reconnecting only when either changed. */
function useRuntime(socketPath: string, processType: CheckedTestMessage['processType']): void {
  if (configured?.socketPath === socketPath && configured.processType === processType && runtime().brokerGoneReason === undefined) return;
  shutdownXpc();
  configureXpc({ socketPath, processType, name: COMPOSER_PROCESS_NAME });
  configured = { socketPath, processType };
}

type Outcome =
  | { readonly kind: 'reply'; readonly reply: XpcValue }
  | { readonly kind: 'delivered' }
  | { readonly kind: 'failed'; readonly error: string; readonly reason: string }
  | { readonly kind: 'timeout' };

async function sendOne(broker: ComposerBroker, request: CheckedTestMessage): Promise<SendTestMessageResult> {
  useRuntime(broker.socketPath, request.processType);
  const traffic = new OwnTraffic(broker, process.pid, request.service);
  const connection = createConnection(request.service, { privileged: request.privileged });
  const connectionFailed = new Promise<Outcome>((resolve) => {
    connection.setEventHandler((event) => {
      if (event.type !== 'error') return;
      resolve({ kind: 'failed', error: event.description, reason: connection.invalidationReason ?? 'no reason given' });
    });
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), request.timeoutMs);
  });
  const started = process.hrtime.bigint();
  try {
    connection.activate();
    const outcome = await Promise.race([deliver(connection, request, traffic), connectionFailed, timedOut]);
    const latencyNs = Number(process.hrtime.bigint() - started);
    const message = traffic.message;
    switch (outcome.kind) {
      case 'reply':
        return { ok: true, message, reply: toXpcJson(outcome.reply), replyDescription: describeXpc(outcome.reply), latencyNs };
      case 'delivered':
        return { ok: true, message, latencyNs };
      case 'failed':
        return { ok: false, error: outcome.error, reason: outcome.reason, message, latencyNs };
      case 'timeout': {
        const what = request.mode === 'send' ? 'was not delivered' : 'got no reply';
        return { ok: false, error: 'Timed out', reason: `the message to "${request.service}" ${what} within ${request.timeoutMs} ms`, message, latencyNs };
      }
    }
  } finally {
    clearTimeout(timer);
    connection.cancel();
    traffic.stop();
  }
}

function deliver(connection: XPCConnection, request: CheckedTestMessage, traffic: OwnTraffic): Promise<Outcome> {
  switch (request.mode) {
    case 'send':
      connection.sendMessage(request.payload);
      return traffic.delivery;
    case 'send-with-reply':
      return new Promise((resolve) => {
        connection.sendMessageWithReply(request.payload, (reply, reason) => {
          // The SDK passes a reason only when the reply handler gets an error instead of a reply.
          if (reason !== undefined && reply.type === 'error') resolve({ kind: 'failed', error: reply.description, reason });
          else resolve({ kind: 'reply', reply });
        });
      });
    case 'sync':
      return connection.sendMessageWithReplySync(request.payload).then((reply): Outcome => {
        const failure = traffic.replyFailure;
        if (reply.type === 'error' && (failure !== undefined || !connection.isValid)) {
          return { kind: 'failed', error: reply.description, reason: failure?.reason ?? connection.invalidationReason ?? 'no reason given' };
        }
        return { kind: 'reply', reply };
      });
  }
}

/**
 * Follows this process's one connection and message in the broker's events: which message id
 * the inspector gave it, and whether it was delivered or dropped.
 */
class OwnTraffic {
  connection: number | undefined;
  message: number | undefined;
  replyFailure: { error: string; reason: string } | undefined;
  readonly delivery: Promise<Outcome>;
  private settle: (outcome: Outcome) => void = () => undefined;
  private readonly unsubscribe: () => void;

  constructor(
    broker: ComposerBroker,
    private readonly pid: number,
    private readonly service: string,
  ) {
    this.delivery = new Promise((resolve) => (this.settle = resolve));
    this.unsubscribe = broker.onEvent((event) => this.observe(event));
  }

  stop(): void {
    this.unsubscribe();
  }

  private observe(event: InspectorEvent): void {
    switch (event.kind) {
      case 'connection-opened':
        if (this.connection === undefined && event.clientPid === this.pid && event.service === this.service) this.connection = event.connection;
        return;
      case 'message-sent':
        if (this.message === undefined && event.connection === this.connection && event.fromPid === this.pid && event.messageKind === 'message') {
          this.message = event.message;
        }
        return;
      case 'message-delivered':
        if (event.message === this.message) this.settle({ kind: 'delivered' });
        return;
      case 'message-dropped':
        if (event.message === this.message) this.settle({ kind: 'failed', error: 'Message dropped', reason: event.reason });
        return;
      case 'reply-failed':
        if (event.request === this.message) this.replyFailure = { error: event.error, reason: event.reason };
        return;
      default:
        return;
    }
  }
}
