/**
 * The bridge between the inspector's host (Electron main process, or the browser-mode server)
 * and the renderer. One typed interface, one method per operation. The preload exposes it with
 * contextBridge; browser mode implements it over a WebSocket. The renderer only sees this type.
 *
 * Everything crossing the bridge is structured-clone / JSON safe: XPC values travel as XPC-JSON
 * trees (app/xpc/json toXpcJson), never as bigint or Map.
 */
import type { CaptureLineError } from '../capture/format';
import type { JobSummary } from '../events/schema';
import type { WireEvent } from '../events/wire-event';
import type { ModelSnapshot } from '../model/snapshot';

export type { WireEvent } from '../events/wire-event';

export interface EventBatch {
  /** Events in seq order; consecutive batches continue without gaps. */
  readonly events: readonly WireEvent[];
  /** Highest seq the host has produced so far (lets the renderer detect gaps). */
  readonly lastSeq: number;
}

export type Unsubscribe = () => void;

/** The id of the live session; opened captures have ids of their own. */
export const LIVE_SESSION = 'live';

export interface SessionInfo {
  /** LIVE_SESSION, or the id of an opened capture (the argument of readCapture, getMessage, exportCapture…). */
  readonly id: string;
  /** 'live' for the running broker, 'capture' for an imported, read-only capture. */
  readonly mode: 'live' | 'capture';
  readonly title: string;
  readonly startedAtWallMs: number;
  readonly socketPath?: string;
  readonly jobsDir?: string;
  readonly capturePath?: string;
  readonly paused: boolean;
  /**
   * The live session: the oldest seq the host can still replay to a subscriber. A window that
   * starts when this is past 1 (a long session, or after Clear) seeds its model with
   * getSnapshot(heldFromSeq - 1) and subscribes from heldFromSeq.
   */
  readonly heldFromSeq?: number;
  /** For an opened capture: what was read from its file. */
  readonly capture?: CaptureFileSummary;
}

export interface CaptureFileSummary {
  readonly fileName: string;
  /** Where the events came from: 'broker', 'probe', 'description-import'… */
  readonly sourceKind: string;
  readonly events: number;
  /** Lines that were skipped because they could not be read. */
  readonly skippedLines: number;
  /** The file has its end line (the capture was closed cleanly). */
  readonly complete: boolean;
  /** The file stops early (an interrupted journal, a truncated .gz). */
  readonly truncated: boolean;
  readonly gzip: boolean;
}

/** One page of an opened capture's events, in seq order. */
export interface CapturePage {
  readonly events: readonly WireEvent[];
  /** Pass as `fromSeq` to get the next page. */
  readonly nextSeq: number;
  /** No events follow this page. */
  readonly done: boolean;
}

export type CaptureFileFormat = 'capture' | 'description';

export interface OpenCaptureRequest {
  /** A capture (.ndjson, .ndjson.gz) or text that xpc_copy_description printed (lldb, logs). */
  readonly format: CaptureFileFormat;
  /**
   * A file the host already holds: an upload (browser mode) or the file of an earlier attempt.
   * Without it the host asks the user for one (the desktop app's open dialog).
   */
  readonly file?: string;
  /** Open what can be read of a damaged file, skipping the bad lines. */
  readonly keepGood?: boolean;
}

export type OpenCaptureResult =
  | { readonly status: 'opened'; readonly session: SessionInfo }
  | { readonly status: 'cancelled' }
  | {
      readonly status: 'invalid';
      /** The file, to open again with keepGood. */
      readonly file: string;
      readonly fileName: string;
      /** The first bad lines, with their line numbers. */
      readonly errors: readonly CaptureLineError[];
      readonly errorCount: number;
      /** Events that could be read. */
      readonly goodEvents: number;
      /** Whether keepGood can open anything (false when the header itself is bad). */
      readonly canKeepGood: boolean;
    };

export interface CaptureExportRequest {
  readonly session: string;
  /** Only the events behind timeline rows matching this filter (the timeline filter language). */
  readonly filter?: string;
  readonly gzip: boolean;
}

export interface TableExportRequest {
  readonly session: string;
  /** File name offered to the user, e.g. "timeline.csv". */
  readonly fileName: string;
}

export type ExportOutcome =
  /** The desktop app wrote the file where the user chose. */
  | { readonly status: 'saved'; readonly path: string; readonly bytes: number }
  /** Browser mode: the file is served once at `url` (the session cookie still required); the bridge starts the download. */
  | { readonly status: 'download'; readonly url: string; readonly fileName: string }
  | { readonly status: 'cancelled' };

/** A journal of an earlier run that was not closed cleanly (the app was killed). */
export interface InterruptedCaptureInfo {
  readonly path: string;
  readonly fileName: string;
  readonly startedAtWallMs: number;
  readonly modifiedAtMs: number;
  readonly sizeBytes: number;
  readonly lastSeq?: number;
}

