/**
 * `xpc-inspector send SERVICE 'XPC-JSON' [--reply] [--sync] [--privileged] [--background]
 * [--socket PATH] [--timeout MS]`: connects to a running broker as an ordinary XPC client (the
 * SDK's connection API, so the inspector shows it like any other process), sends one message
 * and, with --reply, prints the reply as XPC-JSON on stdout. Every failure is one line on
 * stderr and an exit code of its own (SEND_EXIT), so scripts can tell them apart.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { ENV_SOCKET } from '../../../app/protocol/env';
import { parseXpcJson, printXpcJson } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import {
  configureXpc,
  createConnection,
  shutdownXpc,
  XPC_ERROR_CONNECTION_INTERRUPTED,
  XPC_ERROR_CONNECTION_INVALID,
  type XPCConnection,
} from '../../../sdk';
import { runtime } from '../../../sdk/runtime';
import { defaultSocketPath } from '../../transport';

/** Exit codes of `send`; 1 is left to commander's usage errors and unexpected failures. */
export const SEND_EXIT = {
  ok: 0,
  invalidJson: 2,
  noBroker: 3,
  invalid: 4,
  interrupted: 5,
  timeout: 6,
} as const;

export type SendExitCode = (typeof SEND_EXIT)[keyof typeof SEND_EXIT];

const DEFAULT_TIMEOUT_MS = 10_000;

interface SendCliOptions {
  readonly reply?: boolean;
  readonly sync?: boolean;
  readonly privileged?: boolean;
  readonly background?: boolean;
  readonly socket?: string;
  readonly timeout: number;
}

/** What became of the one message. */
type Outcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'reply'; readonly reply: XpcValue }
  | { readonly kind: 'xpc-error'; readonly error: string; readonly reason: string }
  | { readonly kind: 'timeout' };

export function registerSend(program: Command): void {
  program
    .command('send')
    .description('send one XPC message to a service through a running broker, and print the reply')
    .argument('<service>', 'the MachService name, e.g. com.example.echo')
    .argument('<message>', 'the message as XPC-JSON (a JSON object, e.g. \'{"text":"hi","n":{"$uint64":"7"}}\'), or - to read it from stdin')
    .option('--reply', 'send it expecting a reply, wait for the reply and print it as XPC-JSON')
    .option('--sync', 'send it as xpc_connection_send_message_with_reply_sync does (implies --reply)')
    .option('--privileged', 'look the name up among launch daemons (XPC_CONNECTION_MACH_SERVICE_PRIVILEGED)')
    .option('--background', 'present this process as a background process: its message does not boost the service')
    .option('--socket <path>', `the broker's Unix socket (default: $${ENV_SOCKET}, else the per-user runtime directory)`)
    .option('--timeout <ms>', 'give up after this many milliseconds', parseTimeout, DEFAULT_TIMEOUT_MS)
    .addHelpText(
      'after',
      [
        '',
        'Without --reply the command returns once the broker has taken the message on a valid',
        'connection (a barrier). The broker drops a one-way message still queued when its sender',
        'exits (the service not started yet, or not yet accepting the connection); --reply waits',
        'for the service.',
        '',
        'Exit codes:',
        `  ${SEND_EXIT.ok}  sent (and, with --reply, the reply printed on stdout)`,
        '  1  usage error, or an unexpected failure',
        `  ${SEND_EXIT.invalidJson}  the message is not valid XPC-JSON, or not a dictionary (the error names the JSON path, line and column)`,
        `  ${SEND_EXIT.noBroker}  no broker is listening at the socket path`,
        `  ${SEND_EXIT.invalid}  CONNECTION_INVALID: unknown service, wrong --privileged, peer requirement not met, … (with the broker's reason)`,
        `  ${SEND_EXIT.interrupted}  CONNECTION_INTERRUPTED: the service exited or crashed before it replied (with the reason)`,
        `  ${SEND_EXIT.timeout}  no reply (or, without --reply, no confirmation from the broker) within --timeout`,
      ].join('\n'),
    )
    .action(async (service: string, messageArg: string, options: SendCliOptions) => {
      process.exitCode = await runSend(service, messageArg, options);
    });
}

