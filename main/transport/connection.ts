/**
 * One framed XPC conversation over a connected Unix-domain socket.
 *
 * Incoming bytes are cut into frames whatever the chunk boundaries, each frame's body is
 * decoded into an XPC value, and every frame is delivered as a `message` event. Any
 * malformed input closes this connection (and only this one) with a reason naming the
 * peer and the stream offset; nothing a peer sends can throw out of here.
 *
 * Backpressure works both ways: `sendAsync` waits for the kernel buffer to drain, so a
 * sender awaiting it never buffers more than one frame past the socket's high-water mark;
 * `pause()` stops reading, so the kernel buffer fills and the peer's writes block. With an
 * outbound budget the connection does the same by itself for a peer that does not read what
 * is sent to it, and closes it when that lasts (outbound-budget.ts).
 */
import type { Socket } from 'node:net';
import type { XpcValue } from '../../app/xpc/value';
import { decodeXpcLocating, XpcDecodeError, type DecodeLimits, type VerbatimEntry } from '../../app/xpc/codec';
import { DEFAULT_MESSAGE_FLAGS, encodeFrame, FRAME_HEADER_SIZE, FrameDecoder, FrameFlag, FrameStreamError, type Frame } from '../../app/xpc/frame';
import { FrameBatch } from '../../app/xpc/frame-batch';
import { OutboundGuard, type OutboundBudget } from './outbound-budget';
import type { PartialFrameBudget } from './partial-frames';
import type { PeerCredentials } from './peer-credentials';
import { TypedEmitter } from './typed-emitter';

export interface IncomingMessage {
  readonly messageId: bigint;
  readonly flags: number;
  /** Undefined for a frame with an empty body (a control frame such as a ping). */
  readonly value: XpcValue | undefined;
  /** The whole frame as it arrived: header and body. */
  readonly bytes: Uint8Array;
  /** The frame as cut from the stream; its body may be a view of the socket chunk (copy to keep it). */
  readonly frame: Frame;
  /**
   * With the `locateEntry` option: the encoded object of that root-dictionary entry, a view of
   * the frame body (to forward it verbatim without encoding it again; copy to keep it).
   */
  readonly located: Uint8Array | undefined;
}

export interface ConnectionClose {
  readonly reason: string;
  /** Present when the connection ended abnormally (malformed input, socket error, refused). */
  readonly error?: Error;
}

export interface MessageConnectionEvents {
  message: IncomingMessage;
  close: ConnectionClose;
}

export interface MessageConnectionOptions {
  /** Largest frame body accepted from the peer (default: the codec's payload limit); a larger declared length closes the connection. */
  readonly maxFrameBytes?: number;
  /** Limits for decoding each body (depth, element counts …). */
  readonly decodeLimits?: Partial<DecodeLimits>;
  /** A root-dictionary key whose encoded bytes every incoming message reports as `located`. */
  readonly locateEntry?: string;
  /** Bound on output queued for the peer (unbounded when absent). */
  readonly outboundBudget?: OutboundBudget;
  /** Shared bound on unfinished incoming frames across connections (none when absent). */
  readonly partialFrames?: PartialFrameBudget;
  /** How the peer is named where a bound acts, e.g. with its executable. Default: "pid 1234". */
  readonly describePeer?: (peer: PeerCredentials) => string;
}

let lastConnectionId = 0;

/** A received frame; the whole-frame bytes are re-assembled only if someone asks for them. */
class ReceivedMessage implements IncomingMessage {
  private frameBytes: Uint8Array | undefined;
  readonly messageId: bigint;
  readonly flags: number;

  constructor(
    readonly frame: Frame,
    readonly value: XpcValue | undefined,
    readonly located: Uint8Array | undefined,
  ) {
    this.messageId = frame.messageId;
    this.flags = frame.flags;
  }

  get bytes(): Uint8Array {
    this.frameBytes ??= encodeFrame(this.frame);
    return this.frameBytes;
  }
}

