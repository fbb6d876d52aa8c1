import { chmodSync } from 'node:fs';
import { connect, createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getPeerCredentials, type PeerCredentials } from './peer-credentials';
import { socketFd } from './socket-fd';
import { makeTempDir, spawnNode, type TempDir } from './test-helpers';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let tmp: TempDir;
let server: Server | undefined;

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  tmp.cleanup();
});

/** Listens on a plain Unix socket and resolves with the credentials of the first peer. */
async function listenForPeer(path: string): Promise<{ firstPeer: Promise<{ creds: PeerCredentials; socket: Socket }> }> {
  let resolvePeer!: (v: { creds: PeerCredentials; socket: Socket }) => void;
  let rejectPeer!: (e: unknown) => void;
  const firstPeer = new Promise<{ creds: PeerCredentials; socket: Socket }>((resolve, reject) => {
    resolvePeer = resolve;
    rejectPeer = reject;
  });
  server = createServer((socket) => {
    try {
      resolvePeer({ creds: getPeerCredentials(socket), socket });
    } catch (error) {
      rejectPeer(error);
    }
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  return { firstPeer };
}

const CHILD_CONNECT = `
import net from 'node:net';
const socket = net.connect(process.argv[1], () => console.log('connected pid=' + process.pid));
socket.on('close', () => process.exit(0));
socket.on('error', (e) => { console.error(e.message); process.exit(2); });
`;

describe('getPeerCredentials', () => {
  it('reports this process on both ends of an in-process connection', async () => {
    const path = join(tmp.dir, 's');
    const { firstPeer } = await listenForPeer(path);
    const client = connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    const { creds: seenByServer, socket } = await firstPeer;
    const own = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() };
    expect(seenByServer).toEqual(own);
    expect(getPeerCredentials(client)).toEqual(own);
    client.destroy();
    socket.destroy();
  });

  it("reports a child process's own pid, not the parent's", async () => {
    const path = join(tmp.dir, 's');
    const { firstPeer } = await listenForPeer(path);
    const child = spawnNode(CHILD_CONNECT, [path]);
    const [, printedPid] = (await child.waitForLine(/connected pid=(\d+)/))!;
    const { creds, socket } = await firstPeer;
    expect(creds.pid).toBe(child.pid);
    expect(creds.pid).toBe(Number(printedPid));
    expect(creds.pid).not.toBe(process.pid);
    expect(creds.uid).toBe(process.getuid!());
    socket.destroy();
    expect((await child.exited).code).toBe(0);
  });

  it.skipIf(!isRoot)('reports the uid and gid the child runs as, whatever it could claim (needs root)', async () => {
    const path = join(tmp.dir, 's');
    const { firstPeer } = await listenForPeer(path);
    // Let the unprivileged child reach the socket.
    chmodSync(tmp.dir, 0o755);
    chmodSync(path, 0o666);
    const child = spawnNode(CHILD_CONNECT, [path], { uid: NOBODY, gid: NOBODY });
    const failedEarly = child.exited.then((r) => {
      throw new Error(`child exited before connecting: code=${r.code} stderr=${r.stderr}`);
    });
    const { creds, socket } = await Promise.race([firstPeer, failedEarly]);
    expect(creds).toEqual({ pid: child.pid, uid: NOBODY, gid: NOBODY });
    socket.destroy();
    expect((await child.exited).code).toBe(0);
  });

  it('throws a clear error for a socket that is not connected', () => {
    expect(() => getPeerCredentials(new Socket())).toThrow(/no native handle/);
  });

  it('refuses a TCP socket, where the kernel has no peer process', async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const address = tcp.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const accepted = new Promise<Socket>((resolve) => tcp.once('connection', resolve));
    const client = connect(address.port, '127.0.0.1');
    const serverSide = await accepted;
    expect(() => getPeerCredentials(serverSide)).toThrow(/no peer process/);
    client.destroy();
    serverSide.destroy();
    await new Promise((resolve) => tcp.close(resolve));
  });
});

describe('socketFd', () => {
  it('returns the descriptor of a connected socket', async () => {
    const path = join(tmp.dir, 's');
    const { firstPeer } = await listenForPeer(path);
    const client = connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    const fd = socketFd(client);
    expect(Number.isInteger(fd) && fd > 2).toBe(true);
    client.destroy();
    (await firstPeer).socket.destroy();
  });
});
