/**
 * The probe's interposer, run for real: the same source as the macOS dylib, built as an LD_PRELOAD
 * library in front of native-probe/libxpc, observes C programs written against Apple's API while
 * they run under a real broker. Every process (the client and each service process the broker
 * launches, the one killed with SIGKILL mid-request included) carries the probe, so each message is
 * seen twice: by the broker that routes it and by the probes in the processes that send and receive
 * it. The two accounts must agree message by message: bodies, request/reply pairing, invalidation
 * and interruption reasons, reply latency within a stated tolerance, and no record lost.
 *
 * A second run points the client's probe at a socket this test reads itself, to check the records
 * of the interposed calls that become no event of their own (barriers, endpoints).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind, EventOfKind, InspectorEvent } from '../app/events/schema';
import { decodeProbeRecord, type ProbeRecord } from '../app/protocol/probe';
import { decodeXpc } from '../app/xpc/codec';
import { FrameDecoder } from '../app/xpc/frame';
import { dictGetInt, xpc, xpcEquals, type XpcValue } from '../app/xpc/value';
import { Broker } from '../main/broker/broker';
import { until } from '../main/broker/testing/client-helpers';
import { buildLinux, runClient, type RunningClient } from './libxpc/test/build';
import { readInterposedDef } from './test/interposed';
import { describeOverhead, measureOverhead, PROBE_LIBRARY, probedJobs, startDrain } from '../bench/probe/overhead';

/** A reply's latency as the client's probe measures it (send call → reply handler) exceeds the
 * broker's (request in → reply out) by the two socket hops and the client's queue: at most this. */
const LATENCY_TOLERANCE_NS = 50_000_000;

interface Run {
  broker: Broker;
  dir: string;
  events: InspectorEvent[];
  client: RunningClient;
  clientPid: number;
  killedPid: number;
}

/** Runs `c-client scenario` with the probe inserted, killing the service when the client asks. */
async function runScenario(dir: string, brokerProbeSocket: string, clientProbeSocket: string): Promise<Run> {
  const jobsDir = probedJobs(dir, brokerProbeSocket, join(dir, 'drain.sock'));
  const broker = await Broker.start({ jobsDir, socketPath: join(dir, 'b.sock'), probeSocketPath: brokerProbeSocket, log: () => undefined });
  const events: InspectorEvent[] = [];
  broker.onEvent((e) => events.push(e));
  const client = runClient(['scenario'], broker.socketPath, { LD_PRELOAD: PROBE_LIBRARY, XPC_INSPECTOR_PROBE_SOCKET: clientProbeSocket });
  const clientPid = Number(dictGetInt((await client.line('start')).fields, 'pid'));
  const ready = await client.line('ready-for-kill', 40_000);
  const killedPid = Number(dictGetInt(ready.fields, 'pid'));
  process.kill(killedPid, 'SIGKILL');
  await until(() => events.some((e) => e.kind === 'process-exited' && e.pid === killedPid), `the broker sees pid ${killedPid} exit`, 20_000);
  client.child.stdin!.write('killed\n');
  const exit = await Promise.race([client.exited, new Promise<undefined>((resolve) => setTimeout(resolve, 40_000))]);
  if (exit?.code !== 0) throw new Error(`c-client scenario ended with ${JSON.stringify(exit)}:\n${client.lines.map((l) => l.text).join('\n')}\n${client.stderr.join('')}`);
  return { broker, dir, events, client, clientPid, killedPid };
}

/** Endpoints name their listener differently for each observer (the broker's endpoint name, the
 * probe's "pid … listener 0x…"): bodies are compared with endpoint names left out. */
function withoutEndpointNames(v: XpcValue): XpcValue {
  switch (v.type) {
    case 'endpoint':
      return xpc.endpoint('');
    case 'array':
      return xpc.array(v.items.map(withoutEndpointNames));
    case 'dictionary':
      return xpc.dictionary([...v.entries].map(([k, item]) => [k, withoutEndpointNames(item)] as [string, XpcValue]));
    default:
      return v;
  }
}

function sameBody(a: XpcValue | undefined, b: XpcValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return xpcEquals(withoutEndpointNames(a), withoutEndpointNames(b));
}

// `make linux` builds libxpc, the demo programs, the LD_PRELOAD probe and the round-trip client.
beforeAll(() => buildLinux(), 240_000);

describe('the interposer on Linux: exports exactly the functions interposed.def gives Linux', () => {
  it('defines one replacement per on_linux function and nothing else', () => {
    const nm = spawnSync('nm', ['-D', '--defined-only', PROBE_LIBRARY], { encoding: 'utf8' });
    expect(nm.status, nm.stderr).toBe(0);
    const exported = nm.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 3 && /^[TW]$/.test(f[1]!))
      .map((f) => f[2]!)
      .sort();
    expect(exported).toEqual(readInterposedDef().filter((f) => f.onLinux).map((f) => f.fn).sort());
  });
});

