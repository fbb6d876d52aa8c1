/**
 * The host side of the bridge, independent of how it is carried (Electron IPC or browser
 * mode's WebSocket). It listens to the broker, keeps the recent events and messages, streams
 * batches to subscribers and answers every bridge operation. Arguments are validated here,
 * whatever transport delivered them.
 */
import { LIVE_SESSION } from '../../app/bridge/contract';
import type {
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
} from '../../app/bridge/contract';
import type { InspectorEvent, JobSummary } from '../../app/events/schema';
import type { ModelSnapshot } from '../../app/model/snapshot';
import { describeXpc } from '../../app/xpc/describe';
import { toXpcJson } from '../../app/xpc/json';
import { payloadFromFrame } from './frame-payload';
import { EventStream, type EventStreamOptions, type SubscribeOptions } from './event-stream';
import { toHex } from './hex';
import { snapshotFromJournal } from './live-snapshot';
import { MessageIndex } from './message-index';
import { sendTestMessage } from './test-message';
import { CaptureLibrary, type LiveCapture } from './capture-library';
import type { HostFileAccess } from './host-files';
import {
  BridgeArgumentError,
  checkBoolean,
  checkCaptureExportRequest,
  checkFromSeq,
  checkId,
  checkMessageId,
  checkName,
  checkOpenCaptureRequest,
  checkPath,
  checkTableExportRequest,
  checkTableText,
  checkTestMessage,
} from './validate';
import { toWireEvent } from './wire-event';

/** The part of the broker the host uses. */
export interface HostedBroker {
  onEvent(listener: (event: InspectorEvent) => void): () => void;
  messageBytes(message: number): Uint8Array | undefined;
  jobs(): readonly JobSummary[];
  stopService(job: string): Promise<void> | void;
  readonly socketPath: string;
}

export interface BridgeHostOptions extends EventStreamOptions {
  readonly broker: HostedBroker;
  /** Where the broker's jobs came from (shown in the session info). */
  readonly jobsDir?: string;
  readonly title?: string;
  /** How many recent messages getMessage can still show (default 100 000). */
  readonly messageIndexCapacity?: number;
  /** Largest frame whose bytes getMessage returns as hex (default 4 MiB). */
  readonly maxWireBytes?: number;
  /** The live session's journal on disk (what exports of the live session read). */
  readonly liveCapture?: LiveCapture;
  /** Where journals live: interrupted ones of earlier runs are offered from here. */
  readonly capturesDir?: string;
  /** How the transport lets the user pick and receive files (can also be set later, useFileAccess). */
  readonly fileAccess?: HostFileAccess;
}

export const DEFAULT_MAX_WIRE_BYTES = 4 * 1024 * 1024;

export class BridgeHost implements InspectorBridge {
  readonly stream: EventStream;
  private readonly broker: HostedBroker;
  private readonly messages: MessageIndex;
  private readonly session: Omit<SessionInfo, 'paused'>;
  /** Opened captures, held files and exports. */
  readonly captures: CaptureLibrary;
  private readonly maxWireBytes: number;
  private readonly liveCapture: LiveCapture | undefined;
  private readonly detach: () => void;

  constructor(options: BridgeHostOptions) {
    this.broker = options.broker;
    this.stream = new EventStream({ ...options, ...(options.liveCapture?.gate !== undefined ? { gate: options.liveCapture.gate } : {}) });
    this.messages = new MessageIndex(options.messageIndexCapacity);
    this.maxWireBytes = options.maxWireBytes ?? DEFAULT_MAX_WIRE_BYTES;
    this.liveCapture = options.liveCapture;
    this.session = {
      id: LIVE_SESSION,
      mode: 'live',
      title: options.title ?? (options.jobsDir ? `Live: ${options.jobsDir}` : 'Live'),
      startedAtWallMs: Date.now(),
      socketPath: this.broker.socketPath,
      jobsDir: options.jobsDir,
      capturePath: options.liveCapture?.path,
    };
    this.captures = new CaptureLibrary({ capturesDir: options.capturesDir, liveCapture: options.liveCapture, liveTitle: 'xpc-capture' });
    if (options.fileAccess !== undefined) this.captures.useFileAccess(options.fileAccess);
    this.detach = this.broker.onEvent((event) => this.observe(event));
  }

  /** Stops listening to the broker and streaming; the broker itself is left running. */
  close(): void {
    this.detach();
    this.stream.close();
    this.captures.dispose();
  }

  /** How the transport lets the user pick and receive files. */
  useFileAccess(access: HostFileAccess): void {
    this.captures.useFileAccess(access);
  }

  async getSession(): Promise<SessionInfo> {
    return { ...this.session, paused: this.stream.paused, heldFromSeq: this.stream.heldFromSeq };
  }

