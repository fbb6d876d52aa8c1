/**
 * Builds well-formed wire events for the host's tests: real event shapes from the schema with
 * consecutive seqs, the way the broker numbers them.
 */
import type { WireEvent } from '../../app/bridge/contract';

export function idleEvent(seq: number): WireEvent {
  return { kind: 'idle', seq, t: seq * 1000, pid: 100 + (seq % 7), job: 'com.example.echo' };
}

export function idleEvents(fromSeq: number, count: number): WireEvent[] {
  return Array.from({ length: count }, (_, i) => idleEvent(fromSeq + i));
}