export interface MessageDetail {
  readonly message: number;
  /** The payload as an XPC-JSON tree. */
  readonly value: unknown;
  /** Raw frame bytes as lower-case hex (header + XPC payload), when still held. */
  readonly wireHex?: string;
  readonly description: string;
  readonly inReplyTo?: number;
  readonly reply?: number;
}

export interface SendTestMessageRequest {
  readonly service: string;
  readonly privileged: boolean;
  readonly mode: 'send' | 'send-with-reply' | 'sync';
  /** XPC-JSON text of the payload (validated by the host too). */
  readonly payload: string;
  readonly processType: 'app' | 'background';
  readonly timeoutMs?: number;
}

export type SendTestMessageResult =
  | { readonly ok: true; readonly message?: number; readonly reply?: unknown; readonly replyDescription?: string; readonly latencyNs?: number }
  | { readonly ok: false; readonly error: string; readonly reason: string; readonly message?: number; readonly latencyNs?: number };

export interface InspectorBridge {
  /** Session metadata (live or imported capture). */
  getSession(): Promise<SessionInfo>;
  /**
   * Streams event batches. The first batch replays what the host still holds (from `fromSeq`
   * when given), then live batches follow.
   */
  subscribe(onBatch: (batch: EventBatch) => void, fromSeq?: number): Unsubscribe;
  /** Jobs known to the broker. */
  listJobs(): Promise<readonly JobSummary[]>;
  /**
   * The live session's services, processes, connections and outstanding replies as of event
   * `throughSeq`, rebuilt from the journal on disk (so it covers events the host no longer holds).
   */
  getSnapshot(throughSeq: number): Promise<ModelSnapshot>;
  /** Full payload, wire bytes and links of one message of a session (default: the live one). */
  getMessage(message: number, session?: string): Promise<MessageDetail | undefined>;
  /** Drops the events shown so far from the view (the journal on disk keeps them). */
  clear(): Promise<void>;
  /** Stops/starts streaming to the renderer; the broker keeps capturing. */
  setPaused(paused: boolean): Promise<void>;
  /** Terminates a running service (the forced-termination path: TERMINATION_IMMINENT if busy). */
  stopService(job: string): Promise<void>;
  /** The composer: sends one message as a client of the broker. */
  sendTestMessage(request: SendTestMessageRequest): Promise<SendTestMessageResult>;
  /** The live session and every opened capture, in the order they were opened. */
  listSessions(): Promise<readonly SessionInfo[]>;
  /** Opens a capture file or description text as a read-only session. */
  openCapture(request: OpenCaptureRequest): Promise<OpenCaptureResult>;
  /** The events of an opened capture, a page at a time from `fromSeq` (default the first). */
  readCapture(session: string, fromSeq?: number): Promise<CapturePage>;
  /** Forgets an opened capture. */
  closeCapture(session: string): Promise<void>;
  /** Exports a session's capture (NDJSON, optionally gzip), whole or filtered, streamed from disk. */
  exportCapture(request: CaptureExportRequest): Promise<ExportOutcome>;
  /** Starts a CSV export of a table the page holds; returns the export's id for appendTableExport. */
  beginTableExport(request: TableExportRequest): Promise<string>;
  /** Adds text (whole CSV records) to a table export. */
  appendTableExport(exportId: string, text: string): Promise<void>;
  /** Ends a table export and hands the file to the user. */
  finishTableExport(exportId: string): Promise<ExportOutcome>;
  /** Journals of earlier runs that were not closed cleanly. */
  listInterruptedCaptures(): Promise<readonly InterruptedCaptureInfo[]>;
  /** Opens an interrupted journal (one listInterruptedCaptures named) as a read-only session. */
  openInterruptedCapture(path: string): Promise<OpenCaptureResult>;
  /** Seals an interrupted journal (cuts a torn last line, adds the end line) so it is not offered again. */
  dismissInterruptedCapture(path: string): Promise<void>;
}

/** Operation names as they appear on the WebSocket / IPC channel, one per bridge method. */
export const BRIDGE_METHODS = [
  'getSession',
  'listJobs',
  'getSnapshot',
  'getMessage',
  'clear',
  'setPaused',
  'stopService',
  'sendTestMessage',
  'listSessions',
  'openCapture',
  'readCapture',
  'closeCapture',
  'exportCapture',
  'beginTableExport',
  'appendTableExport',
  'finishTableExport',
  'listInterruptedCaptures',
  'openInterruptedCapture',
  'dismissInterruptedCapture',
] as const;
export type BridgeMethod = (typeof BRIDGE_METHODS)[number];
