import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventLog } from './event-log';
import { idleEvent, idleEvents } from './test-events';

const seqs = (events: readonly { seq: number }[]): number[] => events.map((e) => e.seq);

describe('EventLog', () => {
  it('keeps only the newest `capacity` events once full', () => {
    const log = new EventLog(3);
    for (const event of idleEvents(1, 5)) log.append(event);
    expect(log.size).toBe(3);
    expect(log.evicted).toBe(2);
    expect(seqs(log.range(0, Infinity, 10))).toEqual([3, 4, 5]);
  });

  it('returns the events from a seq through a seq, at most max of them', () => {
    const log = new EventLog(10);
    for (const event of idleEvents(1, 8)) log.append(event);
    expect(seqs(log.range(3, 6, 10))).toEqual([3, 4, 5, 6]);
    expect(seqs(log.range(3, 6, 2))).toEqual([3, 4]);
    expect(seqs(log.range(9, 20, 10))).toEqual([]);
  });

  it('finds seqs across gaps in numbering', () => {
    const log = new EventLog(10);
    for (const seq of [2, 5, 9]) log.append(idleEvent(seq));
    expect(seqs(log.range(3, 100, 10))).toEqual([5, 9]);
    expect(log.positionOf(10)).toBe(3);
  });

  it('refuses an event whose seq does not follow the last one', () => {
    const log = new EventLog(4);
    log.append(idleEvent(5));
    expect(() => log.append(idleEvent(5))).toThrow(/seq 5 does not follow 5/);
  });

  it('starts empty again after clear and keeps accepting later seqs', () => {
    const log = new EventLog(2);
    for (const event of idleEvents(1, 3)) log.append(event);
    log.clear();
    expect(log.size).toBe(0);
    log.append(idleEvent(4));
    expect(seqs(log.range(0, Infinity, 10))).toEqual([4]);
  });

  it('range(from) is always the held suffix of what was appended (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 70 }), (capacity, count, from) => {
        const log = new EventLog(capacity);
        for (const event of idleEvents(1, count)) log.append(event);
        const held = Array.from({ length: count }, (_, i) => i + 1).slice(Math.max(0, count - capacity));
        expect(seqs(log.range(from, Infinity, 1000))).toEqual(held.filter((seq) => seq >= from));
      }),
    );
  });
});
