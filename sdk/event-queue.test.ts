import { describe, expect, it } from 'vitest';
import { SerialQueue } from './event-queue';

describe('SerialQueue', () => {
  it('never runs the handler concurrently with itself, even when it is async', async () => {
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const queue = new SerialQueue<number>(async (n) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(n);
      running -= 1;
    }, () => undefined);
    for (let i = 0; i < 5; i++) queue.push(i);
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(1);
  });

  it('holds items while suspended and delivers them in order on resume', () => {
    const seen: number[] = [];
    const queue = new SerialQueue<number>((n) => void seen.push(n), () => undefined);
    queue.setSuspended(true);
    queue.push(1);
    queue.push(2);
    expect(seen).toEqual([]);
    queue.setSuspended(false);
    expect(seen).toEqual([1, 2]);
  });

  it('reports a throwing handler and goes on with the next item', () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    const queue = new SerialQueue<number>((n) => {
      if (n === 1) throw new Error('bad');
      seen.push(n);
    }, (e) => errors.push(e));
    queue.push(1);
    queue.push(2);
    expect(seen).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
