import { describe, expect, it } from 'vitest';
import type { MessageSentEvent } from '../../app/events/schema';
import { xpc } from '../../app/xpc/value';
import { MessageIndex } from './message-index';

function sent(message: number, seq: number, inReplyTo?: number): MessageSentEvent {
  return {
    kind: 'message-sent',
    seq,
    t: seq,
    message,
    connection: 1,
    messageKind: inReplyTo === undefined ? 'message' : 'reply',
    fromPid: 10,
    service: 'com.example.echo',
    expectsReply: inReplyTo === undefined,
    sync: false,
    inReplyTo,
    size: 64,
    boosting: false,
    value: xpc.dictionary({ n: xpc.int64(message) }),
    summary: `message ${message}`,
  };
}

describe('MessageIndex', () => {
  it('links a reply to its request when the reply is sent', () => {
    const index = new MessageIndex();
    index.observe(sent(1, 1));
    index.observe(sent(2, 2, 1));
    expect(index.get(1)?.reply).toBe(2);
    expect(index.get(2)?.sent.inReplyTo).toBe(1);
  });

  it('links a reply to its request from reply-received too', () => {
    const index = new MessageIndex();
    index.observe(sent(7, 1));
    index.observe({ kind: 'reply-received', seq: 2, t: 2, request: 7, reply: 9, toPid: 10, latencyNs: 5 });
    expect(index.get(7)?.reply).toBe(9);
  });

  it('forgets the oldest message first when over capacity', () => {
    const index = new MessageIndex(2);
    for (let i = 1; i <= 3; i++) index.observe(sent(i, i));
    expect(index.get(1)).toBeUndefined();
    expect(index.get(2)?.sent.message).toBe(2);
    expect(index.get(3)?.sent.message).toBe(3);
    expect(index.size).toBe(2);
  });

  it('keeps exactly the newest `capacity` messages however often the ring wraps', () => {
    const index = new MessageIndex(3);
    for (let i = 1; i <= 10; i++) index.observe(sent(i, i));
    expect([...Array(10)].map((_, i) => index.get(i + 1) !== undefined)).toEqual([false, false, false, false, false, false, false, true, true, true]);
    expect(index.size).toBe(3);
  });

  it('ignores events that are not about messages', () => {
    const index = new MessageIndex();
    index.observe({ kind: 'idle', seq: 1, t: 1, pid: 3, job: 'j' });
    expect(index.size).toBe(0);
  });
});
