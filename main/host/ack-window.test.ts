import { describe, expect, it } from 'vitest';
import type { EventBatch } from '../../app/bridge/contract';
import { AckWindow } from './ack-window';
import { EventStream } from './event-stream';
import { idleEvents } from './test-events';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AckWindow: backpressure for a push channel that cannot be asked what it holds (Electron IPC)', () => {
  it('holds batches back past its limit of unacknowledged ones, then delivers everything in order, nothing lost', async () => {
    const stream = new EventStream({ batchIntervalMs: 2, maxBatchEvents: 10 });
    const window = new AckWindow(3);
    const received: EventBatch[] = [];
    stream.subscribe(
      (batch) => {
        window.sent();
        received.push(batch);
      },
      { canSend: () => window.canSend() },
    );
    for (const event of idleEvents(1, 200)) stream.push(event);
    await tick(40);
    // A page that reads nothing gets no more than the window, however much is produced.
    expect(received.length).toBe(3);
    expect(window.unacknowledged).toBe(3);
    // A page that reads again gets the rest from where it was.
    for (let read = 0; read < 100 && received.flatMap((b) => b.events).length < 200; read++) {
      while (window.unacknowledged > 0) window.acknowledged();
      await tick(5);
    }
    expect(received.flatMap((b) => b.events.map((e) => e.seq))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    stream.close();
  });

  it('ignores an acknowledgement with nothing in flight and refuses a limit below 1', () => {
    const window = new AckWindow(1);
    window.acknowledged();
    expect(window.unacknowledged).toBe(0);
    window.sent();
    expect(window.canSend()).toBe(false);
    expect(() => new AckWindow(0)).toThrow(/at least 1/);
  });
});