export class MessageConnection extends TypedEmitter<MessageConnectionEvents> {
  /** Unique within this process; used in logs. */
  readonly id: number;
  /** Who the kernel says is at the other end. */
  readonly peer: PeerCredentials;

  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly decodeLimits: Partial<DecodeLimits> | undefined;
  /** Frames cut from the stream but not yet delivered (only non-empty while paused). */
  private pending: Frame[] = [];
  private pendingHead = 0;
  /** Stream offset of the first byte of the next frame to be delivered. */
  private deliveredOffset = 0;
  /** A bad header found while earlier frames of the same chunk still wait for delivery. */
  private pendingStreamError: FrameStreamError | undefined;
  /** Paused by the owner (pause/resume). */
  private paused = false;
  private delivering = false;
  private closeInfo: ConnectionClose | undefined;
  private endingReason: string | undefined;
  /** Set by abort(): the socket is destroyed and the close is reported when it has closed. */
  private abortInfo: ConnectionClose | undefined;
  private socketError: Error | undefined;
  private drainWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private lastMessageId = 0n;
  private readonly locateEntry: string | undefined;
  /** Frames sent this tick, written together on the next tick. */
  private readonly outgoing = new FrameBatch();
  private flushScheduled = false;
  private readonly outbound: OutboundGuard | undefined;
  private readonly partialFrames: PartialFrameBudget | undefined;
  private readonly describePeer: ((peer: PeerCredentials) => string) | undefined;
  private peerNameCache: string | undefined;

