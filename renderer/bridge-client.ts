/**
 * InspectorBridge over browser mode's WebSocket (the protocol is app/bridge/protocol). The
 * browser authenticates the socket with the page's HttpOnly session cookie; no secret is in
 * any URL the page builds.
 *
 * If the socket drops, calls in flight fail with the reason, and the client reconnects with a
 * growing delay; live subscriptions resume from the seq after the last one they received, so
 * the renderer sees no gap and no duplicate.
 */
import type {
  BridgeMethod,
  CaptureExportRequest,
  CapturePage,
  EventBatch,
  ExportOutcome,
  InspectorBridge,
  InterruptedCaptureInfo,
  MessageDetail,
  OpenCaptureRequest,
  OpenCaptureResult,
  SendTestMessageRequest,
  SendTestMessageResult,
  SessionInfo,
  TableExportRequest,
  Unsubscribe,
} from '../app/bridge/contract';
import type { JobSummary } from '../app/events/schema';
import type { ModelSnapshot } from '../app/model/snapshot';
import { decodeBatchFrame } from '../app/bridge/batch-codec';
import { BRIDGE_SOCKET_PATH, type BridgeRequest, type ServerMessage, type StreamMethod, type SubscribeResult } from '../app/bridge/protocol';
import { chooseLocalFile, startDownload, uploadFile } from './file-transfer';

export class BridgeCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeCallError';
  }
}

interface PendingCall {
  readonly method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** Runs as the answer is read, before any later message on the socket (a push may follow at once). */
type OnAnswer = (result: unknown) => void;

interface LocalSubscription {
  readonly onBatch: (batch: EventBatch) => void;
  /** Where to resume after a reconnect: one past the last seq delivered (or the caller's fromSeq). */
  nextSeq: number | undefined;
  /** The server's id for this subscription on the current socket. */
  serverId: number | undefined;
  ended: boolean;
}

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000];

export interface WebSocketBridgeOptions {
  /** ws://host:port/bridge */
  readonly url: string;
  /** Reported when the connection drops or comes back. */
  readonly onStatus?: (status: 'open' | 'closed', detail: string) => void;
  /** The WebSocket class to use (default: the page's own; Node tests pass the ws package's). */
  readonly WebSocket?: new (url: string) => WebSocket;
}

export class WebSocketBridge implements InspectorBridge {
  private socket: WebSocket | undefined;
  private opened: Promise<WebSocket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly subscriptions = new Set<LocalSubscription>();
  private readonly byServerId = new Map<number, LocalSubscription>();
  private reconnectAttempt = 0;
  private closedByUser = false;

  constructor(private readonly options: WebSocketBridgeOptions) {}

  getSession(): Promise<SessionInfo> {
    return this.call('getSession', []) as Promise<SessionInfo>;
  }

  listJobs(): Promise<readonly JobSummary[]> {
    return this.call('listJobs', []) as Promise<readonly JobSummary[]>;
  }

  getSnapshot(throughSeq: number): Promise<ModelSnapshot> {
    return this.call('getSnapshot', [throughSeq]) as Promise<ModelSnapshot>;
  }

  getMessage(message: number, session?: string): Promise<MessageDetail | undefined> {
    return this.call('getMessage', session === undefined ? [message] : [message, session]) as Promise<MessageDetail | undefined>;
  }

  async clear(): Promise<void> {
    await this.call('clear', []);
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.call('setPaused', [paused]);
  }

  async stopService(job: string): Promise<void> {
    await this.call('stopService', [job]);
  }

  sendTestMessage(request: SendTestMessageRequest): Promise<SendTestMessageResult> {
    return this.call('sendTestMessage', [request]) as Promise<SendTestMessageResult>;
  }

  listSessions(): Promise<readonly SessionInfo[]> {
    return this.call('listSessions', []) as Promise<readonly SessionInfo[]>;
  }

  /**
   * Without `file`: the page's file chooser, then an upload (HTTP POST, streamed by the browser)
   * of the chosen file; the host opens the upload. Call it from a user gesture (a click).
   */
  async openCapture(request: OpenCaptureRequest): Promise<OpenCaptureResult> {
    if (request.file !== undefined) return this.call('openCapture', [request]) as Promise<OpenCaptureResult>;
    const chosen = await chooseLocalFile(request.format);
    if (chosen === undefined) return { status: 'cancelled' };
    const uploaded = await uploadFile(this.options.url, chosen);
    return this.call('openCapture', [{ ...request, file: uploaded.file }]) as Promise<OpenCaptureResult>;
  }

  readCapture(session: string, fromSeq?: number): Promise<CapturePage> {
    return this.call('readCapture', fromSeq === undefined ? [session] : [session, fromSeq]) as Promise<CapturePage>;
  }

  async closeCapture(session: string): Promise<void> {
    await this.call('closeCapture', [session]);
  }

  /** The host answers with a one-time download link; the download starts here. */
  async exportCapture(request: CaptureExportRequest): Promise<ExportOutcome> {
    return startDownload(this.options.url, (await this.call('exportCapture', [request])) as ExportOutcome);
  }

  beginTableExport(request: TableExportRequest): Promise<string> {
    return this.call('beginTableExport', [request]) as Promise<string>;
  }

