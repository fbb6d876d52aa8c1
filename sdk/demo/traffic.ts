/**
 * Demo client com.example.traffic (RunAtLoad, app-type): keeps live traffic flowing through
 * the demo services so a fresh inspector shows something at once — echo requests and one-way
 * messages, requests to the flaky service (which crashes now and then), per-client thumbnailer
 * jobs, privileged session requests to the daemon, ticker subscriptions, and one lookup of a
 * service that does not exist.
 */
import { createConnection, xpc, XPCSession, type XPCConnection, type XpcValue } from '../index';

const intervalMs = Math.max(20, Number(process.env.TRAFFIC_INTERVAL_MS ?? '250') || 250);

function connect(name: string, privileged = false): XPCConnection {
  const conn = createConnection(name, { privileged });
  conn.setEventHandler((event: XpcValue) => {
    if (event.type === 'error') console.log(`${name}: ${event.description} (${conn.invalidationReason ?? 'no reason'})`);
  });
  conn.activate();
  return conn;
}

const echo = connect('com.example.echo');
const flaky = connect('com.example.flaky');
const thumbnailer = connect('com.example.thumbnailer');
const ticker = connect('com.example.ticker');
const clock = new XPCSession('com.example.clockd', {
  privileged: true,
  cancellationHandler: (error) => console.log(`clockd session ended: ${error.reason}`),
});

// A name nobody provides: the connection is invalidated with a reason, as XPC does.
const missing = connect('com.example.does-not-exist');
missing.sendMessage(xpc.dictionary({ hello: xpc.string('anyone?') }));

let n = 0;
function tick(): void {
  n += 1;
  const text = xpc.string(`message ${n}`);
  switch (n % 8) {
    case 0:
    case 1:
      echo.sendMessageWithReply(xpc.dictionary({ text, n: xpc.int64(n) }), () => undefined);
      break;
    case 2:
      echo.sendMessage(xpc.dictionary({ text, oneWay: xpc.bool(true) }));
      break;
    case 3:
      flaky.sendMessageWithReply(xpc.dictionary({ work: text }), () => undefined);
      break;
    case 4:
      thumbnailer.sendMessageWithReply(xpc.dictionary({ image: xpc.data(new TextEncoder().encode(`image ${n}`)) }), () => undefined);
      break;
    case 5:
      if (!clock.isCancelled) clock.sendWithReply(xpc.dictionary({ op: xpc.string('now') })).catch(() => undefined);
      break;
    case 6:
      if (n % 40 === 6) ticker.sendMessageWithReply(xpc.dictionary({ op: xpc.string('subscribe'), count: xpc.int64(5), intervalMs: xpc.int64(400) }), () => undefined);
      else echo.sendMessageWithReplySync(xpc.dictionary({ text, sync: xpc.bool(true) })).catch(() => undefined);
      break;
    case 7:
      echo.sendBarrier(() => undefined);
      break;
  }
}

setInterval(tick, intervalMs);
