/**
 * How the bridge contract travels: the message shapes of browser mode's WebSocket and the
 * channel names of the Electron IPC. Both carry exactly the operations of InspectorBridge.
 *
 * WebSocket: the page sends requests `{id, method, params}` where params are the method's
 * positional arguments; the host answers each with `{id, result}` or `{id, error}` (JSON text
 * frames) and pushes event batches as binary frames (app/bridge/batch-codec: the events' fields
 * in per-kind order instead of JSON objects, decoded in the page into a BatchPush). `subscribe`
 * (params `[fromSeq?]`) answers `{subscription}`; `unsubscribe` takes `[subscription]`.
 */
import type { BridgeMethod, EventBatch } from './contract';

export type StreamMethod = 'subscribe' | 'unsubscribe';

export interface BridgeRequest {
  readonly id: number;
  readonly method: BridgeMethod | StreamMethod;
  readonly params: readonly unknown[];
}

export type BridgeErrorCode =
  | 'bad-message' // not JSON, not an object, or missing id/method/params
  | 'too-large' // over MAX_REQUEST_BYTES
  | 'unknown-method'
  | 'bad-argument' // an argument failed validation
  | 'failed'; // the operation itself failed

export interface BridgeErrorBody {
  readonly code: BridgeErrorCode;
  readonly message: string;
}

export type BridgeResponse =
  | { readonly id: number; readonly result?: unknown }
  | { readonly id: number | null; readonly error: BridgeErrorBody };

/** A pushed batch as the page reads it (on the WebSocket it travels as a binary batch frame). */
export interface BatchPush {
  readonly push: 'batch';
  readonly subscription: number;
  readonly batch: EventBatch;
}

export type ServerMessage = BridgeResponse | BatchPush;

export interface SubscribeResult {
  readonly subscription: number;
}

/** Largest request a page may send (a composer payload of 1 Mi characters fits with escapes). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** The WebSocket path of browser mode; the browser's session cookie authenticates it. */
export const BRIDGE_SOCKET_PATH = '/bridge';

/**
 * Browser mode's file upload: POST the file's bytes to this path with `?name=FILE` (and the session cookie);
 * the answer is UploadResult JSON, whose `file` goes into OpenCaptureRequest.file.
 */
export const UPLOAD_PATH = '/upload';
/** Largest file browser mode accepts as an upload. */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

export interface UploadResult {
  readonly file: string;
  readonly fileName: string;
  readonly bytes: number;
}

/** Browser mode's one-time downloads of exports: `/download/ID`, a random id, with the session cookie. */
export const DOWNLOAD_PATH_PREFIX = '/download/';
/** Largest text one appendTableExport call carries (well under MAX_REQUEST_BYTES once escaped). */
export const MAX_TABLE_CHUNK_CHARS = 1024 * 1024;

/** Electron IPC: one invoke channel per operation, and one channel for pushed batches. */
export const IPC_PREFIX = 'xpc-inspector:';
export const ipcChannel = (method: BridgeMethod | StreamMethod): string => `${IPC_PREFIX}${method}`;
export const IPC_BATCH_CHANNEL = `${IPC_PREFIX}batch`;

export interface IpcBatchMessage {
  readonly subscription: number;
  readonly batch: EventBatch;
}
/** The page took a batch of this subscription (its number is the message): the main process's send window opens by one. */
export const IPC_BATCH_ACK_CHANNEL = `${IPC_PREFIX}batch-ack`;

/** Application-menu commands the Electron shell forwards to the window (the renderer acts on them). */
export const MENU_COMMANDS = ['clear', 'toggle-pause', 'focus-filter', 'open-capture', 'open-description'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
export const IPC_MENU_CHANNEL = `${IPC_PREFIX}menu`;
/** The DOM event type the preload dispatches on `window` for a menu command, e.g. "xpc-inspector:clear". */
export const menuCommandEvent = (command: MenuCommand): string => `${IPC_PREFIX}${command}`;