  async getSnapshot(throughSeq: number): Promise<ModelSnapshot> {
    const seq = checkFromSeq(throughSeq, 'getSnapshot');
    if (seq === undefined) throw new BridgeArgumentError('getSnapshot: throughSeq is required');
    if (seq > this.stream.lastSeq) throw new BridgeArgumentError(`getSnapshot: throughSeq ${seq} is past the newest event, seq ${this.stream.lastSeq}`);
    if (this.liveCapture === undefined) throw new Error('getSnapshot: the live session is not journaled, so events the host no longer holds cannot be rebuilt');
    return snapshotFromJournal(this.liveCapture, seq);
  }

  /** Streams batches: first what the host holds (from `fromSeq`), then live events. */
  subscribe(onBatch: (batch: EventBatch) => void, fromSeq?: number, options?: Omit<SubscribeOptions, 'fromSeq'>): Unsubscribe {
    if (typeof onBatch !== 'function') throw new BridgeArgumentError('subscribe: onBatch must be a function');
    return this.stream.subscribe(onBatch, { ...options, fromSeq: checkFromSeq(fromSeq, 'subscribe') });
  }

  async listJobs(): Promise<readonly JobSummary[]> {
    return this.broker.jobs();
  }

  async getMessage(message: number, session?: string): Promise<MessageDetail | undefined> {
    const id = checkMessageId(message, 'getMessage');
    if (session !== undefined && session !== null && checkId(session, 'getMessage', 'session') !== LIVE_SESSION) return this.captures.message(session, id);
    const record = this.messages.get(id);
    if (record === undefined) return undefined;
    const { sent } = record;
    const bytes = this.broker.messageBytes(id);
    const payload = sent.value !== undefined ? { ok: true as const, value: sent.value } : bytes !== undefined ? payloadFromFrame(bytes) : undefined;
    return {
      message: id,
      value: payload?.ok ? toXpcJson(payload.value) : undefined,
      wireHex: bytes !== undefined && bytes.length <= this.maxWireBytes ? toHex(bytes) : undefined,
      description: payload === undefined ? `${sent.summary} (the ${sent.size}-byte frame is no longer held)` : payload.ok ? describeXpc(payload.value) : `${sent.summary} (${payload.reason})`,
      inReplyTo: sent.inReplyTo,
      reply: record.reply,
    };
  }

  async clear(): Promise<void> {
    this.stream.clear();
  }

  async setPaused(paused: boolean): Promise<void> {
    this.stream.setPaused(checkBoolean(paused, 'setPaused', 'paused'));
  }

  async stopService(job: string): Promise<void> {
    const label = checkName(job, 'stopService', 'job');
    const known = this.broker.jobs().map((j) => j.label);
    if (!known.includes(label)) {
      throw new BridgeArgumentError(`stopService: no job labelled ${JSON.stringify(label)}; known jobs: ${known.join(', ') || 'none'}`);
    }
    await this.broker.stopService(label);
  }

  async sendTestMessage(request: SendTestMessageRequest): Promise<SendTestMessageResult> {
    const checked = checkTestMessage(request);
    return sendTestMessage(this.broker, checked);
  }

  async listSessions(): Promise<readonly SessionInfo[]> {
    return [await this.getSession(), ...this.captures.sessionInfos()];
  }

  async openCapture(request: OpenCaptureRequest): Promise<OpenCaptureResult> {
    return this.captures.open(checkOpenCaptureRequest(request));
  }

  async readCapture(session: string, fromSeq?: number): Promise<CapturePage> {
    const id = checkId(session, 'readCapture', 'session');
    return this.captures.read(id, checkFromSeq(fromSeq, 'readCapture') ?? 0);
  }

  async closeCapture(session: string): Promise<void> {
    return this.captures.close(checkId(session, 'closeCapture', 'session'));
  }

  async exportCapture(request: CaptureExportRequest): Promise<ExportOutcome> {
    return this.captures.exportCapture(checkCaptureExportRequest(request));
  }

  async beginTableExport(request: TableExportRequest): Promise<string> {
    return this.captures.beginTable(checkTableExportRequest(request));
  }

  async appendTableExport(exportId: string, text: string): Promise<void> {
    return this.captures.appendTable(checkId(exportId, 'appendTableExport', 'exportId'), checkTableText(text));
  }

  async finishTableExport(exportId: string): Promise<ExportOutcome> {
    return this.captures.finishTable(checkId(exportId, 'finishTableExport', 'exportId'));
  }

  async listInterruptedCaptures(): Promise<readonly InterruptedCaptureInfo[]> {
    return this.captures.interrupted();
  }

  async openInterruptedCapture(path: string): Promise<OpenCaptureResult> {
    return this.captures.openInterrupted(checkPath(path, 'openInterruptedCapture'));
  }

  async dismissInterruptedCapture(path: string): Promise<void> {
    return this.captures.dismissInterrupted(checkPath(path, 'dismissInterruptedCapture'));
  }

  private observe(event: InspectorEvent): void {
    this.messages.observe(event);
    this.stream.push(toWireEvent(event));
  }

}