  async appendTableExport(exportId: string, text: string): Promise<void> {
    await this.call('appendTableExport', [exportId, text]);
  }

  async finishTableExport(exportId: string): Promise<ExportOutcome> {
    return startDownload(this.options.url, (await this.call('finishTableExport', [exportId])) as ExportOutcome);
  }

  listInterruptedCaptures(): Promise<readonly InterruptedCaptureInfo[]> {
    return this.call('listInterruptedCaptures', []) as Promise<readonly InterruptedCaptureInfo[]>;
  }

  openInterruptedCapture(path: string): Promise<OpenCaptureResult> {
    return this.call('openInterruptedCapture', [path]) as Promise<OpenCaptureResult>;
  }

  async dismissInterruptedCapture(path: string): Promise<void> {
    await this.call('dismissInterruptedCapture', [path]);
  }

  subscribe(onBatch: (batch: EventBatch) => void, fromSeq?: number): Unsubscribe {
    const subscription: LocalSubscription = { onBatch, nextSeq: fromSeq, serverId: undefined, ended: false };
    this.subscriptions.add(subscription);
    this.startSubscription(subscription);
    return () => {
      if (subscription.ended) return;
      subscription.ended = true;
      this.subscriptions.delete(subscription);
      if (subscription.serverId !== undefined) {
        this.byServerId.delete(subscription.serverId);
        this.call('unsubscribe', [subscription.serverId]).catch(() => undefined);
      }
    };
  }

  /** Closes the socket for good (tests, page unload). */
  close(): void {
    this.closedByUser = true;
    this.socket?.close();
  }

  private startSubscription(subscription: LocalSubscription): void {
    const params = subscription.nextSeq === undefined ? [] : [subscription.nextSeq];
    const onAnswer: OnAnswer = (result) => {
      const { subscription: serverId } = result as SubscribeResult;
      if (subscription.ended) {
        this.call('unsubscribe', [serverId]).catch(() => undefined);
        return;
      }
      subscription.serverId = serverId;
      this.byServerId.set(serverId, subscription);
    };
    this.call('subscribe', params, onAnswer).catch((error: Error) => this.options.onStatus?.('closed', `subscribe failed: ${error.message}`));
  }

  private async call(method: BridgeMethod | StreamMethod, params: readonly unknown[], onAnswer?: OnAnswer): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    const request: BridgeRequest = { id, method, params };
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, {
        method,
        resolve: (result) => {
          onAnswer?.(result);
          resolve(result);
        },
        reject,
      });
      socket.send(JSON.stringify(request));
    });
  }

  private connect(): Promise<WebSocket> {
    if (this.opened !== undefined) return this.opened;
    this.opened = new Promise<WebSocket>((resolve, reject) => {
      const socket = new (this.options.WebSocket ?? WebSocket)(this.options.url);
      // Batches arrive as binary frames (app/bridge/batch-codec), read straight from the buffer.
      socket.binaryType = 'arraybuffer';
      this.socket = socket;
      let isOpen = false;
      socket.onopen = () => {
        isOpen = true;
        this.reconnectAttempt = 0;
        this.options.onStatus?.('open', 'connected');
        resolve(socket);
      };
      socket.onmessage = (event) => this.receive(event.data);
      socket.onclose = (event) => {
        const reason = `the connection to the inspector closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`;
        this.opened = undefined;
        this.socket = undefined;
        if (!isOpen) reject(new Error(`cannot connect to the inspector at ${this.options.url} (if the server was restarted, open its new launch URL)`));
        this.dropConnection(reason);
      };
    });
    return this.opened;
  }

  /** Fails calls in flight, and reconnects if anyone is still subscribed. */
  private dropConnection(reason: string): void {
    for (const call of this.pending.values()) call.reject(new BridgeCallError(call.method, 'disconnected', reason));
    this.pending.clear();
    this.byServerId.clear();
    for (const subscription of this.subscriptions) subscription.serverId = undefined;
    this.options.onStatus?.('closed', reason);
    if (this.closedByUser || this.subscriptions.size === 0) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt++, RECONNECT_DELAYS_MS.length - 1)]!;
    setTimeout(() => {
      for (const subscription of this.subscriptions) this.startSubscription(subscription);
    }, delay);
  }

  private receive(data: unknown): void {
    let message: ServerMessage;
    try {
      if (data instanceof ArrayBuffer) message = { push: 'batch', ...decodeBatchFrame(data) };
      else if (typeof data === 'string') message = JSON.parse(data) as ServerMessage;
      else return;
    } catch {
      return;
    }
    if ('push' in message) {
      const subscription = this.byServerId.get(message.subscription);
      if (subscription === undefined || subscription.ended) return;
      const last = message.batch.events[message.batch.events.length - 1];
      if (last !== undefined) subscription.nextSeq = last.seq + 1;
      subscription.onBatch(message.batch);
      return;
    }
    if (message.id === null) return;
    const call = this.pending.get(message.id);
    if (call === undefined) return;
    this.pending.delete(message.id);
    if ('error' in message) call.reject(new BridgeCallError(call.method, message.error.code, message.error.message));
    else call.resolve(message.result);
  }
}

/** The bridge URL for a page served by `xpc-inspector serve` (the session cookie goes with it). */
export function bridgeUrlFromLocation(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${BRIDGE_SOCKET_PATH}`;
}
