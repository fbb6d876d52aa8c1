/**
 * A process speaking the broker protocol by hand over a real socket, for tests that need
 * to misbehave (never read, never say hello, hold half a frame) or to count exact frames.
 */
import { connect, type Socket } from 'node:net';
import { decodeBrokerOp, encodeProcessOp } from '../../../app/protocol/codec';
import { PROTOCOL_VERSION, type BrokerOp, type BrokerOpOf, type BrokerOpName, type ProcessOp } from '../../../app/protocol/ops';
import { encodeMessageFrame, FrameDecoder } from '../../../app/xpc/frame';
import { decodeXpcOrThrow } from '../../../app/xpc/codec';

/** The frames of `ops`, numbered from `firstId`, as one buffer. */
export function encodeOps(ops: readonly ProcessOp[], firstId = 1): Buffer {
  return Buffer.concat(ops.map((op, i) => encodeMessageFrame(encodeProcessOp(op), BigInt(firstId + i))));
}

export function helloOp(name = 'protocol-client'): ProcessOp {
  return { op: 'hello', version: PROTOCOL_VERSION, name, processType: 'app' };
}

export class ProtocolClient {
  readonly received: BrokerOp[] = [];
  /** Resolves when the socket has closed (for any reason). */
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private nextId = 1;
  private readonly waiters: { match: (op: BrokerOp) => boolean; resolve: (op: BrokerOp) => void }[] = [];
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        if (frame.body.length === 0) continue;
        const decoded = decodeBrokerOp(decodeXpcOrThrow(frame.body));
        if (!decoded.ok) throw new Error(decoded.error);
        this.received.push(decoded.op);
        for (const w of [...this.waiters]) {
          if (!w.match(decoded.op)) continue;
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(decoded.op);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static connect(path: string): Promise<ProtocolClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ProtocolClient(socket));
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  send(...ops: ProcessOp[]): void {
    this.socket.write(encodeOps(ops, this.nextId));
    this.nextId += ops.length;
  }

  /** The first op named `name` matching `match`, received already or to come. */
  next<N extends BrokerOpName>(name: N, match: (op: BrokerOpOf<N>) => boolean = () => true, timeoutMs = 10_000): Promise<BrokerOpOf<N>> {
    const test = (op: BrokerOp): boolean => op.op === name && match(op as BrokerOpOf<N>);
    const seen = this.received.find(test);
    if (seen !== undefined) return Promise.resolve(seen as BrokerOpOf<N>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'; got ${this.received.map((o) => o.op).join(', ')}`)), timeoutMs);
      this.waiters.push({
        match: test,
        resolve: (op) => {
          clearTimeout(timer);
          resolve(op as BrokerOpOf<N>);
        },
      });
    });
  }

  async hello(name?: string): Promise<BrokerOpOf<'hello-ok'>> {
    this.send(helloOp(name));
    return this.next('hello-ok');
  }

  /** A barrier on a connection to a name no job serves: answered by the broker itself. Resolves with the ms it took. */
  async barrierRoundTrip(connection: number, token: number): Promise<number> {
    const started = performance.now();
    this.send({ op: 'barrier', connection, token });
    await this.next('barrier-done', (op) => op.connection === connection && op.token === token);
    return performance.now() - started;
  }

  close(): void {
    this.socket.destroy();
  }
}
