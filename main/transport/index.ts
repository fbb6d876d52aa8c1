/** The broker's socket transport: framed XPC messages over a private Unix-domain socket. */
export { getPeerCredentials, type PeerCredentials } from './peer-credentials';
export { socketFd } from './socket-fd';
export { peerUidRefusal, type PeerUidPolicy } from './peer-policy';
export {
  checkSocketPathLength,
  defaultSocketPath,
  ensurePrivateDirectory,
  MAX_SOCKET_PATH_BYTES,
  runtimeDirectory,
  SOCKET_FILE_NAME,
} from './socket-dir';
export { claimSocketPath } from './stale-socket';
export {
  MessageConnection,
  type ConnectionClose,
  type IncomingMessage,
  type MessageConnectionEvents,
  type MessageConnectionOptions,
} from './connection';
export { type OutboundBudget } from './outbound-budget';
export { PartialFrameBudget, type PartialFrameHolder } from './partial-frames';
export { connectUnix, listenUnix, type ConnectOptions, type UnixServer, type UnixServerOptions } from './server';
export { TypedEmitter, type Listener } from './typed-emitter';