  constructor(socket: Socket, peer: PeerCredentials, options: MessageConnectionOptions = {}) {
    super();
    this.id = ++lastConnectionId;
    this.peer = peer;
    this.socket = socket;
    this.decoder = new FrameDecoder(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes });
    this.decodeLimits = options.decodeLimits;
    this.locateEntry = options.locateEntry;
    this.partialFrames = options.partialFrames;
    this.describePeer = options.describePeer;
    this.outbound =
      options.outboundBudget === undefined
        ? undefined
        : new OutboundGuard(options.outboundBudget, {
            hold: () => this.socket.pause(),
            release: () => this.resumeInput(),
            close: (reason) => this.abort(reason),
            peerName: () => this.peerName,
          });

    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.settleDrainWaiters();
      this.outbound?.drained();
    });
    socket.on('error', (error: Error) => {
      this.socketError ??= error;
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** "pid 1234", for messages about this peer. */
  get peerLabel(): string {
    return `pid ${this.peer.pid}`;
  }

  /** The peer as named where a bound acts: "pid 1234 (/usr/bin/node)" with describePeer. */
  get peerName(): string {
    this.peerNameCache ??= this.describePeer?.(this.peer) ?? this.peerLabel;
    return this.peerNameCache;
  }

  get closed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Why the connection closed, once it has. */
  get closeReason(): ConnectionClose | undefined {
    return this.closeInfo;
  }

  /** Bytes sent but not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength + this.outgoing.pendingBytes;
  }

  /** The amount of buffered output at which `send` starts returning false. */
  get highWaterMark(): number {
    return this.socket.writableHighWaterMark;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** A fresh id for a message this side originates (1, 2, 3 …). */
  nextMessageId(): bigint {
    this.lastMessageId += 1n;
    return this.lastMessageId;
  }

  /**
   * Queues one frame. `value` undefined sends an empty-body control frame; flags default to
   * DEFAULT_MESSAGE_FLAGS for a value and ALWAYS_SET for a control frame. Returns what
   * socket.write returns: false once the output buffer is past its high-water mark (or
   * the connection is closed) — the caller should then wait, e.g. by using sendAsync.
   */
  send(value: XpcValue | undefined, messageId: bigint, flags?: number, verbatim?: VerbatimEntry): boolean {
    if (this.closeInfo || this.endingReason !== undefined || this.abortInfo) return false;
    if (value === undefined) this.outgoing.addEncoded(encodeFrame({ flags: flags ?? FrameFlag.ALWAYS_SET, messageId, body: new Uint8Array(0) }));
    else this.outgoing.add(value, messageId, flags ?? DEFAULT_MESSAGE_FLAGS, verbatim);
    // Frames sent in one turn of the event loop (all the chunks read from every socket in it)
    // leave in one write instead of one syscall each.
    if (this.socket.writableLength + this.outgoing.pendingBytes >= this.socket.writableHighWaterMark) {
      const ok = this.flush();
      this.outbound?.queued(this.bufferedBytes);
      return ok && !this.abortInfo;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  /** Hands the gathered frames to the socket; returns what the last socket.write returned. */
  private readonly flush = (): boolean => {
    this.flushScheduled = false;
    const pieces = this.outgoing.take();
    if (pieces.length === 0 || this.closeInfo) return !this.socket.writableNeedDrain;
    if (pieces.length === 1) return this.socket.write(pieces[0]!);
    this.socket.cork();
    let ok = true;
    for (const piece of pieces) ok = this.socket.write(piece);
    this.socket.uncork();
    return ok;
  };

  /**
   * Sends and, if the output buffer is full, resolves only after it has drained. Awaiting
   * each call keeps the buffered output at most one frame past the high-water mark.
   * Rejects if the connection is or becomes closed.
   */
  async sendAsync(value: XpcValue | undefined, messageId: bigint, flags?: number): Promise<void> {
    if (this.closeInfo || this.endingReason !== undefined) throw this.closedError();
    if (this.send(value, messageId, flags)) return;
    await this.drained();
  }

  /** Resolves when buffered output has drained (at once if nothing is buffered). */
  drained(): Promise<void> {
    if (this.closeInfo) return Promise.reject(this.closedError());
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Stops delivering messages and stops reading, so the kernel pushes back on the peer. */
  pause(): void {
    if (this.paused || this.closeInfo) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused || this.closeInfo) return;
    this.paused = false;
    this.resumeInput();
  }

  /** Whether input is held, by the owner or because the peer is not reading its output. */
  private get inputHeld(): boolean {
    return this.paused || (this.outbound?.holding ?? false);
  }

  private resumeInput(): void {
    if (this.inputHeld || this.closeInfo) return;
    this.deliverPending();
    // Delivery may have closed or re-paused the connection.
    if (!this.inputHeld && !this.closeInfo) this.socket.resume();
  }

  /** Closes at once, dropping anything still buffered in either direction. */
  close(reason: string, error?: Error): void {
    if (this.closeInfo) return;
    if (this.abortInfo) this.finish(this.abortInfo.reason, this.abortInfo.error);
    else this.finish(reason, error);
    this.socket.destroy();
  }

  /**
   * Drops everything buffered and destroys the socket now, but reports the close (the `close`
   * event) only once the socket has closed: a bound acting inside a caller's send must not run
   * the close handlers in the middle of that caller's work.
   */
  private abort(reason: string): void {
    if (this.closeInfo || this.abortInfo) return;
    this.abortInfo = { reason, error: new Error(reason) };
    this.outbound?.stop();
    this.outgoing.clear();
    this.pending = [];
    this.pendingHead = 0;
    this.socket.destroy();
  }

  /** Stops sending, flushes what is buffered, then closes with `reason`. */
  end(reason: string): void {
    if (this.closeInfo || this.endingReason !== undefined) return;
    this.endingReason = reason;
    this.flush();
    this.socket.end();
  }

  private closedError(): Error {
    const why = this.closeInfo?.reason ?? this.endingReason ?? 'closed';
    return new Error(`connection ${this.id} to ${this.peerLabel} is closed: ${why}`);
  }

  private settleDrainWaiters(error?: Error): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private finish(reason: string, error?: Error): void {
    if (this.closeInfo) return;
    this.closeInfo = error ? { reason, error } : { reason };
    this.outbound?.stop();
    this.partialFrames?.release(this);
    this.pending = [];
    this.pendingHead = 0;
    this.outgoing.clear();
    this.settleDrainWaiters(this.closedError());
    this.emit('close', this.closeInfo);
  }

  private onSocketClose(): void {
    if (this.closeInfo) return;
    if (this.abortInfo) {
      this.finish(this.abortInfo.reason, this.abortInfo.error);
      return;
    }
    if (this.socketError) {
      this.finish(`socket error: ${this.socketError.message}`, this.socketError);
      return;
    }
    const partial = this.decoder.bufferedBytes;
    if (partial > 0) {
      // The stream ended inside a frame: what arrived is not a frame.
      const error = new XpcDecodeError('truncated', this.deliveredOffset, `the connection ended ${partial} bytes into a frame`, 'stream byte');
      this.finish(this.malformedReason(this.deliveredOffset, error, false), error);
      return;
    }
    this.finish(this.endingReason ?? 'peer closed the connection');
  }

  private onData(chunk: Buffer): void {
    if (this.closeInfo || this.abortInfo || this.pendingStreamError) return;
    let frames: readonly Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameStreamError)) {
        this.close(`frame decoder failed on input from ${this.peerLabel}: ${describe(error)}`, asError(error));
        return;
      }
      // Frames completed before the bad header are still delivered, then the connection closes.
      this.pendingStreamError = error;
      frames = error.frames;
    }
    // May close this connection, or others holding more, when all unfinished frames together are too much.
    this.partialFrames?.update(this, this.decoder.bufferedBytes);
    if (this.closeInfo) return;
    for (const frame of frames) this.pending.push(frame);
    this.deliverPending();
  }

  private deliverPending(): void {
    // A listener may call pause/resume while we deliver; the outer loop carries on.
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.inputHeld && !this.closeInfo && !this.abortInfo && this.pendingHead < this.pending.length) {
        const frame = this.pending[this.pendingHead]!;
        this.pendingHead += 1;
        this.deliver(frame);
      }
      if (this.pendingHead >= this.pending.length) {
        this.pending = [];
        this.pendingHead = 0;
        const streamError = this.pendingStreamError;
        if (streamError && !this.closeInfo) this.close(this.malformedReason(streamError.offset, streamError, false), streamError);
      }
    } finally {
      this.delivering = false;
    }
  }

  private deliver(frame: Frame): void {
    const frameOffset = this.deliveredOffset;
    this.deliveredOffset += FRAME_HEADER_SIZE + frame.body.length;
    let value: XpcValue | undefined;
    let located: Uint8Array | undefined;
    if (frame.body.length > 0) {
      const decoded = decodeXpcLocating(frame.body, this.locateEntry, this.decodeLimits);
      if (!decoded.ok) {
        const { error } = decoded;
        this.close(this.malformedReason(frameOffset + FRAME_HEADER_SIZE + error.offset, error, true), error);
        return;
      }
      value = decoded.value;
      located = decoded.located;
    }
    try {
      this.emit('message', new ReceivedMessage(frame, value, located));
    } catch (error) {
      // A failing handler is a bug on our side, but it must take down only this connection.
      this.close(`message handler failed on message ${frame.messageId} from ${this.peerLabel}: ${describe(error)}`, asError(error));
    }
  }

  /** "malformed frame from pid 1234 at stream offset 48: bad magic: expected …, found 0xdeadbeef". */
  private malformedReason(streamOffset: number, error: XpcDecodeError, inBody: boolean): string {
    const what = `${error.code.replace(/-/g, ' ')}${inBody ? ' in message body' : ''}`;
    return `malformed frame from ${this.peerLabel} at stream offset ${streamOffset}: ${what}: ${error.detail}`;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
