/**
 * Demo launch agent com.example.echo: answers every request with what it was sent, plus who
 * answered. An Adaptive job, so requests from app-type clients boost it.
 */
import { dictGetString, xpc, XPCReceivedMessage, xpcMain } from '../index';

let served = 0;

void xpcMain((peer) => {
  peer.setEventHandler((event) => {
    if (!(event instanceof XPCReceivedMessage)) return;
    served += 1;
    if (!event.expectsReply) return;
    event.reply(
      xpc.dictionary({
        echo: event.body,
        text: xpc.string(dictGetString(event.body, 'text') ?? ''),
        servedBy: xpc.int64(process.pid),
        served: xpc.int64(served),
      }),
    );
  });
  peer.activate();
});
