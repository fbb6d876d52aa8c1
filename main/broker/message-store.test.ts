import { describe, expect, it } from 'vitest';
import { MessageStore } from './message-store';

describe('MessageStore', () => {
  it('forgets the oldest frames beyond its message count', () => {
    const store = new MessageStore({ maxMessages: 3, maxBytes: 1000 });
    for (let id = 1; id <= 5; id++) store.put(id, new Uint8Array([id]));
    expect(store.get(1)).toBeUndefined();
    expect(store.get(2)).toBeUndefined();
    expect(store.get(5)).toEqual(new Uint8Array([5]));
    expect(store.size).toBe(3);
  });

  it('forgets the oldest frames beyond its byte budget, and never keeps a frame larger than the budget', () => {
    const store = new MessageStore({ maxMessages: 100, maxBytes: 10 });
    store.put(1, new Uint8Array(4));
    store.put(2, new Uint8Array(4));
    store.put(3, new Uint8Array(4));
    expect(store.get(1)).toBeUndefined();
    expect(store.totalBytes).toBe(8);
    store.put(4, new Uint8Array(11));
    expect(store.get(4)).toBeUndefined();
    expect(store.get(3)).toBeDefined();
  });
});
