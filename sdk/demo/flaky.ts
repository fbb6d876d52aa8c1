/**
 * Demo launch agent com.example.flaky: answers requests, but every Nth request
 * ($FLAKY_CRASH_EVERY, default 5) it crashes mid-request (SIGABRT), so clients see
 * CONNECTION_INTERRUPTED, the reply handler gets the error, and the next message relaunches it
 * (no sooner than its ThrottleInterval).
 */
import { xpc, XPCReceivedMessage, xpcMain } from '../index';

const every = Math.max(1, Number(process.env.FLAKY_CRASH_EVERY ?? '5') || 5);
let requests = 0;

void xpcMain((peer) => {
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage)) return;
    requests += 1;
    if (requests % every === 0) {
      console.error(`flaky: crashing on request ${requests} (every ${every})`);
      process.abort();
    }
    if (event.expectsReply) event.reply(xpc.dictionary({ ok: xpc.bool(true), request: xpc.int64(requests), pid: xpc.int64(process.pid) }));
  });
  peer.activate();
});
