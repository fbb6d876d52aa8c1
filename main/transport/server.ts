/**
 * The listening and connecting ends of the broker socket.
 *
 * The server socket is created inside a private 0700 directory and made 0600; each
 * accepted peer's credentials are read from the kernel, and peers of another uid are
 * refused before a single byte of theirs is read.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { MessageConnection, type MessageConnectionOptions } from './connection';
import { PartialFrameBudget } from './partial-frames';
import { getPeerCredentials, type PeerCredentials } from './peer-credentials';
import { peerUidRefusal } from './peer-policy';
import { checkSocketPathLength, currentUid, ensurePrivateDirectory } from './socket-dir';
import { claimSocketPath } from './stale-socket';

export interface UnixServerOptions extends MessageConnectionOptions {
  /** Called once per accepted, credential-checked connection; attach listeners here. */
  onConnection(conn: MessageConnection): void;
  /** Errors of the listening socket itself (not of single connections). */
  onError?(error: Error): void;
  /** Accept peers running as root even when we are not root. Default false. */
  readonly allowRootPeers?: boolean;
  /** Where refusals and abnormal connection closes are reported. Default: console.warn. */
  readonly log?: (line: string) => void;
  /** Connections open at once; a connection past it is closed as soon as it is accepted. Default: no cap. */
  readonly maxConnections?: number;
  /** Unfinished incoming frames of all connections together; past it the largest holders are closed. Default: no bound. */
  readonly partialFramesLimitBytes?: number;
}

export interface UnixServer {
  readonly path: string;
  /** Connections currently open. */
  readonly connections: ReadonlySet<MessageConnection>;
  /** Stops listening, closes every connection and removes the socket file. */
  close(): Promise<void>;
}

const defaultLog = (line: string): void => console.warn(`xpc-inspector transport: ${line}`);

export async function listenUnix(path: string, options: UnixServerOptions): Promise<UnixServer> {
  checkSocketPathLength(path);
  ensurePrivateDirectory(dirname(path));
  await claimSocketPath(path);

  const log = options.log ?? defaultLog;
  const policy = { ownUid: currentUid(), allowRoot: options.allowRootPeers ?? false };
  const connections = new Set<MessageConnection>();
  const maxConnections = options.maxConnections ?? Infinity;
  const partialFrames = options.partialFramesLimitBytes === undefined ? undefined : new PartialFrameBudget(options.partialFramesLimitBytes);
  const connectionOptions: MessageConnectionOptions = partialFrames === undefined ? options : { ...options, partialFrames };
  const name = (peer: PeerCredentials): string => options.describePeer?.(peer) ?? `pid ${peer.pid}`;

  const accept = (socket: Socket): void => {
    // Until a MessageConnection owns the socket, an error must not become an uncaught exception.
    socket.on('error', () => {});
    let peer: PeerCredentials;
    try {
      peer = getPeerCredentials(socket);
    } catch (error) {
      log(`refused a connection on ${path}: cannot read peer credentials: ${(error as Error).message}`);
      socket.destroy();
      return;
    }
    const refusal = peerUidRefusal(peer, policy);
    if (refusal !== undefined) {
      log(`refused a connection on ${path}: ${refusal}`);
      socket.destroy();
      return;
    }
    if (connections.size >= maxConnections) {
      // Existing connections are unaffected; the newcomer learns nothing but the close.
      log(`refused a connection on ${path} from ${name(peer)}: ${connections.size} connections are open, the most allowed (maxConnections)`);
      socket.destroy();
      return;
    }
    const conn = new MessageConnection(socket, peer, connectionOptions);
    connections.add(conn);
    conn.on('close', ({ reason, error }) => {
      connections.delete(conn);
      if (error) log(`closed connection ${conn.id} (${conn.peerName}, uid ${peer.uid}): ${reason}`);
    });
    try {
      options.onConnection(conn);
    } catch (error) {
      conn.close(`connection handler failed: ${(error as Error).message}`, error as Error);
    }
  };

  const server = createServer(accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => {
    if (options.onError) options.onError(error);
    else log(`server on ${path}: ${error.message}`);
  });

  // The directory already keeps others out; 0600 keeps the socket private even if it is moved or the directory loosened.
  chmodSync(path, 0o600);
  const { dev, ino } = lstatSync(path);

  return {
    path,
    connections,
    close: () => closeServer(server, path, connections, dev, ino),
  };
}

async function closeServer(server: Server, path: string, connections: Set<MessageConnection>, dev: number, ino: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const conn of [...connections]) conn.close('server closed');
  await closed;
  // Only remove the file we created: another broker may have claimed the path since.
  try {
    const st = lstatSync(path);
    if (st.dev === dev && st.ino === ino) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export interface ConnectOptions extends MessageConnectionOptions {
  /** Accept a server running as root. Default true: root can impersonate anyone anyway. */
  readonly allowRootServer?: boolean;
}

/** Connects to a broker socket; the server's credentials come from the kernel like a server's peers do. */
export async function connectUnix(path: string, options: ConnectOptions = {}): Promise<MessageConnection> {
  checkSocketPathLength(path);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(path);
    const onError = (error: NodeJS.ErrnoException): void => reject(new Error(connectFailure(path, error)));
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
  try {
    const peer = getPeerCredentials(socket);
    const refusal = peerUidRefusal(peer, { ownUid: currentUid(), allowRoot: options.allowRootServer ?? true });
    if (refusal !== undefined) throw new Error(`refusing the server on ${path}: ${refusal}`);
    return new MessageConnection(socket, peer, options);
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function connectFailure(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `cannot connect to ${path}: no socket there (is the broker running?)`;
    case 'ECONNREFUSED':
      return `cannot connect to ${path}: nothing is listening (stale socket file?)`;
    case 'EACCES':
      return `cannot connect to ${path}: permission denied (socket owned by another user?)`;
    default:
      return `cannot connect to ${path}: ${error.message}`;
  }
}
