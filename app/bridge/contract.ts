/**
 * The bridge between the inspector's host (Electron main process, or the browser-mode server)
 * and the renderer. One typed interface, one method per operation. The preload exposes it with
 * contextBridge; browser mode implements it over a WebSocket. The renderer only sees this type.
 *
 * Everything crossing the bridge is structured-clone / JSON safe: XPC values travel as XPC-JSON
 * trees (app/xpc/json toXpcJson), never as bigint or Map.
 */
import type { InspectorEvent, JobSummary } from '../events/schema';

/** An event as it crosses the bridge: `value` fields replaced by their XPC-JSON tree. */
export type WireEvent = InspectorEvent extends infer E
  ? E extends { value?: unknown }
    ? Omit<E, 'value'> & { value?: unknown }
    : E
  : never;

export interface EventBatch {
  /** Events in seq order; consecutive batches continue without gaps. */
  readonly events: readonly WireEvent[];
  /** Highest seq the host has produced so far (lets the renderer detect gaps). */
  readonly lastSeq: number;
}

export type Unsubscribe = () => void;

export interface SessionInfo {
  /** 'live' for the running broker, 'capture' for an imported, read-only capture. */
  readonly mode: 'live' | 'capture';
  readonly title: string;
  readonly startedAtWallMs: number;
  readonly socketPath?: string;
  readonly jobsDir?: string;
  readonly capturePath?: string;
  readonly paused: boolean;
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
  /** Full payload, wire bytes and links of one message. */
  getMessage(message: number): Promise<MessageDetail | undefined>;
  /** Drops the events shown so far from the view (the journal on disk keeps them). */
  clear(): Promise<void>;
  /** Stops/starts streaming to the renderer; the broker keeps capturing. */
  setPaused(paused: boolean): Promise<void>;
  /** Terminates a running service (the forced-termination path: TERMINATION_IMMINENT if busy). */
  stopService(job: string): Promise<void>;
  /** The composer: sends one message as a client of the broker. */
  sendTestMessage(request: SendTestMessageRequest): Promise<SendTestMessageResult>;
}

/** Operation names as they appear on the WebSocket / IPC channel, one per bridge method. */
export const BRIDGE_METHODS = [
  'getSession',
  'listJobs',
  'getMessage',
  'clear',
  'setPaused',
  'stopService',
  'sendTestMessage',
] as const;
export type BridgeMethod = (typeof BRIDGE_METHODS)[number];