async function runSend(service: string, messageArg: string, options: SendCliOptions): Promise<SendExitCode> {
  const parsed = parseMessage(messageArg === '-' ? readFileSync(0, 'utf8') : messageArg);
  if (!parsed.ok) return fail(SEND_EXIT.invalidJson, `invalid XPC-JSON message: ${parsed.message}`);

  const socketPath = options.socket ?? (process.env[ENV_SOCKET] || defaultSocketPath());
  const wantsReply = options.reply === true || options.sync === true;
  configureXpc({ socketPath, processType: options.background ? 'background' : 'app', name: 'xpc-inspector send' });
  const conn = createConnection(service, { privileged: options.privileged === true });
  // Error events also reach the reply handler or the barrier; nothing more to do with them here.
  conn.setEventHandler(() => undefined);
  conn.activate();

  const outcome = await withTimeout(sendOne(conn, parsed.value, wantsReply, options.sync === true), options.timeout);
  conn.cancel();
  const brokerGone = runtime().brokerGoneReason;
  const reachedBroker = runtime().pid !== undefined;
  shutdownXpc();

  switch (outcome.kind) {
    case 'sent':
      return SEND_EXIT.ok;
    case 'reply':
      process.stdout.write(`${printXpcJson(outcome.reply)}\n`);
      return SEND_EXIT.ok;
    case 'timeout':
      return fail(
        SEND_EXIT.timeout,
        wantsReply
          ? `${service}: no reply within ${options.timeout} ms`
          : `${service}: the broker at ${socketPath} did not confirm the message within ${options.timeout} ms`,
      );
    case 'xpc-error':
      // hello-ok never came: the socket could not be reached (or refused us) before anything else.
      if (!reachedBroker && brokerGone !== undefined) {
        return fail(SEND_EXIT.noBroker, brokerGone.includes(socketPath) ? brokerGone : `the broker at ${socketPath}: ${brokerGone}`);
      }
      if (outcome.error === XPC_ERROR_CONNECTION_INTERRUPTED) {
        return fail(SEND_EXIT.interrupted, `${service}: ${outcome.error} (the service exited or crashed before replying): ${outcome.reason}`);
      }
      return fail(SEND_EXIT.invalid, `${service}: ${outcome.error}: ${outcome.reason}`);
  }
}

function parseMessage(text: string): { readonly ok: true; readonly value: XpcValue } | { readonly ok: false; readonly message: string } {
  const parsed = parseXpcJson(text);
  if (!parsed.ok) return { ok: false, message: parsed.error.message };
  // xpc_connection_send_message takes only dictionaries.
  if (parsed.value.type !== 'dictionary') return { ok: false, message: `$: a message must be a dictionary (a JSON object), got ${parsed.value.type}` };
  return { ok: true, value: parsed.value };
}

/** Sends the message; settles with the reply, the error the reply handler got, or — one-way — after a barrier. */
function sendOne(conn: XPCConnection, message: XpcValue, wantsReply: boolean, sync: boolean): Promise<Outcome> {
  if (sync) {
    return conn.sendMessageWithReplySync(message).then(async (reply) => {
      if (reply.type !== 'error') return { kind: 'reply', reply };
      // The synchronous API hands over only the error object (as in C); the reason is the
      // connection's invalidation reason, whose event may still be in the frames being read.
      await new Promise((resolve) => setImmediate(resolve));
      return { kind: 'xpc-error', error: reply.description, reason: conn.invalidationReason ?? 'the broker gave no reason' };
    });
  }
  return new Promise((resolve) => {
    if (wantsReply) {
      conn.sendMessageWithReply(message, (reply, reason) =>
        resolve(reply.type === 'error' ? { kind: 'xpc-error', error: reply.description, reason: reason ?? 'the broker gave no reason' } : { kind: 'reply', reply }),
      );
      return;
    }
    conn.sendMessage(message);
    // The barrier runs once the message is handed over, or at once when the connection has ended.
    conn.sendBarrier(() =>
      resolve(conn.isValid ? { kind: 'sent' } : { kind: 'xpc-error', error: XPC_ERROR_CONNECTION_INVALID, reason: conn.invalidationReason ?? 'the broker gave no reason' }),
    );
  });
}

function withTimeout(outcome: Promise<Outcome>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), ms)));
  return Promise.race([outcome, timeout]).finally(() => clearTimeout(timer));
}

function fail(code: SendExitCode, message: string): SendExitCode {
  process.stderr.write(`xpc-inspector send: ${message}\n`);
  return code;
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new InvalidArgumentError('expected a positive whole number of milliseconds');
  return ms;
}
