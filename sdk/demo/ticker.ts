/**
 * Demo launch agent com.example.ticker: on {op: "subscribe", count, intervalMs} it sends the
 * client `count` tick messages on its own, holding a transaction (xpc_transaction_begin) while
 * that periodic work is under way, as xpc_main(3) recommends for work not tied to a message.
 */
import { dictGetInt, dictGetString, transactionBegin, transactionEnd, xpc, XPCReceivedMessage, xpcMain, type XPCPeerConnection } from '../index';

function startTicking(peer: XPCPeerConnection, count: number, intervalMs: number): void {
  transactionBegin();
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    if (peer.isValid) peer.send(xpc.dictionary({ tick: xpc.int64(n), of: xpc.int64(count), at: xpc.date(BigInt(Date.now()) * 1_000_000n) }));
    if (n >= count || !peer.isValid) {
      clearInterval(timer);
      transactionEnd();
    }
  }, intervalMs);
}

void xpcMain((peer) => {
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage)) return;
    if (dictGetString(event.body, 'op') !== 'subscribe') {
      if (event.expectsReply) event.reply(xpc.dictionary({ error: xpc.string('unknown op; send {op: "subscribe", count, intervalMs}') }));
      return;
    }
    const count = Math.max(1, Math.min(1000, Number(dictGetInt(event.body, 'count') ?? 5n)));
    const intervalMs = Math.max(10, Math.min(10_000, Number(dictGetInt(event.body, 'intervalMs') ?? 500n)));
    startTicking(peer, count, intervalMs);
    if (event.expectsReply) event.reply(xpc.dictionary({ subscribed: xpc.bool(true), count: xpc.int64(count) }));
  });
  peer.activate();
});
