/**
 * Demo launch daemon com.example.clockd (looked up with the privileged flag). Written with the
 * session API: it accepts every session and answers {op: "now"} with the time.
 */
import { dictGetString, xpc, XPCListener } from '../index';

void XPCListener.create({
  incomingSessionHandler: (request) => {
    request.accept((message) => {
      if (dictGetString(message.body, 'op') === 'now') return xpc.dictionary({ now: xpc.date(BigInt(Date.now()) * 1_000_000n), uptimeSec: xpc.double(process.uptime()) });
      return xpc.dictionary({ error: xpc.string('unknown op; send {op: "now"}') });
    });
  },
}).catch((error: unknown) => {
  console.error(`clockd: cannot listen: ${String(error)}`);
  process.exit(1);
});
