/**
 * Demo XPC service com.example.thumbnailer: one process per client (it dies with its client).
 * It "renders a thumbnail" (a checksum of the bytes it is sent) asynchronously, keeping the
 * reply open while it works, and counts the requests of its one client.
 */
import { dictGet, xpc, XPCReceivedMessage, xpcMain } from '../index';

let count = 0;

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum * 31 + b) >>> 0;
  return sum;
}

void xpcMain((peer) => {
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage) || !event.expectsReply) return;
    count += 1;
    const image = dictGet(event.body, 'image');
    const bytes = image?.type === 'data' ? image.value : new Uint8Array(0);
    // The reply is created now and sent later: it keeps the service out of idle until then.
    const reply = event.createReply();
    setTimeout(() => {
      reply.send(
        xpc.dictionary({
          thumbnail: xpc.int64(checksum(bytes)),
          forClient: xpc.int64(peer.pid),
          instancePid: xpc.int64(process.pid),
          requestsFromThisClient: xpc.int64(count),
        }),
      );
    }, 20);
  });
  peer.activate();
});
