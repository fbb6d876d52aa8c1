import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessageFrame, FrameFlag } from '../../app/xpc/frame';
import { xpc, xpcEquals, type XpcValue } from '../../app/xpc/value';
import type { ConnectionClose, IncomingMessage, MessageConnection } from './connection';
import { connectUnix, listenUnix, type UnixServer } from './server';
import { MAX_SOCKET_PATH_BYTES } from './socket-dir';
import { concatBytes, FRAME_SENDER_JS, makeTempDir, spawnNode, waitFor, type TempDir } from './test-helpers';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const REQUEST_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY;
const REPLY_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.REPLY;

let tmp: TempDir;
const servers: UnixServer[] = [];
const clients: MessageConnection[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close('test over');
  for (const s of servers.splice(0)) await s.close();
  tmp.cleanup();
});

interface EchoServer {
  readonly server: UnixServer;
  readonly logs: string[];
  readonly closes: Map<MessageConnection, ConnectionClose>;
}

/** A server that answers every message with the same value as a reply. */
async function startEchoServer(path: string, extra: { allowRootPeers?: boolean } = {}): Promise<EchoServer> {
  const logs: string[] = [];
  const closes = new Map<MessageConnection, ConnectionClose>();
  const server = await listenUnix(path, {
    ...extra,
    log: (line) => logs.push(line),
    onConnection(conn) {
      conn.on('message', (m) => conn.send(m.value, m.messageId, REPLY_FLAGS));
      conn.on('close', (info) => closes.set(conn, info));
    },
  });
  servers.push(server);
  return { server, logs, closes };
}

