import { writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_FLAGS, encodeFrame, encodeMessageFrame, FRAME_HEADER_SIZE, FrameFlag } from '../../app/xpc/frame';
import { bytesEqual, xpc, xpcEquals, type XpcValue } from '../../app/xpc/value';
import { MessageConnection, type ConnectionClose, type IncomingMessage } from './connection';
import { getPeerCredentials } from './peer-credentials';
import { concatBytes, delay, FRAME_SENDER_JS, makeTempDir, spawnNode, waitFor, type TempDir } from './test-helpers';



let tmp: TempDir;
let server: Server | undefined;
const openSockets: Socket[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(async () => {
  for (const s of openSockets.splice(0)) s.destroy();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  tmp.cleanup();
});

interface Accepted {
  readonly conn: MessageConnection;
  readonly socket: Socket;
  readonly messages: IncomingMessage[];
  readonly chunks: number[];
  closed?: ConnectionClose;
}

/**
 * A plain Unix server wrapping each accepted socket in a MessageConnection, recording the
 * raw chunk sizes the socket delivered next to the decoded messages.
 */
async function startServer(onAccept?: (accepted: Accepted) => void): Promise<{ path: string; accepted: Accepted[] }> {
  const path = join(tmp.dir, 's');
  const accepted: Accepted[] = [];
  server = createServer((socket) => {
    openSockets.push(socket);
    const chunks: number[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk.length));
    const conn = new MessageConnection(socket, getPeerCredentials(socket));
    const entry: Accepted = { conn, socket, messages: [], chunks };
    conn.on('message', (m) => entry.messages.push(m));
    conn.on('close', (info) => {
      entry.closed = info;
    });
    accepted.push(entry);
    onAccept?.(entry);
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  return { path, accepted };
}

const clientSockets = new WeakMap<MessageConnection, Socket>();

async function connectClient(path: string): Promise<MessageConnection> {
  const socket = connect(path);
  openSockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  const conn = new MessageConnection(socket, getPeerCredentials(socket));
  clientSockets.set(conn, socket);
  return conn;
}

/** The socket under a client connection, for writing bytes the connection itself would never produce. */
function rawSocket(conn: MessageConnection): Socket {
  const socket = clientSockets.get(conn);
  if (!socket) throw new Error(`no raw socket for connection ${conn.id}`);
  return socket;
}

const SAMPLE_VALUES: XpcValue[] = [
  xpc.dictionary({
    op: xpc.string('lookup'),
    name: xpc.string('com.example.échantillon'),
    pid: xpc.int64(-42n),
    big: xpc.uint64(18446744073709551615n),
    ratio: xpc.double(0.1),
    blob: xpc.data(new Uint8Array([0, 1, 2, 3, 4, 5, 6])),
    list: xpc.array([xpc.bool(true), xpc.null(), xpc.string('')]),
  }),
  xpc.string('x'.repeat(1000)),
  xpc.array([]),
  xpc.dictionary({}),
  xpc.uuid(new Uint8Array(16).map((_, i) => i * 7)),
];

function sampleFrames(count: number): { frames: Uint8Array[]; values: XpcValue[]; ids: bigint[]; flags: number[] } {
  const frames: Uint8Array[] = [];
  const values: XpcValue[] = [];
  const ids: bigint[] = [];
  const flags: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = SAMPLE_VALUES[i % SAMPLE_VALUES.length]!;
    const id = BigInt(i + 1) * 1_000_003n;
    const f = i % 2 === 0 ? FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY : DEFAULT_MESSAGE_FLAGS;
    frames.push(encodeMessageFrame(value, id, f));
    values.push(value);
    ids.push(id);
    flags.push(f);
  }
  return { frames, values, ids, flags };
}

function expectMessages(received: readonly IncomingMessage[], sent: ReturnType<typeof sampleFrames>): void {
  expect(received.length).toBe(sent.frames.length);
  received.forEach((m, i) => {
    expect(m.messageId).toBe(sent.ids[i]);
    expect(m.flags).toBe(sent.flags[i]);
    expect(m.value !== undefined && xpcEquals(m.value, sent.values[i]!)).toBe(true);
    expect(bytesEqual(m.bytes, sent.frames[i]!)).toBe(true);
  });
}

describe('MessageConnection framing', () => {
  it('delivers identical messages when the peer writes one byte at a time', async () => {
    const { path, accepted } = await startServer();
    const sent = sampleFrames(4);
    const file = join(tmp.dir, 'frames.bin');
    const stream = concatBytes(sent.frames);
    writeFileSync(file, stream);
    const child = spawnNode(FRAME_SENDER_JS, [path, file, 'bytewise']);
    await child.waitForLine(/written/, 20_000);
    await waitFor(() => accepted[0]?.messages.length === sent.frames.length, 'all frames delivered');
    const { messages, chunks, closed } = accepted[0]!;
    // The test only means something if frames really arrived split: many chunks per frame.
    expect(chunks.length).toBeGreaterThan(sent.frames.length * 3);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(stream.length);
    expectMessages(messages, sent);
    expect(closed).toBeUndefined();
    accepted[0]!.conn.close('test done');
    expect((await child.exited).code).toBe(0);
  });

  it('delivers every frame when one write carries many frames', async () => {
    const { path, accepted } = await startServer();
    const sent = sampleFrames(500);
    const file = join(tmp.dir, 'frames.bin');
    writeFileSync(file, concatBytes(sent.frames));
    const child = spawnNode(FRAME_SENDER_JS, [path, file, 'whole']);
    await waitFor(() => accepted[0]?.messages.length === sent.frames.length, 'all 500 frames delivered');
    expect(accepted[0]!.chunks.length).toBeLessThan(sent.frames.length);
    expectMessages(accepted[0]!.messages, sent);
    accepted[0]!.conn.close('test done');
    expect((await child.exited).code).toBe(0);
  });

  it('delivers an empty-body control frame with an undefined value', async () => {
    const { path, accepted } = await startServer();
    const client = await connectClient(path);
    expect(client.send(undefined, 7n, FrameFlag.ALWAYS_SET | FrameFlag.PING)).toBe(true);
    await waitFor(() => accepted[0]?.messages.length === 1, 'control frame');
    const m = accepted[0]!.messages[0]!;
    expect(m.value).toBeUndefined();
    expect(m.messageId).toBe(7n);
    expect(m.flags).toBe(FrameFlag.ALWAYS_SET | FrameFlag.PING);
    expect(m.bytes.length).toBe(FRAME_HEADER_SIZE);
  });

  it('carries values both ways and reports the kernel credentials of each side', async () => {
    const { path, accepted } = await startServer((a) => a.conn.on('message', (m) => a.conn.send(m.value, m.messageId, FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.REPLY)));
    const client = await connectClient(path);
    const replies: IncomingMessage[] = [];
    client.on('message', (m) => replies.push(m));
    const value = SAMPLE_VALUES[0]!;
    client.send(value, client.nextMessageId(), FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY);
    await waitFor(() => replies.length === 1, 'echoed reply');
    expect(replies[0]!.messageId).toBe(1n);
    expect(replies[0]!.flags).toBe(FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.REPLY);
    expect(xpcEquals(replies[0]!.value!, value)).toBe(true);
    expect(client.peer).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    expect(accepted[0]!.conn.peer.pid).toBe(process.pid);
    expect(accepted[0]!.conn.id).not.toBe(client.id);
  });
});

describe('MessageConnection malformed input', () => {
  it('closes with the peer pid, stream offset and cause when a header has a bad magic', async () => {
    const { path, accepted } = await startServer();
    const good = encodeMessageFrame(xpc.string('first'), 1n, DEFAULT_MESSAGE_FLAGS);
    const bad = new Uint8Array(FRAME_HEADER_SIZE);
    new DataView(bad.buffer).setUint32(0, 0xdeadbeef, true);
    const file = join(tmp.dir, 'bad.bin');
    writeFileSync(file, concatBytes([good, bad]));
    const child = spawnNode(FRAME_SENDER_JS, [path, file, 'whole']);
    await waitFor(() => accepted[0]?.closed !== undefined, 'connection closed');
    const entry = accepted[0]!;
    expect(entry.messages).toHaveLength(1);
    expect(entry.closed!.reason).toMatch(new RegExp(`^malformed frame from pid ${child.pid} at stream offset ${good.length}: .*magic.*0xdeadbeef`, 'i'));
    expect(entry.closed!.error).toBeInstanceOf(Error);
    expect((await child.exited).stdout).toMatch(/closed/);
  });

  it('closes with an offset inside the body when the body is not valid XPC', async () => {
    const { path, accepted } = await startServer();
    const garbageBody = new Uint8Array([0x42, 0x37, 0x13, 0x42, 5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const frame = encodeFrame({ flags: DEFAULT_MESSAGE_FLAGS, messageId: 3n, body: garbageBody });
    const client = await connectClient(path);
    client.send(xpc.bool(true), 1n, DEFAULT_MESSAGE_FLAGS);
    // Frames sent in a tick reach the socket at its end; the raw frame must follow them.
    await new Promise((resolve) => setImmediate(resolve));
    rawSocket(client).write(frame);
    await waitFor(() => accepted[0]?.closed !== undefined, 'connection closed');
    const first = encodeMessageFrame(xpc.bool(true), 1n, DEFAULT_MESSAGE_FLAGS);
    const match = accepted[0]!.closed!.reason.match(/^malformed frame from pid (\d+) at stream offset (\d+): /);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBe(process.pid);
    const offset = Number(match![2]);
    expect(offset).toBeGreaterThanOrEqual(first.length + FRAME_HEADER_SIZE);
    expect(offset).toBeLessThanOrEqual(first.length + frame.length);
    expect(accepted[0]!.messages).toHaveLength(1);
  });

  it('rejects a huge declared body length at the length field, without waiting for the body', async () => {
    const { path, accepted } = await startServer();
    const client = await connectClient(path);
    const header = encodeFrame({ flags: DEFAULT_MESSAGE_FLAGS, messageId: 1n, body: new Uint8Array(0) });
    new DataView(header.buffer).setBigUint64(8, 0xffff_ffff_ffff_fff0n, true);
    rawSocket(client).write(header);
    await waitFor(() => accepted[0]?.closed !== undefined, 'connection closed');
    expect(accepted[0]!.closed!.reason).toMatch(new RegExp(`^malformed frame from pid ${process.pid} at stream offset 8: too large: `));
    await waitFor(() => client.closed, 'client sees the close');
  });

  it('reports a stream that ends in the middle of a frame as truncated', async () => {
    const { path, accepted } = await startServer();
    const client = await connectClient(path);
    const whole = encodeMessageFrame(xpc.string('complete'), 1n);
    const cut = encodeMessageFrame(xpc.string('cut short'), 2n);
    rawSocket(client).end(concatBytes([whole, cut.subarray(0, 30)]));
    await waitFor(() => accepted[0]?.closed !== undefined, 'connection closed');
    expect(accepted[0]!.messages.map((m) => m.messageId)).toEqual([1n]);
    expect(accepted[0]!.closed!.reason).toBe(
      `malformed frame from pid ${process.pid} at stream offset ${whole.length}: truncated: the connection ended 30 bytes into a frame`,
    );
  });

  it('closes only the connection whose message handler throws, with the failure as reason', async () => {
    const { path, accepted } = await startServer((a) =>
      a.conn.on('message', (m) => {
        if (m.messageId === 2n) throw new Error('handler bug');
      }),
    );
    const client = await connectClient(path);
    client.send(xpc.null(), 1n, DEFAULT_MESSAGE_FLAGS);
    client.send(xpc.null(), 2n, DEFAULT_MESSAGE_FLAGS);
    client.send(xpc.null(), 3n, DEFAULT_MESSAGE_FLAGS);
    await waitFor(() => accepted[0]?.closed !== undefined, 'connection closed');
    expect(accepted[0]!.closed!.reason).toMatch(/message handler failed on message 2 from pid \d+: handler bug/);
    expect(accepted[0]!.messages.map((m) => m.messageId)).toEqual([1n, 2n]);
    await waitFor(() => client.closed, 'client sees the close');
  });
});

describe('MessageConnection lifecycle', () => {
  it('numbers outgoing messages 1, 2, 3 per connection', async () => {
    const { path } = await startServer();
    const a = await connectClient(path);
    const b = await connectClient(path);
    expect([a.nextMessageId(), a.nextMessageId(), a.nextMessageId()]).toEqual([1n, 2n, 3n]);
    expect(b.nextMessageId()).toBe(1n);
  });

  it('reports a clean peer close without an error, and refuses to send afterwards', async () => {
    const { path, accepted } = await startServer();
    const client = await connectClient(path);
    const closes: ConnectionClose[] = [];
    client.on('close', (c) => closes.push(c));
    await waitFor(() => accepted.length === 1, 'accepted');
    accepted[0]!.conn.close('done here');
    await waitFor(() => closes.length === 1, 'client close event');
    expect(closes[0]).toEqual({ reason: 'peer closed the connection' });
    expect(accepted[0]!.closed).toEqual({ reason: 'done here' });
    expect(client.send(xpc.null(), 1n)).toBe(false);
    await expect(client.sendAsync(xpc.null(), 2n)).rejects.toThrow(`connection ${client.id} to pid ${process.pid} is closed: peer closed the connection`);
    expect(closes).toHaveLength(1);
  });

  it('end() flushes what was sent before closing', async () => {
    const { path, accepted } = await startServer();
    const client = await connectClient(path);
    for (let i = 1; i <= 100; i++) client.send(xpc.data(new Uint8Array(10_000)), BigInt(i), DEFAULT_MESSAGE_FLAGS);
    client.end('finished');
    await waitFor(() => accepted[0]?.closed !== undefined, 'server side closed');
    expect(accepted[0]!.messages).toHaveLength(100);
    await waitFor(() => client.closed, 'client closed');
    expect(client.closeReason).toEqual({ reason: 'finished' });
  });
});

describe('MessageConnection backpressure', () => {
  it('pause() holds back frames already received until resume(), in order', async () => {
    const { path, accepted } = await startServer((a) =>
      a.conn.on('message', (m) => {
        if (m.messageId === 1n) a.conn.pause();
      }),
    );
    const client = await connectClient(path);
    // Cork so all ten frames go out in one write and arrive in one chunk.
    const socket = rawSocket(client);
    socket.cork();
    for (let i = 1; i <= 10; i++) client.send(xpc.int64(i), BigInt(i), DEFAULT_MESSAGE_FLAGS);
    socket.uncork();
    await waitFor(() => accepted[0]?.messages.length === 1, 'first message');
    await delay(100);
    expect(accepted[0]!.messages).toHaveLength(1);
    expect(accepted[0]!.conn.isPaused).toBe(true);
    accepted[0]!.conn.resume();
    await waitFor(() => accepted[0]!.messages.length === 10, 'remaining messages');
    expect(accepted[0]!.messages.map((m) => m.messageId)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  });

  it('sendAsync against a paused reader stalls with writableLength bounded, then completes after resume', async () => {
    const { path, accepted } = await startServer((a) => a.conn.pause());
    const client = await connectClient(path);
    const payload = xpc.data(new Uint8Array(64 * 1024).fill(0xab));
    const frameBytes = encodeMessageFrame(payload, 1n, DEFAULT_MESSAGE_FLAGS).length;
    const total = 400; // 26 MB: far more than any kernel socket buffer
    let sent = 0;
    let maxBuffered = 0;
    // Sample continuously: the peak is reached while the sender waits for 'drain'.
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, client.bufferedBytes);
    }, 1);
    const sender = (async () => {
      for (let i = 1; i <= total; i++) {
        await client.sendAsync(payload, BigInt(i), DEFAULT_MESSAGE_FLAGS);
        sent = i;
        maxBuffered = Math.max(maxBuffered, client.bufferedBytes);
      }
    })();
    // Let the sender run until the kernel buffers are full and it stalls.
    let lastSent = -1;
    while (sent !== lastSent) {
      lastSent = sent;
      await delay(200);
    }
    expect(sent).toBeLessThan(total);
    expect(accepted[0]!.messages).toHaveLength(0);
    // The output buffer did fill up to the high-water mark, and never went one frame past it.
    expect(maxBuffered).toBeGreaterThanOrEqual(client.highWaterMark);
    expect(maxBuffered).toBeLessThanOrEqual(client.highWaterMark + frameBytes);

    accepted[0]!.conn.resume();
    await sender;
    await waitFor(() => accepted[0]!.messages.length === total, 'all messages after resume', 20_000);
    clearInterval(sampler);
    expect(accepted[0]!.messages.every((m, i) => m.messageId === BigInt(i + 1))).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(client.highWaterMark + frameBytes);
  });
});
