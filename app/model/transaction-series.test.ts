import { expect, test } from 'vitest';
import { TransactionSeries } from './transaction-series';

test('when buckets run out they merge pairwise: the whole history stays, peaks included', () => {
  const series = new TransactionSeries('job', { buckets: 8, initialBucketNs: 10 });
  series.record(0, 1, 0, 0, 'delivery', 1);
  series.record(35, 9, 0, 0, 'delivery', 1); // a spike…
  series.record(36, 2, 0, 0, 'handler-returned', 1); // …that is gone a moment later
  series.record(500, 0, 0, 0, 'handler-returned', 1);
  const buckets = series.buckets();
  expect(series.bucketWidthNs).toBeGreaterThanOrEqual(80);
  expect(buckets.length).toBeLessThanOrEqual(8);
  expect(buckets[0]!.t).toBe(0);
  expect(Math.max(...buckets.map((b) => b.txMax))).toBe(9);
  expect(buckets.at(-1)!.txLast).toBe(0);
  expect(series.peakTx).toBe(9);
});

test('buckets without changes carry the previous level forward', () => {
  const series = new TransactionSeries('job', { buckets: 100, initialBucketNs: 10 });
  series.record(0, 3, 1, 2, 'delivery', 1);
  series.record(55, 0, 0, 0, 'handler-returned', 1);
  const buckets = series.buckets();
  expect(buckets.map((b) => b.txLast)).toEqual([3, 3, 3, 3, 3, 0]);
  expect(buckets[3]).toMatchObject({ txMin: 3, txMax: 3, boostMax: 1, outstandingLast: 2 });
});

test('recent changes keep their causes, oldest first, bounded', () => {
  const series = new TransactionSeries('job', { recent: 3 });
  series.record(1, 1, 0, 0, 'delivery', 7);
  series.record(2, 2, 0, 0, 'reply-created', 7);
  series.record(3, 1, 0, 0, 'reply-sent', 7);
  series.record(4, 0, 0, 0, 'handler-returned', 7);
  expect(series.recent().map((r) => r.cause)).toEqual(['reply-created', 'reply-sent', 'handler-returned']);
  expect(series.changes).toBe(4);
});

test('marks are bounded: the oldest go first and are counted', () => {
  const series = new TransactionSeries('job', { marks: 4 });
  for (let i = 0; i < 6; i++) series.mark(i, 'idle', 1, `m${i}`);
  expect(series.marks.map((m) => m.detail)).toEqual(['m2', 'm3', 'm4', 'm5']);
  expect(series.droppedMarks).toBe(2);
});
