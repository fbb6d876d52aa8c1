/**
 * The process's end of the broker socket: frames out, frames in, each body decoded and
 * validated as a broker op. The SDK keeps its own small socket code rather than reusing
 * main/transport: per the layout, sdk/ may import only app/ (where the frame and XPC codecs
 * live), and a client needs none of the server's concerns (peer credentials, accept policy).
 *
 * Frames written during one tick are encoded into one shared buffer and go out in one write
 * on the next tick.
 */
import { connect, type Socket } from 'node:net';
import { decodeBrokerOp, encodeProcessOp } from '../app/protocol/codec';
import type { BrokerOp, ProcessOp } from '../app/protocol/ops';
import { decodeXpc } from '../app/xpc/codec';
import { DEFAULT_MESSAGE_FLAGS, FrameDecoder } from '../app/xpc/frame';
import { FrameBatch } from '../app/xpc/frame-batch';

export interface BrokerSocketHandlers {
  /** An op from the broker; `messageId` is the frame's id (the message id for deliveries and replies). */
  onOp(op: BrokerOp, messageId: number): void;
  /** The socket is gone; `reason` says why in words. Called once. */
  onClose(reason: string): void;
}

export class BrokerSocket {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private lastFrameId = 0;
  private readonly outgoing = new FrameBatch();
  private flushScheduled = false;
  private closedReason: string | undefined;
  private fatalReason: string | undefined;
  private connectError: string | undefined;

  constructor(
    readonly path: string,
    private readonly handlers: BrokerSocketHandlers,
  ) {
    // Writes made before the connection is up are buffered by the socket and sent once it is.
    this.socket = connect(path);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.connectError ??= describeSocketError(path, error);
    });
    this.socket.on('close', () => this.finish(this.fatalReason ?? this.connectError ?? 'the broker closed the connection'));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Writes one op; returns the frame id it went out with (the request id of a `send`). */
  send(op: ProcessOp, flags = DEFAULT_MESSAGE_FLAGS): number {
    const id = ++this.lastFrameId;
    if (this.closedReason !== undefined) return id;
    this.outgoing.add(encodeProcessOp(op), BigInt(id), flags);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
    return id;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const pieces = this.outgoing.take();
    if (this.closedReason !== undefined) return;
    if (pieces.length === 1) {
      this.socket.write(pieces[0]!);
      return;
    }
    this.socket.cork();
    for (const piece of pieces) this.socket.write(piece);
    this.socket.uncork();
  };

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  close(reason: string): void {
    this.fatalReason ??= reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closedReason !== undefined) return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.close(`malformed frame from the broker: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const frame of frames) {
      if (this.closedReason !== undefined) return;
      const decoded = decodeXpc(frame.body);
      if (!decoded.ok) {
        this.close(`malformed frame body from the broker: ${decoded.error.message}`);
        return;
      }
      const op = decodeBrokerOp(decoded.value, 'the broker');
      if (!op.ok) {
        this.close(op.error);
        return;
      }
      if (op.op.op === 'fatal') this.fatalReason = `the broker closed the connection: ${op.op.reason}`;
      this.handlers.onOp(op.op, Number(frame.messageId));
    }
  }

  private finish(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.handlers.onClose(reason);
  }
}

function describeSocketError(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `cannot reach the broker at ${path}: no socket there (is xpc-inspector running?)`;
    case 'ECONNREFUSED':
      return `cannot reach the broker at ${path}: nothing is listening`;
    case 'EACCES':
      return `cannot reach the broker at ${path}: permission denied`;
    default:
      return `broker socket ${path}: ${error.message}`;
  }
}
