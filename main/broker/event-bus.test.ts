import { describe, expect, it } from 'vitest';
import type { InspectorEvent } from '../../app/events/schema';
import { EventBus } from './event-bus';

describe('EventBus', () => {
  it('stamps strictly increasing seq and non-decreasing monotonic t', () => {
    const bus = new EventBus(() => undefined);
    const seen: InspectorEvent[] = [];
    bus.on((e) => seen.push(e));
    for (let i = 0; i < 100; i++) bus.emit({ kind: 'idle', pid: i, job: 'j' });
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.t).toBeGreaterThanOrEqual(seen[i - 1]!.t);
  });

  it('reports a throwing listener and still delivers to the others', () => {
    const reports: string[] = [];
    const bus = new EventBus((line) => reports.push(line));
    const seen: number[] = [];
    bus.on(() => {
      throw new Error('boom');
    });
    bus.on((e) => seen.push(e.seq));
    bus.emit({ kind: 'idle', pid: 1, job: 'j' });
    expect(seen).toEqual([1]);
    expect(reports[0]).toMatch(/event listener failed on idle #1: boom/);
  });

  it('stops delivering to a listener once it unsubscribes', () => {
    const bus = new EventBus(() => undefined);
    const seen: number[] = [];
    const off = bus.on((e) => seen.push(e.seq));
    bus.emit({ kind: 'idle', pid: 1, job: 'j' });
    off();
    bus.emit({ kind: 'idle', pid: 1, job: 'j' });
    expect(seen).toEqual([1]);
  });
});
