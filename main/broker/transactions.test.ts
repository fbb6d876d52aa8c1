import { describe, expect, it } from 'vitest';
import type { InspectorEvent } from '../../app/events/schema';
import { EventBus } from './event-bus';
import { TransactionLedger } from './transactions';

function makeLedger(): { ledger: TransactionLedger; events: InspectorEvent[]; counts: number[]; bus: EventBus } {
  const bus = new EventBus(() => undefined);
  const events: InspectorEvent[] = [];
  bus.on((e) => events.push(e));
  const counts: number[] = [];
  return { ledger: new TransactionLedger({ pid: 42, job: 'com.test.job' }, bus, (c) => counts.push(c)), events, counts, bus };
}

describe('TransactionLedger', () => {
  it('counts delivery, reply creation and explicit begins up, and their ends down, with their causes', () => {
    const { ledger, events, counts } = makeLedger();
    ledger.delivered(1);
    ledger.replyCreated(1);
    ledger.explicitBegin();
    ledger.replyFinished(1, 'reply-sent');
    ledger.handlerReturned(1);
    ledger.explicitEnd();
    expect(counts).toEqual([1, 2, 3, 2, 1, 0]);
    expect(events.map((e) => e.kind === 'transaction' && `${e.delta}:${e.cause}:${e.message ?? '-'}`)).toEqual([
      '1:delivery:1',
      '1:reply-created:1',
      '1:explicit-begin:-',
      '-1:reply-sent:1',
      '-1:handler-returned:1',
      '-1:explicit-end:-',
    ]);
  });

  it('refuses an explicit end without a begin, and a second end of the same delivery', () => {
    const { ledger, counts } = makeLedger();
    expect(ledger.explicitEnd()).toBe(false);
    ledger.delivered(5);
    expect(ledger.handlerReturned(5)).toBe(true);
    expect(ledger.handlerReturned(5)).toBe(false);
    expect(counts).toEqual([1, 0]);
  });

  it('reports the oldest open transaction once held past the threshold, then again each interval', () => {
    const { ledger, events, bus } = makeLedger();
    ledger.explicitBegin();
    ledger.delivered(9);
    const start = bus.now();
    const S = 1e9;
    ledger.checkLongHeld(start + 0.05 * S, S);
    expect(events.filter((e) => e.kind === 'transaction-long-held')).toHaveLength(0);
    ledger.checkLongHeld(start + 2 * S, S);
    ledger.checkLongHeld(start + 2.5 * S, S);
    ledger.checkLongHeld(start + 3.1 * S, S);
    const flagged = events.filter((e) => e.kind === 'transaction-long-held');
    expect(flagged).toHaveLength(2);
    expect(flagged[0]).toMatchObject({ pid: 42, job: 'com.test.job', count: 2, oldestCause: 'explicit-begin' });
    // Once the leaked begin ends, the delivery is the oldest and is judged on its own age.
    ledger.explicitEnd();
    ledger.checkLongHeld(start + 3.2 * S, S);
    expect(events.filter((e) => e.kind === 'transaction-long-held').at(-1)).toMatchObject({ oldestCause: 'delivery', message: 9, count: 1 });
  });

  it('ends every open transaction when the process exits, with cause process-exit', () => {
    const { ledger, events, counts } = makeLedger();
    ledger.delivered(1);
    ledger.explicitBegin();
    expect(ledger.processExited()).toBe(2);
    expect(counts.at(-1)).toBe(0);
    expect(events.slice(-2).map((e) => e.kind === 'transaction' && e.cause)).toEqual(['process-exit', 'process-exit']);
  });
});
