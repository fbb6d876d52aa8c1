/**
 * What the probe reports beyond a client's plain connection — a service's listener and peers,
 * replies it creates and sends, endpoints and the connections made from them, XPCSessions,
 * explicit transactions and peer requirements — becomes the same events the broker's own runtime
 * emits for the same things. Records are written to a real probe socket by this process, so the
 * kernel's pid for them is the test's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventOfKind, InspectorEvent } from '../../app/events/schema';
import { encodeProbeRecord, PROBE_RECORD_VERSION, type ProbeRecord } from '../../app/protocol/probe';
import { encodeMessageFrame } from '../../app/xpc/frame';
import { xpc } from '../../app/xpc/value';
import { waitFor } from '../transport/test-helpers';
import { Broker } from '../broker';

function ofKind<K extends InspectorEvent['kind']>(events: readonly InspectorEvent[], kind: K): EventOfKind<K>[] {
  return events.filter((e): e is EventOfKind<K> => e.kind === kind);
}

describe('probe records of services, endpoints, sessions, transactions and requirements', () => {
  let dir: string;
  let broker: Broker;
  let events: InspectorEvent[];
  let socket: Socket;
  let frameId = 0n;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xpc-pr-'));
    events = [];
    broker = await Broker.start({ socketPath: join(dir, 'b.sock'), probeSocketPath: join(dir, 'run', 'p.sock'), log: () => undefined });
    broker.onEvent((e) => events.push(e));
    socket = connect(broker.probeSocketPath!);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    send({ record: 'hello', t: 0, version: PROBE_RECORD_VERSION, pid: process.pid, executable: '/usr/libexec/observed' });
  });
  afterEach(async () => {
    socket.destroy();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function send(record: ProbeRecord): void {
    frameId += 1n;
    socket.write(encodeMessageFrame(encodeProbeRecord(record), frameId));
  }

  it("shows a service's peer connection from its client, the request it received and the reply it created and sent, paired", async () => {
    const LISTENER = 1n;
    const PEER = 0x7000n;
    send({ record: 'connection-created', t: 1, connection: LISTENER, service: 'com.example.svc', privileged: false, listener: true });
    send({ record: 'connection-created', t: 2, connection: PEER, service: '', privileged: false, peerOf: LISTENER, peerPid: 4242 });
    send({ record: 'connection-resumed', t: 3, connection: PEER });
    send({ record: 'message-received', t: 4, connection: PEER, message: 1, peerPid: 4242, body: xpc.dictionary({ op: xpc.string('ping') }) });
    send({ record: 'reply-created', t: 5, request: 1 });
    send({
      record: 'message-sent',
      t: 6,
      connection: PEER,
      message: 2,
      peerPid: 4242,
      expectsReply: false,
      sync: false,
      inReplyTo: 1,
      body: xpc.dictionary({ pong: xpc.bool(true) }),
    });
    await waitFor(() => ofKind(events, 'message-sent').length === 2, 'the request and the reply');

    const [opened] = ofKind(events, 'connection-opened');
    expect(opened).toMatchObject({ clientPid: 4242, service: 'com.example.svc', api: 'connection', viaEndpoint: false, observedBy: 'probe' });
    const [request, reply] = ofKind(events, 'message-sent');
    expect(request).toMatchObject({ messageKind: 'message', fromPid: 4242, toPid: process.pid, service: 'com.example.svc' });
    expect(reply).toMatchObject({ messageKind: 'reply', inReplyTo: request!.message, fromPid: process.pid, connection: opened!.connection });
    expect(ofKind(events, 'reply-created')).toEqual([expect.objectContaining({ request: request!.message, pid: process.pid, observedBy: 'probe' })]);
  });

  it('names a connection made from an endpoint by the listener that made the endpoint', async () => {
    const ANON = 0x100n;
    const ENDPOINT = 0x200n;
    const CONN = 0x300n;
    send({ record: 'connection-created', t: 1, connection: ANON, service: '', privileged: false, listener: true, anonymous: true });
    send({ record: 'endpoint-created', t: 2, endpoint: ENDPOINT, connection: ANON });
    send({ record: 'connection-created', t: 3, connection: CONN, service: '', privileged: false, endpoint: ENDPOINT });
    send({ record: 'connection-created', t: 4, connection: 0x400n, service: '', privileged: false, endpoint: 0x999n });
    await waitFor(() => ofKind(events, 'connection-opened').length === 2, 'both endpoint connections');
    const [known, foreign] = ofKind(events, 'connection-opened');
    expect(known).toMatchObject({ service: 'anonymous listener 0x100', viaEndpoint: true });
    expect(foreign).toMatchObject({ service: 'endpoint 0x999 (made in another process)', viaEndpoint: true });
  });

  it("reports a session's cancellation with its rich error and whether a retry can help", async () => {
    send({ record: 'connection-created', t: 1, connection: 0x500n, service: 'com.example.s', privileged: false, api: 'session' });
    send({ record: 'connection-activated', t: 2, connection: 0x500n });
    send({ record: 'connection-error', t: 3, connection: 0x500n, error: 'Peer closed the session', retryable: false });
    await waitFor(() => ofKind(events, 'connection-state').length === 2, 'activation and cancellation');
    expect(ofKind(events, 'connection-opened')[0]).toMatchObject({ api: 'session', service: 'com.example.s' });
    expect(ofKind(events, 'connection-state').map((e) => [e.state, e.reason, e.retryable])).toEqual([
      ['active', undefined, undefined],
      ['invalidated', 'Peer closed the session', false],
    ]);
  });

  it('counts explicit transactions and names the peer requirement a Peer Forbidden failed', async () => {
    send({ record: 'transaction', t: 1, delta: 1 });
    send({ record: 'transaction', t: 2, delta: 1 });
    send({ record: 'transaction', t: 3, delta: -1 });
    send({ record: 'connection-created', t: 4, connection: 0x600n, service: 'com.example.guarded', privileged: false });
    send({ record: 'requirement-set', t: 5, connection: 0x600n, requirement: 'team-identity: com.example.app', accepted: true });
    send({ record: 'connection-error', t: 6, connection: 0x600n, error: 'Peer Forbidden', reason: 'peer did not satisfy the requirement' });
    await waitFor(() => ofKind(events, 'connection-state').length === 1, 'the failure');
    expect(ofKind(events, 'transaction').map((e) => [e.delta, e.count, e.cause])).toEqual([
      [1, 1, 'explicit-begin'],
      [1, 2, 'explicit-begin'],
      [-1, 1, 'explicit-end'],
    ]);
    expect(ofKind(events, 'connection-state')[0]).toMatchObject({
      state: 'invalidated',
      reason: 'peer did not satisfy the requirement (requirement: team-identity: com.example.app)',
    });
  });
});
