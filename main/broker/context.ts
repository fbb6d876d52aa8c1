/**
 * What the router and the lifecycle controller share: the event bus, the message store, the
 * registry, id counters, options, and the one way to write a frame to a process.
 */
import type { BrokerOp } from '../../app/protocol/ops';
import { encodeBrokerOp } from '../../app/protocol/codec';
import type { VerbatimEntry } from '../../app/xpc/codec';
import { DEFAULT_MESSAGE_FLAGS } from '../../app/xpc/frame';
import type { EventBus } from './event-bus';
import type { MessageStore } from './message-store';
import type { ProcessRecord } from './records';
import type { ServiceRegistry } from './registry';

export interface BrokerTimings {
  /** Default idle time before a pressured exit (a job's XPCInspectorIdleTimeout overrides it). */
  readonly idleTimeoutMs: number;
  /** A transaction open this long is reported as long-held (and again at this interval). */
  readonly longHeldTransactionMs: number;
  /** After TERMINATION_IMMINENT, how long a service may take to finish before it is killed. */
  readonly terminationTimeoutMs: number;
  /** SIGTERM → SIGKILL grace when the broker terminates a process. */
  readonly killGraceMs: number;
  /** How long a launched process may take to say hello and listen before it is given up on. */
  readonly checkInTimeoutMs: number;
  /** Message-sent events carry the payload when its frame is at most this many bytes. */
  readonly eventBodyCapBytes: number;
  /** A connection that has not sent hello this long after connecting is closed. */
  readonly helloTimeoutMs: number;
}

export const DEFAULT_TIMINGS: BrokerTimings = {
  idleTimeoutMs: 20_000,
  longHeldTransactionMs: 30_000,
  terminationTimeoutMs: 10_000,
  killGraceMs: 3_000,
  checkInTimeoutMs: 15_000,
  eventBodyCapBytes: 64 * 1024,
  helloTimeoutMs: 10_000,
};

/** Output buffered for one process beyond which the processes sending to it are paused. */
export const BACKPRESSURE_BYTES = 8 * 1024 * 1024;

/** A process broke the protocol; its socket is closed with this message. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

export class BrokerContext {
  private lastMessageId = 0;
  private lastConnectionId = 0;
  /** Set while the broker shuts down: nothing is launched any more. */
  stopping = false;

  constructor(
    readonly bus: EventBus,
    readonly store: MessageStore,
    readonly registry: ServiceRegistry,
    readonly timings: BrokerTimings,
    readonly report: (line: string) => void,
  ) {}

  /** Session-wide message ids: requests, one-way messages and replies share one sequence. */
  nextMessageId(): number {
    return ++this.lastMessageId;
  }

  /** Client connections and peer connections share one sequence, so an id never means two things. */
  nextConnectionId(): number {
    return ++this.lastConnectionId;
  }

  /**
   * Backpressure: when `receiver` is not reading fast enough (its socket holds more than
   * BACKPRESSURE_BYTES), stop reading from `sender` until it has drained, so neither the
   * broker nor the kernel buffers grow without bound.
   */
  throttle(sender: ProcessRecord, receiver: ProcessRecord): void {
    if (receiver.link.bufferedBytes <= BACKPRESSURE_BYTES || sender.link.isPaused || sender.gone) return;
    sender.link.pause();
    const resume = (): void => sender.link.resume();
    receiver.link.drained().then(resume, resume);
  }

  /**
   * Writes one op to a process; silently nothing once the process is gone. `bodyBytes`: the
   * encoded `body` of the op as it arrived from the sender, forwarded as it is.
   */
  send(proc: ProcessRecord, op: BrokerOp, messageId = 0, flags = DEFAULT_MESSAGE_FLAGS, bodyBytes?: Uint8Array): void {
    if (proc.gone || proc.link.closed) return;
    const verbatim: VerbatimEntry | undefined = bodyBytes === undefined ? undefined : { key: 'body', bytes: bodyBytes };
    proc.link.send(encodeBrokerOp(op), BigInt(messageId), flags, verbatim);
  }
}
