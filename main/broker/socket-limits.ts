/**
 * The bounds on what processes on the broker's socket can make the broker hold: output queued
 * for a process that does not read it, unfinished frames, connections, and connections that
 * never say hello (that one is a timing: BrokerTimings.helloTimeoutMs). Listed with their
 * defaults in docs/security.md.
 */
import { BACKPRESSURE_BYTES } from './context';
import { executableOf } from './peer-identity';
import type { PeerCredentials } from '../transport/peer-credentials';
import type { UnixServerOptions } from '../transport/server';

export interface BrokerSocketLimits {
  /** Output queued for one process beyond which the broker stops reading that process's input. */
  readonly outboundPauseBytes: number;
  /** Output queued for one process beyond which its connection is closed at once. */
  readonly outboundCloseBytes: number;
  /** How long output queued past outboundPauseBytes may go undrained before the connection is closed. */
  readonly outboundStallMs: number;
  /** Unfinished incoming frames of every connection together; past it the largest holders are closed. */
  readonly partialFramesTotalBytes: number;
  /** Connections open at once; a connection past it is closed as soon as it is accepted. */
  readonly maxConnections: number;
}

/** Same as the point at which processes sending to a slow reader are paused. */
export const DEFAULT_OUTBOUND_PAUSE_BYTES = BACKPRESSURE_BYTES;
/** Room for the largest message (64 MiB) on top of a full pause budget, twice over. */
export const DEFAULT_OUTBOUND_CLOSE_BYTES = 160 * 1024 * 1024;
export const DEFAULT_OUTBOUND_STALL_MS = 30_000;
/** Two of the largest frames (64 MiB each) in flight at once. */
export const DEFAULT_PARTIAL_FRAMES_TOTAL_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 1024;

export const DEFAULT_SOCKET_LIMITS: BrokerSocketLimits = {
  outboundPauseBytes: DEFAULT_OUTBOUND_PAUSE_BYTES,
  outboundCloseBytes: DEFAULT_OUTBOUND_CLOSE_BYTES,
  outboundStallMs: DEFAULT_OUTBOUND_STALL_MS,
  partialFramesTotalBytes: DEFAULT_PARTIAL_FRAMES_TOTAL_BYTES,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
};

/** The defaults, with whatever `given` sets (an undefined field keeps its default). */
export function resolveSocketLimits(given: Partial<BrokerSocketLimits> = {}): BrokerSocketLimits {
  const pick = <K extends keyof BrokerSocketLimits>(key: K): BrokerSocketLimits[K] => given[key] ?? DEFAULT_SOCKET_LIMITS[key];
  return {
    outboundPauseBytes: pick('outboundPauseBytes'),
    outboundCloseBytes: pick('outboundCloseBytes'),
    outboundStallMs: pick('outboundStallMs'),
    partialFramesTotalBytes: pick('partialFramesTotalBytes'),
    maxConnections: pick('maxConnections'),
  };
}

/** "pid 1234 (/usr/bin/node)": how the broker names a peer when a bound acts on it. */
export function describePeer(peer: PeerCredentials): string {
  const exe = executableOf(peer.pid);
  return `pid ${peer.pid} (${exe.ok ? exe.path : 'executable unknown'})`;
}

/** The listenUnix options that enforce `limits`. */
export function socketLimitOptions(limits: BrokerSocketLimits): Pick<UnixServerOptions, 'outboundBudget' | 'partialFramesLimitBytes' | 'maxConnections' | 'describePeer'> {
  return {
    outboundBudget: { pauseBytes: limits.outboundPauseBytes, closeBytes: limits.outboundCloseBytes, stallMs: limits.outboundStallMs },
    partialFramesLimitBytes: limits.partialFramesTotalBytes,
    maxConnections: limits.maxConnections,
    describePeer,
  };
}
