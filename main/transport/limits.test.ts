/**
 * The transport's bounds with real sockets: output queued for a peer that does not read
 * (input held, then closed naming the peer), the owner's own pause surviving the budget's
 * release, unfinished frames of all connections together, and the connection cap.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_FLAGS, encodeMessageFrame, FRAME_HEADER_SIZE, FRAME_MAGIC } from '../../app/xpc/frame';
import { xpc } from '../../app/xpc/value';
import type { MessageConnection } from './connection';
import { PartialFrameBudget, type PartialFrameHolder } from './partial-frames';
import { connectUnix, listenUnix, type UnixServer, type UnixServerOptions } from './server';
import { delay, makeTempDir, waitFor, type TempDir } from './test-helpers';

let tmp: TempDir;
let server: UnixServer | undefined;
const toClose: (MessageConnection | Socket)[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(async () => {
  for (const c of toClose.splice(0)) 'destroy' in c ? c.destroy() : c.close('test over');
  await server?.close();
  server = undefined;
  tmp.cleanup();
});

async function start(options: Omit<UnixServerOptions, 'onConnection'>, onConnection: (conn: MessageConnection) => void = () => {}): Promise<{ path: string; accepted: MessageConnection[]; logs: string[] }> {
  const path = join(tmp.dir, 's');
  const accepted: MessageConnection[] = [];
  const logs: string[] = [];
  server = await listenUnix(path, {
    log: (l) => logs.push(l),
    describePeer: (peer) => `pid ${peer.pid} (test peer)`,
    ...options,
    onConnection: (conn) => {
      accepted.push(conn);
      onConnection(conn);
    },
  });
  return { path, accepted, logs };
}

function rawSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => {
      s.off('error', reject);
      s.on('error', () => {});
      toClose.push(s);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const PING = encodeMessageFrame(xpc.dictionary({ op: xpc.string('ping') }), 1n);
const ANSWER = xpc.dictionary({ data: xpc.data(new Uint8Array(16 * 1024)) });

describe('outbound budget', () => {
  it('stops reading a peer that does not read its answers, then closes it after the stall time naming the peer', async () => {
    const budget = { pauseBytes: 256 * 1024, closeBytes: 64 * 1024 * 1024, stallMs: 400 };
    let received = 0;
    let maxQueued = 0;
    const { path, accepted, logs } = await start({ outboundBudget: budget }, (conn) => {
      conn.on('message', (m) => {
        received += 1;
        conn.send(ANSWER, m.messageId);
        maxQueued = Math.max(maxQueued, conn.bufferedBytes);
      });
    });
    const peer = await rawSocket(path);
    peer.pause();
    // 5,000 pings would ask for 80 MB of answers.
    peer.write(Buffer.concat(Array.from({ length: 5000 }, () => PING)));
    await waitFor(() => accepted[0]?.closed === true, 'the non-reader is closed', 5000);
    const reason = accepted[0]!.closeReason!.reason;
    expect(reason).toMatch(new RegExp(`^pid ${process.pid} \\(test peer\\) is not reading its messages: \\d+ bytes queued for it \\(budget 262144\\) did not drain within 400 ms$`));
    expect(logs.some((l) => l.includes(reason))).toBe(true);
    expect(received).toBeLessThan(5000);
    expect(maxQueued).toBeLessThan(budget.pauseBytes + 64 * 1024);
  });

  it('closes at once past the hard limit', async () => {
    const { path, accepted } = await start({ outboundBudget: { pauseBytes: 64 * 1024, closeBytes: 512 * 1024, stallMs: 60_000 } }, (conn) => {
      conn.on('message', (m) => {
        // One message asking for more than the hard limit at once (as forwarded traffic from others could).
        for (let i = 0; i < 64; i++) conn.send(ANSWER, m.messageId);
      });
    });
    const peer = await rawSocket(path);
    peer.pause();
    peer.write(PING);
    await waitFor(() => accepted[0]?.closed === true, 'closed past the hard limit', 3000);
    expect(accepted[0]!.closeReason!.reason).toMatch(/is not reading its messages: \d+ bytes queued for it, past the limit of 524288$/);
  });

  it("a peer that reads again is resumed, but never against the owner's own pause", async () => {
    const { path, accepted } = await start({ outboundBudget: { pauseBytes: 64 * 1024, closeBytes: 64 * 1024 * 1024, stallMs: 10_000 } }, (conn) => {
      conn.on('message', (m) => conn.send(ANSWER, m.messageId));
    });
    const client = await connectUnix(path);
    toClose.push(client);
    let answers = 0;
    client.on('message', () => (answers += 1));
    client.pause();
    for (let i = 1; i <= 50; i++) client.send(xpc.dictionary({ op: xpc.string('ping') }), BigInt(i));
    await waitFor(() => accepted[0] !== undefined && accepted[0].bufferedBytes > 64 * 1024, 'the budget is reached');
    const conn = accepted[0]!;
    conn.pause();
    client.resume();
    await delay(300);
    // Drained, but the owner paused it: no more input is read.
    const after = answers;
    await delay(200);
    expect(answers).toBe(after);
    expect(conn.isPaused).toBe(true);
    conn.resume();
    await waitFor(() => answers === 50, 'every ping answered once both let go', 5000);
    expect(conn.closed).toBe(false);
  });
});

describe('unfinished frames of all connections', () => {
  const holder = (name: string, budget: PartialFrameBudget, closed: string[]): PartialFrameHolder => {
    const h: PartialFrameHolder = {
      peerName: name,
      close: () => {
        closed.push(name);
        budget.release(h);
      },
    };
    return h;
  };

  it('closes the largest holders first until the total is under the limit', () => {
    const budget = new PartialFrameBudget(100);
    const closed: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((n) => holder(n, budget, closed)) as [PartialFrameHolder, PartialFrameHolder, PartialFrameHolder];
    budget.update(a, 50);
    budget.update(b, 30);
    budget.update(c, 10);
    expect(closed).toEqual([]);
    budget.update(c, 40); // 120: closing a (50) is enough
    expect(closed).toEqual(['a']);
    expect(budget.totalBytes).toBe(70);
  });

  it('over real sockets: the largest holder is closed with the peer named, a small one carries on', async () => {
    const { path, accepted, logs } = await start({ partialFramesLimitBytes: 1024 * 1024 });
    const header = (length: number): Buffer => {
      const h = Buffer.alloc(FRAME_HEADER_SIZE);
      h.writeUInt32LE(FRAME_MAGIC, 0);
      h.writeUInt32LE(DEFAULT_MESSAGE_FLAGS, 4);
      h.writeBigUInt64LE(BigInt(length), 8);
      h.writeBigUInt64LE(1n, 16);
      return h;
    };
    const big = await rawSocket(path);
    big.write(Buffer.concat([header(8 * 1024 * 1024), Buffer.alloc(900 * 1024)]));
    await waitFor(() => accepted.length === 1 && server!.connections.size === 1, 'first accepted');
    await delay(100);
    const small = await rawSocket(path);
    small.write(Buffer.concat([header(1024 * 1024), Buffer.alloc(200 * 1024)]));
    await waitFor(() => accepted[0]!.closed, 'the largest holder is closed', 3000);
    expect(accepted[0]!.closeReason!.reason).toMatch(new RegExp(`^pid ${process.pid} \\(test peer\\) holds 92\\d{4} bytes of an unfinished frame`));
    expect(logs.some((l) => l.includes('of an unfinished frame'))).toBe(true);
    await delay(100);
    expect(accepted[1]!.closed).toBe(false);
  });
});

describe('connection cap', () => {
  it('closes a connection past the cap at once, logs the peer, and leaves the others working', async () => {
    const { path, accepted, logs } = await start({ maxConnections: 2 }, (conn) => conn.on('message', (m) => conn.send(m.value, m.messageId)));
    const a = await connectUnix(path);
    const b = await connectUnix(path);
    toClose.push(a, b);
    await waitFor(() => accepted.length === 2, 'two accepted');
    const extra = await rawSocket(path);
    await new Promise<void>((resolve) => extra.once('close', () => resolve()));
    expect(logs.find((l) => l.includes('refused a connection'))).toMatch(new RegExp(`from pid ${process.pid} \\(test peer\\): 2 connections are open, the most allowed \\(maxConnections\\)$`));
    const echoed = new Promise<void>((resolve) => a.once('message', () => resolve()));
    a.send(xpc.string('still here'), 1n);
    await echoed;
    expect(accepted.length).toBe(2);
  });
});
