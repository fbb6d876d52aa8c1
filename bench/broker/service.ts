/**
 * The service process of the broker bench, launched by the broker for its job. It serves the
 * job's MachService through the SDK (xpc_main) and, for the baseline, the very same answers on
 * a plain Unix socket of its own ($BENCH_DIRECT_SOCKET) with the same framing.
 */
import { createServer } from 'node:net';
import { FrameFlag, DEFAULT_MESSAGE_FLAGS } from '../../app/xpc/frame';
import { XPCReceivedMessage, xpcMain } from '../../sdk';
import { DirectLink } from './direct-link';
import { TickCounter } from './workload';

const REPLY_FLAGS = DEFAULT_MESSAGE_FLAGS | FrameFlag.REPLY;
const directPath = process.env.BENCH_DIRECT_SOCKET;
if (directPath === undefined) throw new Error('BENCH_DIRECT_SOCKET is not set');

// The broker stops an idle service with SIGTERM; a profiled run must exit normally to write its profile.
if (process.execArgv.includes('--cpu-prof')) process.on('SIGTERM', () => process.exit(0));

const viaBroker = new TickCounter();
void xpcMain((peer) => {
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage)) return;
    const answer = viaBroker.answer(event.body, event.expectsReply);
    if (answer !== undefined) event.reply(answer);
  });
  peer.activate();
});

const direct = new TickCounter();
const server = createServer((socket) => {
  const link = new DirectLink(socket, (value, frame) => {
    const answer = direct.answer(value, (frame.flags & FrameFlag.WANTING_REPLY) !== 0);
    if (answer !== undefined) link.send(answer, frame.messageId, REPLY_FLAGS);
  });
  socket.on('error', () => socket.destroy());
});
server.listen(directPath);
// The broker decides when this process ends (xpc_main); the baseline socket must not keep it alive.
server.unref();
