/**
 * The baseline of the broker bench: the same framing the broker protocol uses (RemoteXPC
 * frames carrying XPC-encoded dictionaries, cut with FrameDecoder and decoded with decodeXpc),
 * but straight between two processes over one Unix socket, with nothing in the middle. Frames
 * written in one tick leave in one writev, as the SDK's socket does.
 */
import type { Socket } from 'node:net';
import { decodeXpc } from '../../app/xpc/codec';
import { encodeMessageFrame, FrameDecoder, type Frame } from '../../app/xpc/frame';
import type { XpcValue } from '../../app/xpc/value';

export type FrameHandler = (value: XpcValue, frame: Frame) => void;

export class DirectLink {
  private readonly decoder = new FrameDecoder();
  private corked = false;

  constructor(
    readonly socket: Socket,
    private readonly onMessage: FrameHandler,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const decoded = decodeXpc(frame.body);
        if (!decoded.ok) throw decoded.error;
        this.onMessage(decoded.value, frame);
      }
    });
  }

  send(value: XpcValue, messageId: bigint, flags: number): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(encodeMessageFrame(value, messageId, flags));
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
}
