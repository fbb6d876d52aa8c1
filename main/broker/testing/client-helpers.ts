/**
 * Small helpers for tests that use the SDK in the test process itself: collecting a
 * connection's events, and requests as settled results.
 */
import { xpc, type XpcValue } from '../../../app/xpc/value';
import { XPCConnection } from '../../../sdk/connection';

export interface Settled {
  readonly reply?: XpcValue;
  readonly error?: string;
  readonly reason?: string;
  /** How many times the reply handler was called (must be exactly 1). */
  readonly calls: () => number;
}

/** Sends a request; resolves at the first reply-handler call, and keeps counting calls after. */
export function request(conn: XPCConnection, body: XpcValue): Promise<Settled> {
  let calls = 0;
  return new Promise((resolve) => {
    conn.sendMessageWithReply(body, (reply, reason) => {
      calls += 1;
      if (calls > 1) return;
      resolve(reply.type === 'error' ? { error: reply.description, reason: reason ?? '', calls: () => calls } : { reply, calls: () => calls });
    });
  });
}

/** Records every event a connection's handler receives (messages and error objects). */
export function recordEvents(conn: XPCConnection): XpcValue[] {
  const events: XpcValue[] = [];
  conn.setEventHandler((e) => {
    events.push(e);
  });
  return events;
}

export function op(name: string, fields: Record<string, XpcValue> = {}): XpcValue {
  return xpc.dictionary({ op: xpc.string(name), ...fields });
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