describe('probe records and broker events of the same C programs agree', () => {
  let run: Run;
  const isProbe = (e: InspectorEvent): boolean => 'observedBy' in e && e.observedBy === 'probe';

  function events<K extends EventKind>(kind: K, probe: boolean, match: (e: EventOfKind<K>) => boolean = () => true): EventOfKind<K>[] {
    return run.events.filter((e): e is EventOfKind<K> => e.kind === kind && isProbe(e) === probe && match(e as EventOfKind<K>));
  }

  beforeAll(async () => {
    const dir = mkdtempSync('/tmp/xpc-pl-');
    const probeSocket = join(dir, 'run', 'probe.sock');
    run = await runScenario(dir, probeSocket, probeSocket);
    // Every probe has said all it saw once its process is gone.
    await until(() => events('process-detached', true, (e) => e.pid === run.clientPid).length === 1, 'the client probe to detach', 20_000);
    if (process.env.DEBUG_DUMP) writeFileSync(process.env.DEBUG_DUMP, JSON.stringify({ clientPid: run.clientPid, events: run.events }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? [...v] : v)));
  }, 180_000);

  afterAll(async () => {
    await run?.broker.stop();
    if (run !== undefined) rmSync(run.dir, { recursive: true, force: true });
  });

  /** The probe's message-sent events: what a process sent (no delivery follows) or received (a delivery to it follows). */
  function probeMessages(): { sent: EventOfKind<'message-sent'>[]; received: EventOfKind<'message-sent'>[] } {
    const delivered = new Set(events('message-delivered', true).map((e) => e.message));
    const all = events('message-sent', true);
    return { sent: all.filter((e) => !delivered.has(e.message)), received: all.filter((e) => delivered.has(e.message)) };
  }

  /** Processes that carried a probe. */
  function probed(): Set<number> {
    return new Set(events('process-attached', true).map((e) => e.process.pid));
  }

  /**
   * Broker message id → the probe's event for the same send, for every probed process: the broker
   * and the sender's probe both see a process's sends in the order it made them. A send the probe
   * saw that never reached the broker is allowed only on a connection the probe then sees end: the
   * library knew the peer was gone before the process's handler was told (or the probe already
   * showed it dropped).
   */
  function pairSends(): Map<number, EventOfKind<'message-sent'>> {
    const sent = probeMessages().sent.filter((e) => e.messageKind === 'message');
    const ended = new Set(events('connection-state', true, (e) => e.state === 'invalidated' || e.state === 'canceled').map((e) => e.connection));
    const pairs = new Map<number, EventOfKind<'message-sent'>>();
    for (const pid of probed()) {
      const broker = events('message-sent', false, (e) => e.fromPid === pid && e.messageKind === 'message');
      const probe = sent.filter((e) => e.fromPid === pid);
      let p = 0;
      for (const b of broker) {
        while (p < probe.length && probe[p]!.summary !== b.summary && ended.has(probe[p]!.connection)) p++;
        expect(probe[p]?.summary, `pid ${pid}: the probe's send matching the broker's message ${b.message} ${b.summary}`).toBe(b.summary);
        pairs.set(b.message, probe[p]!);
        p++;
      }
      for (const rest of probe.slice(p)) expect(ended.has(rest.connection), `pid ${pid}: ${rest.summary} never reached the broker on a live connection`).toBe(true);
    }
    return pairs;
  }

  it('attaches a probe to the client and to every service process, the killed one included', () => {
    const launched = events('process-launched', false).map((e) => e.pid);
    expect(launched.length).toBeGreaterThanOrEqual(3); // c-echo, its relaunch after the kill, c-echo-listener
    for (const pid of [run.clientPid, ...launched]) expect(probed(), `pid ${pid}`).toContain(pid);
    expect(events('process-detached', true, (e) => e.pid === run.killedPid)).toHaveLength(1);
  });

  it('sees every message each process sent, in order, with the same body, reply expectation and sync flag', () => {
    const pairs = pairSends();
    expect(events('message-sent', false, (e) => e.messageKind === 'message').length).toBe(pairs.size);
    expect(pairs.size).toBeGreaterThanOrEqual(15);
    for (const [id, probe] of pairs) {
      const broker = events('message-sent', false, (e) => e.message === id)[0]!;
      expect(sameBody(probe.value, broker.value), `message ${id}: ${broker.summary} vs ${probe.summary}`).toBe(true);
      expect([probe.expectsReply, probe.sync], `message ${id}: ${broker.summary}`).toEqual([broker.expectsReply, broker.sync]);
    }
  });

  it('sees every delivery in the process it was delivered to, with the same body', () => {
    const received = probeMessages().received;
    const deliveries = events('message-delivered', false);
    for (const delivery of deliveries) {
      const broker = events('message-sent', false, (e) => e.message === delivery.message)[0]!;
      const inProcess = received.filter((e) => e.toPid === delivery.toPid && sameBody(e.value, broker.value));
      expect(inProcess.length, `delivery of ${broker.summary} to pid ${delivery.toPid}`).toBeGreaterThanOrEqual(1);
    }
    // And nothing the broker did not deliver.
    expect(received.length).toBe(deliveries.length);
  });

  it('pairs every reply with its request on both sides, with the same reply body', () => {
    const pairs = pairSends();
    const answered = events('reply-received', false);
    expect(answered.length).toBeGreaterThanOrEqual(10);
    const receipts = new Set<number>();
    for (const r of answered) {
      const request = pairs.get(r.request)!;
      const probeReply = events('reply-received', true, (e) => e.request === request.message);
      expect(probeReply, `the requester's probe's reply to ${request.summary}`).toHaveLength(1);
      receipts.add(probeReply[0]!.reply);
      const brokerBody = events('message-sent', false, (e) => e.message === r.reply)[0]!;
      const probeBody = events('message-sent', true, (e) => e.message === probeReply[0]!.reply)[0]!;
      expect(probeBody.inReplyTo).toBe(request.message);
      expect(sameBody(probeBody.value, brokerBody.value), `reply to ${request.summary}`).toBe(true);
    }
    // The replying side: each reply the broker routed was created and sent by a probed process,
    // naming the request it received.
    const sentReplies = events('message-sent', true, (e) => e.messageKind === 'reply' && !receipts.has(e.message));
    const received = new Map(probeMessages().received.map((e) => [e.message, e]));
    for (const reply of sentReplies) {
      const request = received.get(reply.inReplyTo!);
      expect(request, `the request of the reply ${reply.summary}`).toBeDefined();
      expect(request!.toPid).toBe(reply.fromPid);
      expect(events('reply-created', true, (e) => e.request === reply.inReplyTo)).toHaveLength(1);
    }
    expect(sentReplies.length).toBe(events('message-sent', false, (e) => e.messageKind === 'reply').length);
  });

  it('gives every failed request the same error, and the same reason wherever it came from the broker', () => {
    const pairs = pairSends();
    const failed = events('reply-failed', false);
    expect(failed.map((f) => f.error)).toEqual(expect.arrayContaining(['Connection interrupted', 'Connection invalid']));
    for (const f of failed) {
      const request = pairs.get(f.request)!;
      const probe = events('reply-failed', true, (e) => e.request === request.message);
      expect(probe, `the failure of ${request.summary}`).toHaveLength(1);
      expect(probe[0]!.error, `${request.summary}`).toBe(f.error);
      const canceledByItself = events('connection-state', true, (e) => e.connection === request.connection && e.state === 'canceled').length > 0;
      // libxpc reports the connection's invalidation reason; the broker's event also names the
      // connection a message was refused on. After the process's own cancel, the reason is libxpc's.
      if (canceledByItself) continue;
      const same = f.reason === probe[0]!.reason || f.reason.endsWith(`: ${probe[0]!.reason}`);
      expect(same, `${request.summary}: the broker says "${f.reason}", the probe "${probe[0]!.reason}"`).toBe(true);
    }
  });

  it('follows each connection through the same interruptions and invalidations with the same reasons', () => {
    const pairs = pairSends();
    // A connection as its client holds it (a service's peer-sends travel on the same broker
    // connection, seen by the service's probe on its peer connection); not the killed process's,
    // whose probe died with it.
    const owner = new Map(events('connection-opened', false).map((e) => [e.connection, e.clientPid]));
    const connections = new Map<number, number>();
    for (const [id, probe] of pairs) {
      const broker = events('message-sent', false, (e) => e.message === id)[0]!;
      if (owner.get(broker.connection) === broker.fromPid && broker.fromPid !== run.killedPid) connections.set(broker.connection, probe.connection);
    }
    const ending = new Set(['interrupted', 'invalidated']);
    for (const [brokerConn, probeConn] of connections) {
      const of = (probe: boolean): [string, string | undefined][] =>
        events('connection-state', probe, (e) => e.connection === (probe ? probeConn : brokerConn) && ending.has(e.state)).map((e) => [e.state, e.reason]);
      expect(of(true), `connection ${brokerConn}`).toEqual(of(false));
    }
    expect([...connections.keys()].some((c) => events('connection-state', false, (e) => e.connection === c && e.state === 'interrupted').length > 0)).toBe(true);
  });

  it(`measures reply latency within ${LATENCY_TOLERANCE_NS / 1e6} ms of the broker's`, () => {
    const pairs = pairSends();
    const gaps: number[] = [];
    for (const r of events('reply-received', false)) {
      const probe = events('reply-received', true, (e) => e.request === pairs.get(r.request)!.message)[0]!;
      gaps.push(probe.latencyNs - r.latencyNs);
      expect(probe.latencyNs, `the probe measures the whole round trip the broker's part is in`).toBeGreaterThanOrEqual(r.latencyNs);
      expect(probe.latencyNs - r.latencyNs).toBeLessThanOrEqual(LATENCY_TOLERANCE_NS);
    }
    console.log(`probe − broker reply latency over ${gaps.length} replies: max ${(Math.max(...gaps) / 1e6).toFixed(2)} ms`);
  });

  it('loses no record: no probe event reports records dropped, and every probe detaches cleanly', () => {
    const lost = run.events.reduce((n, e) => n + ('probeRecordsLost' in e && e.probeRecordsLost !== undefined ? e.probeRecordsLost : 0), 0);
    expect(lost).toBe(0);
    for (const d of events('process-detached', true)) expect(d.reason, `pid ${d.pid}`).toBe('peer closed the connection');
  });

  it("reports the service's explicit transactions and the peers it accepted, named by their clients", () => {
    const txns = events('transaction', true);
    expect(txns.filter((t) => t.cause === 'explicit-begin').length).toBeGreaterThanOrEqual(1);
    expect(txns.filter((t) => t.cause === 'explicit-begin').length).toBe(txns.filter((t) => t.cause === 'explicit-end').length);
    const peers = events('connection-opened', true, (e) => e.clientPid === run.clientPid && e.service === 'com.example.c-echo');
    expect(peers.length).toBeGreaterThanOrEqual(2); // the client's own connection, and the service's peer of it
  });

  it('adds a measured overhead per round trip (probe off, to a draining socket, to the broker; same broker, same binaries)', async () => {
    const drain = await startDrain(join(run.dir, 'drain.sock'));
    try {
      const o = await measureOverhead(3, 500, run.broker.socketPath, run.broker.probeSocketPath!, join(run.dir, 'drain.sock'));
      console.log(describeOverhead(o, 500));
      expect(Math.min(o.median.off.wallNs, o.median.drain.wallNs, o.median.broker.wallNs)).toBeGreaterThan(0);
    } finally {
      drain.kill();
    }
  }, 120_000);
});

