import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EventBatch } from '../../app/bridge/contract';
import { EventStream } from './event-stream';
import { idleEvents } from './test-events';

/** Collects what one subscriber receives. */
function recorder() {
  const batches: EventBatch[] = [];
  return {
    batches,
    sink: (batch: EventBatch) => batches.push(batch),
    seqs: () => batches.flatMap((b) => b.events.map((e) => e.seq)),
  };
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(2);
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('EventStream', () => {
  it('sends a new subscriber the backlog first, then live events, with no gap or duplicate', async () => {
    const stream = new EventStream({ batchIntervalMs: 5 });
    for (const event of idleEvents(1, 50)) stream.push(event);
    const sub = recorder();
    stream.subscribe(sub.sink);
    for (const event of idleEvents(51, 50)) stream.push(event);
    await until(() => sub.seqs().length === 100, '100 events');
    expect(sub.seqs()).toEqual(range(1, 100));
    expect(sub.batches.at(-1)!.lastSeq).toBe(100);
    stream.close();
  });

  it('greets a subscriber with an empty batch when there is nothing to replay', async () => {
    const stream = new EventStream();
    const sub = recorder();
    stream.subscribe(sub.sink);
    await until(() => sub.batches.length === 1, 'the first batch');
    expect(sub.batches[0]).toEqual({ events: [], lastSeq: 0 });
    stream.close();
  });

  it('replays from fromSeq exactly: nothing before it, everything after it', async () => {
    const stream = new EventStream();
    for (const event of idleEvents(1, 30)) stream.push(event);
    const sub = recorder();
    stream.subscribe(sub.sink, { fromSeq: 17 });
    await until(() => sub.batches.length > 0, 'the replay');
    stream.push(idleEvents(31, 1)[0]!);
    await until(() => sub.seqs().length === 15, 'the live event');
    expect(sub.seqs()).toEqual(range(17, 31));
    stream.close();
  });

  it('groups a burst of events into few batches, none larger than maxBatchEvents', async () => {
    const stream = new EventStream({ batchIntervalMs: 10, maxBatchEvents: 100 });
    const sub = recorder();
    stream.subscribe(sub.sink);
    await until(() => sub.batches.length === 1, 'the greeting');
    for (const event of idleEvents(1, 1000)) stream.push(event);
    await until(() => sub.seqs().length === 1000, 'the burst');
    expect(sub.seqs()).toEqual(range(1, 1000));
    expect(Math.max(...sub.batches.map((b) => b.events.length))).toBe(100);
    expect(sub.batches.length).toBeLessThanOrEqual(1 + 10 + 1);
    stream.close();
  });

  it('holds events while paused and delivers every one of them in order on resume', async () => {
    const stream = new EventStream({ batchIntervalMs: 2 });
    const sub = recorder();
    stream.subscribe(sub.sink);
    for (const event of idleEvents(1, 10)) stream.push(event);
    await until(() => sub.seqs().length === 10, 'events before the pause');
    stream.setPaused(true);
    for (const event of idleEvents(11, 500)) stream.push(event);
    await tick(30);
    expect(sub.seqs()).toEqual(range(1, 10));
    expect(sub.batches.at(-1)!.lastSeq).toBe(10);
    stream.setPaused(false);
    await until(() => sub.seqs().length === 510, 'the held events');
    expect(sub.seqs()).toEqual(range(1, 510));
    stream.close();
  });

  it('shows a subscriber that joins during a pause what was there when the pause began', async () => {
    const stream = new EventStream({ batchIntervalMs: 2 });
    for (const event of idleEvents(1, 5)) stream.push(event);
    stream.setPaused(true);
    for (const event of idleEvents(6, 5)) stream.push(event);
    const sub = recorder();
    stream.subscribe(sub.sink);
    await until(() => sub.batches.length === 1, 'the replay');
    expect(sub.seqs()).toEqual(range(1, 5));
    expect(sub.batches[0]!.lastSeq).toBe(10);
    stream.setPaused(false);
    await until(() => sub.seqs().length === 10, 'the rest');
    expect(sub.seqs()).toEqual(range(1, 10));
    stream.close();
  });

  it('after clear, replays nothing older and streams only newer events', async () => {
    const stream = new EventStream({ batchIntervalMs: 2 });
    const before = recorder();
    stream.subscribe(before.sink);
    for (const event of idleEvents(1, 20)) stream.push(event);
    stream.clear();
    for (const event of idleEvents(21, 5)) stream.push(event);
    const after = recorder();
    stream.subscribe(after.sink);
    await until(() => after.seqs().length === 5 && before.seqs().at(-1) === 25, 'events after clear');
    expect(after.seqs()).toEqual(range(21, 25));
    expect(before.seqs().filter((seq) => seq <= 20)).toEqual([]);
    expect(stream.backlogSize).toBe(5);
    stream.close();
  });

  it('waits while the transport says it cannot send, then resumes where it left off', async () => {
    const stream = new EventStream({ batchIntervalMs: 2, maxBatchEvents: 10 });
    let open = false;
    const sub = recorder();
    stream.subscribe(sub.sink, { canSend: () => open });
    for (const event of idleEvents(1, 35)) stream.push(event);
    await tick(20);
    expect(sub.batches).toEqual([]);
    open = true;
    await until(() => sub.seqs().length === 35, 'the held events');
    expect(sub.seqs()).toEqual(range(1, 35));
    stream.close();
  });

  it('keeps serving other subscribers when one of them throws', async () => {
    const reports: string[] = [];
    const stream = new EventStream({ batchIntervalMs: 2, log: (line) => reports.push(line) });
    stream.subscribe(() => {
      throw new Error('renderer gone');
    });
    const sub = recorder();
    stream.subscribe(sub.sink);
    for (const event of idleEvents(1, 3)) stream.push(event);
    await until(() => sub.seqs().length === 3, 'delivery to the healthy subscriber');
    expect(reports.some((line) => line.includes('renderer gone'))).toBe(true);
    stream.close();
  });

  it('lets a subscriber see that events fell out of a full backlog (the first seq skips ahead)', async () => {
    const stream = new EventStream({ backlogCapacity: 10 });
    for (const event of idleEvents(1, 25)) stream.push(event);
    const sub = recorder();
    stream.subscribe(sub.sink, { fromSeq: 1 });
    await until(() => sub.batches.length === 1, 'the replay');
    expect(sub.seqs()).toEqual(range(16, 25));
    expect(stream.evicted).toBe(15);
    stream.close();
  });

  it('stops delivering to a subscriber once it unsubscribes', async () => {
    const stream = new EventStream({ batchIntervalMs: 2 });
    const sub = recorder();
    const unsubscribe = stream.subscribe(sub.sink);
    stream.push(idleEvents(1, 1)[0]!);
    await until(() => sub.seqs().length === 1, 'the first event');
    unsubscribe();
    stream.push(idleEvents(2, 1)[0]!);
    await tick(20);
    expect(sub.seqs()).toEqual([1]);
    expect(stream.subscriberCount).toBe(0);
    stream.close();
  });

  it('never loses or reorders an event across any interleaving of pushes, pauses and resumes (property)', async () => {
    const step = fc.oneof(fc.integer({ min: 1, max: 40 }).map((n) => ({ push: n })), fc.constant({ pause: true }), fc.constant({ pause: false }), fc.constant({ wait: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), fc.integer({ min: 1, max: 30 }), async (steps, maxBatchEvents) => {
        const stream = new EventStream({ batchIntervalMs: 1, maxBatchEvents });
        const sub = recorder();
        stream.subscribe(sub.sink);
        let seq = 0;
        let pausedAt: number | undefined;
        for (const s of steps) {
          if ('push' in s) {
            for (const event of idleEvents(seq + 1, s.push)) stream.push(event);
            seq += s.push;
          } else if ('pause' in s) {
            stream.setPaused(s.pause);
            if (!s.pause) pausedAt = undefined;
            else pausedAt ??= seq;
          } else {
            await tick(1);
          }
          const seen = sub.seqs();
          expect(seen).toEqual(range(1, seen.length));
          if (pausedAt !== undefined) expect(seen.length).toBeLessThanOrEqual(pausedAt);
        }
        stream.setPaused(false);
        await until(() => sub.seqs().length === seq, `${seq} events`);
        expect(sub.seqs()).toEqual(range(1, seq));
        stream.close();
      }),
      { numRuns: 40 },
    );
  });
});
