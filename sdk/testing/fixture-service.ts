/**
 * A service for the broker's integration tests, launched by the broker from a test plist. What
 * it does is chosen by each request's "op":
 *   echo            reply with the request body (plus our pid)
 *   pid             reply with our pid
 *   hold {ms}       create the reply now, send it `ms` later (handler returns at once)
 *   work {ms}       an async handler that takes `ms`, then replies
 *   no-reply        return without creating a reply
 *   begin / end     xpc_transaction_begin / _end (begin without end leaks)
 *   crash           SIGKILL ourselves in the middle of the request
 *   endpoint        create an anonymous listener and reply with its endpoint
 *   push {text}     send a one-way message to every connected client
 * Error events on peer connections are printed as JSON lines ({"peerEvent": …}), which the
 * broker reports as process-output. FIXTURE_API=session serves with the session API instead;
 * FIXTURE_REQUIREMENT (JSON) sets a peer requirement on the listener. FIXTURE_CONNECT_TO names a
 * service to ask for its pid at start ({"connectedTo"…} or {"connectError","reason"} is printed).
 */
import type { PeerRequirement } from '../../app/events/schema';
import {
  createConnection,
  dictGetInt,
  dictGetString,
  transactionBegin,
  transactionEnd,
  xpc,
  XPCListener,
  XPCReceivedMessage,
  xpcMain,
  type XPCPeerConnection,
  type XpcValue,
} from '../index';

const peers = new Set<XPCPeerConnection>();

function log(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Answer = XpcValue | undefined;

/** Handles one request: synchronously where it can (the reply goes out before the handler returns). */
function respond(message: XPCReceivedMessage, peer: XPCPeerConnection): Answer | Promise<Answer> {
  const op = dictGetString(message.body, 'op') ?? 'echo';
  const ms = Number(dictGetInt(message.body, 'ms') ?? 0n);
  switch (op) {
    case 'echo':
      return xpc.dictionary({ echo: message.body, pid: xpc.int64(process.pid) });
    case 'pid':
      return xpc.dictionary({ pid: xpc.int64(process.pid), clientPid: xpc.int64(peer.pid) });
    case 'hold': {
      const reply = message.createReply();
      setTimeout(() => reply.send(xpc.dictionary({ held: xpc.int64(ms) })), ms);
      return undefined;
    }
    case 'work':
      return sleep(ms).then(() => xpc.dictionary({ worked: xpc.int64(ms) }));
    case 'no-reply':
      return undefined;
    case 'begin':
      transactionBegin();
      return xpc.dictionary({ begun: xpc.bool(true) });
    case 'end':
      transactionEnd();
      return xpc.dictionary({ ended: xpc.bool(true) });
    case 'crash':
      process.kill(process.pid, 'SIGKILL');
      return sleep(10_000).then(() => undefined);
    case 'endpoint':
      return XPCListener.create({ anonymous: true, newConnectionHandler: (p) => servePeer(p) }).then((listener) =>
        xpc.dictionary({ endpoint: listener.endpoint! }),
      );
    case 'push':
      for (const p of peers) p.send(xpc.dictionary({ pushed: xpc.string(dictGetString(message.body, 'text') ?? '') }));
      return xpc.dictionary({ pushedTo: xpc.int64(peers.size) });
    default:
      return xpc.dictionary({ error: xpc.string(`unknown op ${op}`) });
  }
}

function servePeer(peer: XPCPeerConnection): void {
  peers.add(peer);
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage)) {
      log({ peerEvent: event.type === 'error' ? event.description : event.type, reason: peer.invalidationReason ?? null, clientPid: peer.pid });
      if (!peer.isValid) peers.delete(peer);
      return undefined;
    }
    const answer = respond(event, peer);
    if (answer instanceof Promise) {
      return answer.then((value) => {
        if (value !== undefined && event.expectsReply) event.reply(value);
      });
    }
    if (answer !== undefined && event.expectsReply) event.reply(answer);
    return undefined;
  });
  peer.activate();
}

const requirement = process.env.FIXTURE_REQUIREMENT ? (JSON.parse(process.env.FIXTURE_REQUIREMENT) as PeerRequirement) : undefined;

if (process.env.FIXTURE_EXIT_AT_START === '1') {
  process.exit(3);
} else if (process.env.FIXTURE_API === 'session') {
  void XPCListener.create({
    ...(requirement ? { requirement } : {}),
    incomingSessionHandler: (request) => {
      if (process.env.FIXTURE_REJECT === '1') {
        request.reject('this listener rejects every session');
        return;
      }
      request.accept((message) => respond(message, request.peer), {
        cancellationHandler: (error) => log({ sessionEnded: error.error, reason: error.reason }),
      });
    },
  });
} else if (process.env.FIXTURE_NO_LISTEN !== '1') {
  void xpcMain(servePeer, requirement ? { requirement } : {});
}

const connectTo = process.env.FIXTURE_CONNECT_TO;
if (connectTo !== undefined && connectTo !== '') {
  const conn = createConnection(connectTo);
  conn.setEventHandler(() => undefined);
  conn.activate();
  conn.sendMessageWithReply(xpc.dictionary({ op: xpc.string('pid') }), (reply, reason) => {
    if (reply.type === 'error') log({ connectError: reply.description, reason: reason ?? conn.invalidationReason ?? null });
    else log({ connectedTo: connectTo, pid: Number(dictGetInt(reply, 'pid') ?? -1n) });
  });
}