async function roundTrip(path: string, value: XpcValue): Promise<IncomingMessage> {
  const conn = await connectUnix(path);
  clients.push(conn);
  const reply = new Promise<IncomingMessage>((resolve) => conn.once('message', resolve));
  const id = conn.nextMessageId();
  conn.send(value, id, REQUEST_FLAGS);
  const m = await reply;
  expect(m.messageId).toBe(id);
  expect(m.flags).toBe(REPLY_FLAGS);
  expect(m.value !== undefined && xpcEquals(m.value, value)).toBe(true);
  conn.close('round trip done');
  return m;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** A child that listens on `path` and prints `listening`; killed with SIGKILL it leaves the socket file behind. */
const CHILD_LISTENER = `
import net from 'node:net';
net.createServer((s) => s.end()).listen(process.argv[1], () => console.log('listening'));
`;

describe('listenUnix', () => {
  it('creates a 0700 directory and a 0600 socket, and round-trips messages', async () => {
    const path = join(tmp.dir, 'run', 'broker.sock');
    const { server } = await startEchoServer(path);
    expect(server.path).toBe(path);
    expect(modeOf(join(tmp.dir, 'run'))).toBe(0o700);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(modeOf(path)).toBe(0o600);
    await roundTrip(path, xpc.dictionary({ hello: xpc.string('world') }));
  });

  it('tracks open connections and closes them, removing the socket file, on close()', async () => {
    const path = join(tmp.dir, 'broker.sock');
    const { server } = await startEchoServer(path);
    const a = await connectUnix(path);
    const b = await connectUnix(path);
    await waitFor(() => server.connections.size === 2, 'two connections');
    expect([...server.connections].every((c) => c.peer.pid === process.pid)).toBe(true);
    const closed: string[] = [];
    a.on('close', (c) => closed.push(`a:${c.reason}`));
    b.on('close', (c) => closed.push(`b:${c.reason}`));
    await servers.pop()!.close();
    expect(existsSync(path)).toBe(false);
    expect(server.connections.size).toBe(0);
    await waitFor(() => closed.length === 2, 'clients notice the close');
    expect(closed.sort()).toEqual(['a:peer closed the connection', 'b:peer closed the connection']);
  });

  it('replaces a stale socket file left by a broker that was killed', async () => {
    const path = join(tmp.dir, 'broker.sock');
    const child = spawnNode(CHILD_LISTENER, [path]);
    await child.waitForLine(/listening/);
    child.process.kill('SIGKILL');
    await child.exited;
    expect(lstatSync(path).isSocket()).toBe(true);
    await startEchoServer(path);
    await roundTrip(path, xpc.string('after stale'));
  });

  it('refuses to start while another broker answers on the path, leaving that one working', async () => {
    const path = join(tmp.dir, 'broker.sock');
    await startEchoServer(path);
    await expect(listenUnix(path, { onConnection() {} })).rejects.toThrow(`another broker is listening on ${path}`);
    await roundTrip(path, xpc.string('still here'));
  });

  it('refuses a path that exists and is not a socket, without deleting it', async () => {
    const path = join(tmp.dir, 'broker.sock');
    writeFileSync(path, 'precious');
    await expect(listenUnix(path, { onConnection() {} })).rejects.toThrow(`${path} exists and is not a socket`);
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('refuses a loose socket directory that we own, leaving its mode alone', async () => {
    const dir = join(tmp.dir, 'loose');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    await expect(listenUnix(join(dir, 'broker.sock'), { onConnection() {} })).rejects.toThrow(`socket directory ${dir} has mode 0777`);
    expect(modeOf(dir)).toBe(0o777);
  });

  it.skipIf(!isRoot)('refuses a socket directory owned by another user (needs root)', async () => {
    const dir = join(tmp.dir, 'foreign');
    mkdirSync(dir, { mode: 0o777 });
    chownSync(dir, NOBODY, NOBODY);
    await expect(listenUnix(join(dir, 'broker.sock'), { onConnection() {} })).rejects.toThrow(
      new RegExp(`socket directory ${dir} is owned by uid ${NOBODY}`),
    );
  });

  it('rejects a socket path too long for a socket address, naming it', async () => {
    const path = join(tmp.dir, 'x'.repeat(MAX_SOCKET_PATH_BYTES), 'broker.sock');
    await expect(listenUnix(path, { onConnection() {} })).rejects.toThrow(`socket path ${path} is`);
    await expect(connectUnix(path)).rejects.toThrow(/longer than/);
  });

  it.skipIf(!isRoot)('refuses a peer running as another uid and logs why, while same-uid peers work (needs root)', async () => {
    const path = join(tmp.dir, 'broker.sock');
    const { server, logs } = await startEchoServer(path);
    // Open the file-system gate on purpose: the uid check must still stop the peer.
    chmodSync(tmp.dir, 0o755);
    chmodSync(path, 0o666);
    const file = join(tmp.dir, 'frames.bin');
    writeFileSync(file, encodeMessageFrame(xpc.string('let me in'), 1n, REQUEST_FLAGS));
    chmodSync(file, 0o644);
    const child = spawnNode(FRAME_SENDER_JS, [path, file, 'whole'], { uid: NOBODY, gid: NOBODY });
    const result = await child.exited;
    expect(result.stdout).toMatch(/connected pid=\d+/);
    expect(result.stdout).toMatch(/closed/);
    expect(logs.some((l) => l.includes(`refused a connection on ${path}: peer pid ${child.pid} runs as uid ${NOBODY}, not as our uid 0`))).toBe(true);
    expect(server.connections.size).toBe(0);
    await roundTrip(path, xpc.string('same uid'));
  });
});

describe('malformed input through the server', () => {
  it('closes only the offending connection, logs the reason, and keeps serving another one', async () => {
    const path = join(tmp.dir, 'broker.sock');
    const { server, logs, closes } = await startEchoServer(path);
    const bystander = await connectUnix(path);
    clients.push(bystander);
    const replies: IncomingMessage[] = [];
    bystander.on('message', (m) => replies.push(m));
    bystander.send(xpc.int64(1), 1n, REQUEST_FLAGS);
    await waitFor(() => replies.length === 1, 'bystander first reply');

    const good = encodeMessageFrame(xpc.string('ok'), 1n, REQUEST_FLAGS);
    const garbage = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const file = join(tmp.dir, 'frames.bin');
    writeFileSync(file, concatBytes([good, garbage]));
    const child = spawnNode(FRAME_SENDER_JS, [path, file, 'whole']);
    const result = await child.exited;
    expect(result.stdout, JSON.stringify(result)).toMatch(/closed/);
    await waitFor(() => logs.length > 0, 'logged close');
    const offender = [...closes.entries()].find(([conn]) => conn.peer.pid === child.pid);
    expect(offender?.[1].reason).toMatch(new RegExp(`^malformed frame from pid ${child.pid} at stream offset ${good.length}: `));
    expect(logs.join('\n')).toContain(`malformed frame from pid ${child.pid} at stream offset ${good.length}`);

    bystander.send(xpc.int64(2), 2n, REQUEST_FLAGS);
    await waitFor(() => replies.length === 2, 'bystander second reply');
    expect(replies[1]!.value).toEqual(xpc.int64(2));
    expect(server.connections.size).toBe(1);
  });
});

describe('connectUnix', () => {
  it('reports the server side credentials from the kernel', async () => {
    const path = join(tmp.dir, 'broker.sock');
    await startEchoServer(path);
    const conn = await connectUnix(path);
    clients.push(conn);
    expect(conn.peer).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  });

  it('says clearly when no socket exists at the path', async () => {
    const path = join(tmp.dir, 'missing.sock');
    await expect(connectUnix(path)).rejects.toThrow(`cannot connect to ${path}: no socket there`);
  });

  it('says clearly when the socket file is stale', async () => {
    const path = join(tmp.dir, 'broker.sock');
    const child = spawnNode(CHILD_LISTENER, [path]);
    await child.waitForLine(/listening/);
    child.process.kill('SIGKILL');
    await child.exited;
    await expect(connectUnix(path)).rejects.toThrow(`cannot connect to ${path}: nothing is listening`);
  });
});