/** A probe socket of the test's own: every record the client's probe sends, decoded. */
function recordSink(path: string): { server: Server; records: ProbeRecord[]; errors: string[] } {
  const records: ProbeRecord[] = [];
  const errors: string[] = [];
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(new Uint8Array(chunk))) {
        const value = decodeXpc(frame.body);
        if (!value.ok) {
          errors.push(String(value.error));
          continue;
        }
        const record = decodeProbeRecord(value.value);
        if (record.ok) records.push(record.record);
        else errors.push(record.error);
      }
    });
  });
  server.listen(path);
  return { server, records, errors };
}

describe("the client's records, read straight off its probe socket", () => {
  let run: Run;
  let sink: ReturnType<typeof recordSink>;

  beforeAll(async () => {
    const dir = mkdtempSync('/tmp/xpc-pr-');
    mkdirSync(join(dir, 'own'), { mode: 0o700 });
    sink = recordSink(join(dir, 'own', 'records.sock'));
    run = await runScenario(dir, join(dir, 'run', 'probe.sock'), join(dir, 'own', 'records.sock'));
    await until(() => sink.records.some((r) => r.record === 'connection-canceled'), 'the last records', 10_000);
  }, 180_000);

  afterAll(async () => {
    sink?.server.close();
    await run?.broker.stop();
    if (run !== undefined) rmSync(run.dir, { recursive: true, force: true });
  });

  it('records each barrier when it is sent and again when its block runs, in that order', () => {
    expect(sink.errors).toEqual([]);
    const barriers = sink.records.filter((r): r is Extract<ProbeRecord, { record: 'barrier' }> => r.record === 'barrier');
    expect(barriers.map((b) => b.ran)).toEqual([false, true]);
  });

  it('records the connection made from an endpoint with that endpoint, its activation, and the session calls', () => {
    const created = sink.records.filter((r): r is Extract<ProbeRecord, { record: 'connection-created' }> => r.record === 'connection-created');
    const fromEndpoint = created.find((c) => c.endpoint !== undefined && c.endpoint > 0n);
    expect(fromEndpoint, 'xpc_connection_create_from_endpoint').toBeDefined();
    const activated = sink.records.filter((r): r is Extract<ProbeRecord, { record: 'connection-activated' }> => r.record === 'connection-activated');
    expect(activated.map((r) => r.connection), 'xpc_connection_activate of that connection').toContain(fromEndpoint!.connection);
    // (The session to a name nobody provides is never created: xpc_session_create_mach_service returns NULL.)
    expect(created.filter((c) => c.api === 'session').map((c) => c.service)).toEqual(['com.example.c-echo']);
  });
});

