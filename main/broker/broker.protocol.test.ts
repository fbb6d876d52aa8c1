/**
 * Hostile and broken peers: whatever one process sends, only its own connection is closed (with
 * a `fatal` op and a logged reason that names the problem), and everyone else carries on.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBrokerOp, encodeProcessOp } from '../../app/protocol/codec';
import { PROTOCOL_VERSION, type BrokerOp, type ProcessOp } from '../../app/protocol/ops';
import { xpc } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc } from '../../sdk';
import { connectUnix } from '../transport';
import type { MessageConnection } from '../transport/connection';
import { bundleSdkPrograms } from './testing/bundle';
import { op, request, until } from './testing/client-helpers';
import { TestBroker } from './testing/harness';

let tb: TestBroker;
const logged: string[] = [];

beforeAll(async () => {
  const bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts']);
  tb = await TestBroker.start([{ label: 'com.test.echo', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.echo'] }], {
    log: (line) => logged.push(line),
  });
  configureXpc({ socketPath: tb.socketPath });
});

afterAll(async () => {
  shutdownXpc();
  await tb?.stop();
});

interface RawPeer {
  readonly conn: MessageConnection;
  readonly ops: BrokerOp[];
  readonly closed: Promise<string>;
  send(op: ProcessOp): void;
}

async function rawPeer(): Promise<RawPeer> {
  const conn = await connectUnix(tb.socketPath);
  const ops: BrokerOp[] = [];
  conn.on('message', (m) => {
    const decoded = decodeBrokerOp(m.value);
    if (decoded.ok) ops.push(decoded.op);
  });
  const closed = new Promise<string>((resolve) => conn.on('close', ({ reason }) => resolve(reason)));
  let id = 0n;
  return { conn, ops, closed, send: (o) => void conn.send(encodeProcessOp(o), ++id) };
}

const hello: ProcessOp = { op: 'hello', version: PROTOCOL_VERSION, name: 'raw-test-peer', processType: 'app' };

async function fatalOf(peer: RawPeer): Promise<string> {
  await peer.closed;
  const fatal = peer.ops.find((o) => o.op === 'fatal');
  expect(fatal).toBeDefined();
  return fatal?.op === 'fatal' ? fatal.reason : '';
}

/** The SDK client in this process still gets answers: the broker was not disturbed. */
async function brokerStillServes(): Promise<void> {
  const conn = createConnection('com.test.echo');
  conn.activate();
  const r = await request(conn, op('echo', { alive: xpc.bool(true) }));
  expect(r.error).toBeUndefined();
  conn.cancel();
}

describe('malformed input', () => {
  it('garbage bytes close only that connection, with a logged reason naming the stream offset', async () => {
    await brokerStillServes();
    const socket = connect(tb.socketPath);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closed;
    await until(() => logged.some((l) => /malformed frame from pid \d+ at stream offset 0/.test(l)), 'the reason is logged');
    await brokerStillServes();
  });

  it('a frame whose body is not an op dictionary is refused with a reason', async () => {
    const peer = await rawPeer();
    peer.conn.send(xpc.string('hello?'), 1n);
    expect(await fatalOf(peer)).toMatch(/frame from pid \d+ is string, not an op dictionary/);
    await brokerStillServes();
  });

  it('a field of the wrong type is refused naming the op, the sender and the key', async () => {
    const peer = await rawPeer();
    peer.send(hello);
    peer.conn.send(xpc.dictionary({ op: xpc.string('send'), connection: xpc.string('x'), body: xpc.null(), reply: xpc.bool(false), sync: xpc.bool(false) }), 2n);
    expect(await fatalOf(peer)).toMatch(/^op 'send' from pid \d+: key 'connection' must be int64, got string "x"$/);
  });
});

describe('protocol violations', () => {
  it('an op before hello is refused', async () => {
    const peer = await rawPeer();
    peer.send({ op: 'connect', connection: 1, service: 'com.test.echo', privileged: false, api: 'connection', endpoint: false });
    expect(await fatalOf(peer)).toMatch(/the first frame must be 'hello', got 'connect'/);
  });

  it('a hello with a job token the broker never issued is refused', async () => {
    const peer = await rawPeer();
    peer.send({ ...hello, token: 'f'.repeat(32) } as ProcessOp);
    expect(await fatalOf(peer)).toMatch(/job token is not one this broker issued/);
  });

  it('resuming a connection more often than it was suspended closes the offender only', async () => {
    const peer = await rawPeer();
    peer.send(hello);
    peer.send({ op: 'connect', connection: 1, service: 'com.test.echo', privileged: false, api: 'connection', endpoint: false });
    peer.send({ op: 'activate', connection: 1 });
    peer.send({ op: 'resume', connection: 1 });
    expect(await fatalOf(peer)).toMatch(/op 'resume' from raw-test-peer \(pid \d+\): connection 1 resumed more often than it was suspended/);
    const opened = tb.of('connection-opened', (e) => e.clientPid === process.pid && e.service === 'com.test.echo').at(-1)!;
    await tb.waitFor('connection-state', (e) => e.connection === opened.connection && e.state === 'invalidated');
    await brokerStillServes();
  });

  it('ending a transaction that was never begun closes the offender', async () => {
    const peer = await rawPeer();
    peer.send(hello);
    peer.send({ op: 'txn-end' });
    expect(await fatalOf(peer)).toMatch(/transaction end without a matching begin/);
  });

  it('a reply to a message that was never delivered closes the offender', async () => {
    const peer = await rawPeer();
    peer.send(hello);
    peer.send({ op: 'reply', request: 424242, body: xpc.null(), handled: true });
    expect(await fatalOf(peer)).toMatch(/message 424242 was not delivered to this process/);
  });

  it('listening on a MachService without being its launched job is refused with a reason, not a disconnect', async () => {
    const peer = await rawPeer();
    peer.send(hello);
    peer.send({ op: 'listen', listener: 1, service: 'com.test.echo', api: 'connection' });
    await until(() => peer.ops.some((o) => o.op === 'listen-failed'), 'the listen-failed answer');
    const failed = peer.ops.find((o) => o.op === 'listen-failed');
    expect(failed?.op === 'listen-failed' && failed.reason).toMatch(/was not launched by the broker for a job/);
    expect(peer.conn.closed).toBe(false);
    peer.conn.close('done');
  });
});
