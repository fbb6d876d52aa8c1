import { describe, expect, it } from 'vitest';
import { BoostPriority, UNBOOST_DELAY_MS } from './boost-priority';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(): { applied: [number, boolean][]; priority: BoostPriority } {
  const applied: [number, boolean][] = [];
  return { applied, priority: new BoostPriority((pid, boosted) => applied.push([pid, boosted])) };
}

describe('BoostPriority', () => {
  it('applies a boost at the end of its tick, and nothing for a boost that ends within the tick', async () => {
    const { applied, priority } = recorder();
    priority.set(1, true);
    priority.set(1, false);
    priority.set(2, true);
    expect(applied).toEqual([]);
    await tick();
    expect(applied).toEqual([[2, true]]);
  });

  it('keeps a process boosted through short gaps between boosts, and unboosts it once it stays unboosted', async () => {
    const { applied, priority } = recorder();
    priority.set(1, true);
    await tick();
    for (let i = 0; i < 20; i++) {
      priority.set(1, false);
      await tick();
      priority.set(1, true);
      await tick();
    }
    expect(applied).toEqual([[1, true]]);
    priority.set(1, false);
    await sleep(UNBOOST_DELAY_MS * 3);
    expect(applied).toEqual([
      [1, true],
      [1, false],
    ]);
  });

  it('applies nothing more to a forgotten process', async () => {
    const { applied, priority } = recorder();
    priority.set(1, true);
    await tick();
    priority.set(1, false);
    priority.forget(1);
    await sleep(UNBOOST_DELAY_MS * 3);
    expect(applied).toEqual([[1, true]]);
  });
});
