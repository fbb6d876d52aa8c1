/**
 * The XPC client library for Node processes talking through the XPC Inspector broker: the
 * connection API of xpc_connection(3) and xpc_main(3), and the session/listener API of the
 * newer XPCSession / XPCListener.
 */
export { configureXpc, shutdownXpc, type RuntimeOptions } from './runtime';
export {
  XPCError,
  XPCMisuseError,
  XPC_ERROR_CONNECTION_INTERRUPTED,
  XPC_ERROR_CONNECTION_INVALID,
  XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT,
  XPC_ERROR_TERMINATION_IMMINENT,
} from './errors';
export {
  XPCConnection,
  createConnection,
  createConnectionFromEndpoint,
  type ConnectionEventHandler,
  type ConnectionOptions,
  type ReplyHandler,
} from './connection';
export { XPCSession, type SessionOptions } from './session';
export { XPCPeerConnection, XPCReceivedMessage, XPCReply, type PeerEventHandler } from './peer';
export {
  XPCListener,
  XPCSessionRequest,
  transactionBegin,
  transactionEnd,
  xpcMain,
  type ListenerOptions,
  type SessionMessageHandler,
} from './listener';
export { xpc, dictGet, dictGetBool, dictGetInt, dictGetString, type XpcValue } from '../app/xpc/value';
