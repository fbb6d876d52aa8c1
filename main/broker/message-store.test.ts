import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../app/xpc/frame';
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

  it('stores a decoded frame as the exact frame bytes, each frame in its own region', () => {
    const store = new MessageStore({ maxMessages: 10, maxBytes: 10_000 });
    const a = { flags: 0x101, messageId: 7n, body: new Uint8Array([1, 2, 3, 4, 5]) };
    const b = { flags: 0x20101, messageId: 2n ** 40n, body: new Uint8Array(300).fill(9) };
    store.putFrame(1, a);
    store.putFrame(2, b);
    store.put(3, encodeFrame(a));
    expect(store.get(1)).toEqual(encodeFrame(a));
    expect(store.get(2)).toEqual(encodeFrame(b));
    expect(store.get(3)).toEqual(encodeFrame(a));
    expect(store.totalBytes).toBe(2 * (24 + 5) + 24 + 300);
  });

  it('keeps exactly the newest frames over a long run past both bounds', () => {
    const store = new MessageStore({ maxMessages: 1000, maxBytes: 20_000 });
    for (let id = 1; id <= 100_000; id++) store.putFrame(id, { flags: 1, messageId: BigInt(id), body: new Uint8Array(id % 50) });
    let bytes = 0;
    let oldest = 100_000;
    for (let id = 100_000; store.get(id) !== undefined; id--) {
      bytes += store.get(id)!.length;
      oldest = id;
    }
    expect(store.size).toBe(100_001 - oldest);
    expect(store.totalBytes).toBe(bytes);
    expect(store.size).toBeLessThanOrEqual(1000);
    expect(bytes).toBeLessThanOrEqual(20_000);
    // The next older frame would not have fitted.
    expect(bytes + 24 + ((oldest - 1) % 50)).toBeGreaterThan(20_000);
    expect(store.get(oldest - 1)).toBeUndefined();
  });
});
