/**
 * The probe ingest with real probes: test programs built from native-probe/src/probe_record.c
 * with the system C compiler connect to a broker's probe socket and report a realistic client
 * session; the broker must turn it into its ordinary events, with the kernel's pids, the service
 * names and latencies measured by the probe. Malformed records close only their own connection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventLine, parseEventLine } from '../../app/capture/format';
import type { EventOfKind, InspectorEvent } from '../../app/events/schema';
import { decodeProbeRecord, encodeProbeRecord, PROBE_RECORD_VERSION, type ProbeRecord } from '../../app/protocol/probe';
import { decodeXpc } from '../../app/xpc/codec';
import { encodeFrame, encodeMessageFrame, FrameDecoder, FRAME_HEADER_SIZE } from '../../app/xpc/frame';
import { decodeLibxpcMessage } from '../../app/xpc/container';
import { xpc, xpcEquals } from '../../app/xpc/value';
import { cBuild, findCompiler, hexToBytes, type CBuild } from '../../native-probe/test/compile';
import { waitFor } from '../transport/test-helpers';
import { Broker } from '../broker';

/** B4: a libxpc Mach message body ('CPX@'); ../shared/interop/xpc-samples/SOURCES.md says where it comes from. */
const LIBXPC_BODY = new Uint8Array(readFileSync(new URL('../../../shared/interop/xpc-samples/xniff-entry2-testmsg.cpx.bin', import.meta.url)));

const cc = findCompiler();
if (cc === undefined) console.warn('probe ingest tests skipped: no C compiler found ($CC, cc, gcc or clang) to build the probe test program');

const SERVICE = 'com.apple.example';
const CONN_HANDLE = 0x600003a04000n;
const REQUEST_BODY = xpc.dictionary([
  ['op', xpc.string('lookup')],
  ['id', xpc.int64(42)],
  ['args', xpc.array([xpc.string('a'), xpc.bool(true)])],
  ['blob', xpc.data(Uint8Array.from([0xde, 0xad, 0xbe, 0xef]))],
  ['when', xpc.date(1700000000000000000n)],
]);
const REPLY_BODY = xpc.dictionary([
  ['status', xpc.string('ok')],
  ['result', xpc.uint64(7)],
]);

function ofKind<K extends InspectorEvent['kind']>(events: readonly InspectorEvent[], kind: K): EventOfKind<K>[] {
  return events.filter((e): e is EventOfKind<K> => e.kind === kind);
}

function exited(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe.skipIf(cc === undefined)('probe ingest', () => {
  let build: CBuild;
  let program: string;
  let dir: string;
  let broker: Broker;
  let events: InspectorEvent[];
  let logs: string[];

  beforeAll(() => {
    build = cBuild(cc!);
    program = build.program('probe_session', ['test/probe_session.c', 'src/probe_record.c', 'src/xpc_wire.c'], ['-lpthread']);
  });
  afterAll(() => build?.remove());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xpc-pi-'));
    events = [];
    logs = [];
    broker = await Broker.start({ socketPath: join(dir, 'b.sock'), probeSocketPath: join(dir, 'run', 'p.sock'), log: (line) => logs.push(line) });
    broker.onEvent((e) => events.push(e));
  });
  afterEach(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens in a private directory', () => {
    expect(broker.probeSocketPath).toBe(join(dir, 'run', 'p.sock'));
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'run', 'p.sock')).mode & 0o777).toBe(0o600);
  });

  it('accepts a body sent as the libxpc message bytes (bodyBytes), shown and stored like any other', async () => {
    const socket: Socket = connect(broker.probeSocketPath!);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    try {
      socket.write(encodeMessageFrame(encodeProbeRecord({ record: 'hello', t: 0, version: PROBE_RECORD_VERSION, pid: process.pid, executable: '/bin/test' }), 1n));
      const record = { record: xpc.string('message-sent'), t: xpc.int64(1), connection: xpc.uint64(CONN_HANDLE), message: xpc.int64(1), service: xpc.string(SERVICE) };
      socket.write(encodeMessageFrame(xpc.dictionary({ ...record, expectsReply: xpc.bool(false), sync: xpc.bool(false), bodyBytes: xpc.data(LIBXPC_BODY) }), 2n));
      await waitFor(() => ofKind(events, 'message-sent').some((e) => e.fromPid === process.pid), 'the message-sent event');
      const sent = ofKind(events, 'message-sent').find((e) => e.fromPid === process.pid)!;
      const expected = decodeLibxpcMessage(LIBXPC_BODY);
      if (!expected.ok) throw expected.error;
      expect(xpcEquals(sent.value!, expected.value)).toBe(true);
      expect(sent.summary).toContain('hello from xpc');
      // Stored as a RemoteXPC frame like the probe's other messages.
      const stored = decodeXpc(broker.messageBytes(sent.message)!.subarray(FRAME_HEADER_SIZE));
      expect(stored.ok && xpcEquals(stored.value, expected.value)).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  it('turns a real probe session into the broker events, with kernel pids, service names and latency', async () => {
    const servicePid = 4242;
    const child = spawn(program, [broker.probeSocketPath!, 'session', String(servicePid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = await exited(child);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('sent 12 dropped 0');
    const pid = child.pid!;
    await waitFor(() => ofKind(events, 'process-detached').some((e) => e.pid === pid), 'process-detached');

    const mine = events.filter((e) => e.kind !== 'job-loaded');
    // Every event came from the probe, and survives a capture file round trip with its mark.
    for (const e of mine) {
      expect((e as { observedBy?: string }).observedBy, e.kind).toBe('probe');
      const line = eventLine(e);
      const parsed = parseEventLine(line);
      expect(parsed.ok, line).toBe(true);
    }

    const attached = ofKind(mine, 'process-attached');
    expect(attached).toHaveLength(1);
    expect(attached[0]!.process).toMatchObject({ pid, uid: process.getuid!(), name: 'probe_session', executable: program });

    const opened = ofKind(mine, 'connection-opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ clientPid: pid, service: SERVICE, privileged: false, api: 'connection', viaEndpoint: false });
    const connection = opened[0]!.connection;

    const states = ofKind(mine, 'connection-state').map((e) => [e.connection, e.state, e.reason]);
    expect(states).toEqual([
      [connection, 'active', undefined],
      [connection, 'interrupted', 'com.apple.example: the service exited'],
      [connection, 'canceled', 'canceled by the process (xpc_connection_cancel)'],
    ]);

    const sent = ofKind(mine, 'message-sent');
    expect(sent.map((e) => [e.messageKind, e.fromPid, e.toPid, e.service, e.expectsReply, e.sync, e.connection])).toEqual([
      ['message', pid, undefined, SERVICE, true, false, connection],
      ['reply', servicePid, pid, SERVICE, false, false, connection],
      ['message', pid, servicePid, SERVICE, true, true, connection],
      ['message', pid, servicePid, SERVICE, false, false, connection],
      ['message', servicePid, pid, SERVICE, false, false, connection],
    ]);
    const [request, reply, ping, badText, incoming] = sent as [
      EventOfKind<'message-sent'>,
      EventOfKind<'message-sent'>,
      EventOfKind<'message-sent'>,
      EventOfKind<'message-sent'>,
      EventOfKind<'message-sent'>,
    ];
    expect(xpcEquals(request.value!, REQUEST_BODY)).toBe(true);
    expect(request.summary).toContain('op: "lookup"');
    expect(xpcEquals(reply.value!, REPLY_BODY)).toBe(true);
    expect(reply.inReplyTo).toBe(request.message);
    expect(badText.value).toBeUndefined();
    expect(badText.summary).toMatch(/^body not captured: it holds text that is not UTF-8 \(bad-utf8/);
    expect(xpcEquals(incoming.value!, xpc.dictionary({ event: xpc.string('changed') }))).toBe(true);

    // The stored bytes of a message are its body in a frame, fetchable by id like routed ones.
    const stored = broker.messageBytes(request.message)!;
    expect(stored.length).toBe(request.size);
    const body = decodeXpc(stored.subarray(FRAME_HEADER_SIZE));
    expect(body.ok && xpcEquals(body.value, REQUEST_BODY)).toBe(true);

    const received = ofKind(mine, 'reply-received');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ request: request.message, reply: reply.message, toPid: pid });
    // The probe slept 25 ms between the request and its reply, measured on the probe's clock.
    expect(received[0]!.latencyNs).toBeGreaterThanOrEqual(24_000_000);
    expect(received[0]!.latencyNs).toBeLessThan(5_000_000_000);

    const failed = ofKind(mine, 'reply-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ request: ping.message, toPid: pid, error: 'Connection interrupted', reason: 'the service exited' });

    expect(ofKind(mine, 'message-delivered')).toEqual([expect.objectContaining({ message: incoming.message, toPid: pid })]);
    expect(ofKind(mine, 'process-detached')).toEqual([expect.objectContaining({ pid, reason: 'peer closed the connection' })]);

    // Event order follows the record order.
    expect(mine.map((e) => e.kind)).toEqual([
      'process-attached',
      'connection-opened',
      'connection-state',
      'message-sent',
      'message-sent',
      'reply-received',
      'message-sent',
      'reply-failed',
      'connection-state',
      'message-sent',
      'message-sent',
      'message-delivered',
      'connection-state',
      'process-detached',
    ]);
    // Message ids come from the broker's session-wide sequence.
    expect(new Set(sent.map((e) => e.message)).size).toBe(sent.length);
  });

  it('takes records from many threads of one process, each frame whole', async () => {
    const child = spawn(program, [broker.probeSocketPath!, 'threads'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = await exited(child);
    expect(done.code, done.stderr).toBe(0);
    const [, sent, , dropped, , created] = done.stdout.trim().split(' ').map(Number) as [number, number, number, number, number, number];
    await waitFor(() => ofKind(events, 'process-detached').some((e) => e.pid === child.pid), 'process-detached');
    expect(ofKind(events, 'process-detached').find((e) => e.pid === child.pid)!.reason).toBe('peer closed the connection');
    const opened = ofKind(events, 'connection-opened').filter((e) => e.clientPid === child.pid);
    const messages = ofKind(events, 'message-sent').filter((e) => e.fromPid === child.pid);
    // Whatever was not dropped arrived (a connection whose created record was dropped is opened
    // at its first message instead), and the drops were reported.
    expect(1 + created + messages.length).toBe(sent);
    expect(opened.length).toBeGreaterThanOrEqual(created);
    expect(opened.length).toBeLessThanOrEqual(4);
    const lost = events.reduce((n, e) => n + ((e as { probeRecordsLost?: number }).probeRecordsLost ?? 0), 0);
    expect(lost).toBeLessThanOrEqual(dropped);
    expect(sent + dropped).toBe(1 + 4 * 501);
    // Each thread's messages are on its own connection, in its order.
    for (const conn of opened) {
      const ids = messages.filter((m) => m.connection === conn.connection).map((m) => m.value);
      const order = ids.map((v) => (v?.type === 'dictionary' && v.entries.get('i')?.type === 'int64' ? Number((v.entries.get('i') as { value: bigint }).value) : -1));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    }
  });

  it('gives a forked child a probe connection of its own, named by the kernel', async () => {
    const child = spawn(program, [broker.probeSocketPath!, 'fork'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = await exited(child);
    expect(done.code, done.stderr).toBe(0);
    const [, forkedPid, status] = done.stdout.trim().split(' ').map(Number) as [number, number, number];
    expect(status).toBe(0);
    await waitFor(() => ofKind(events, 'process-detached').filter((e) => e.pid === child.pid || e.pid === forkedPid).length === 2, 'both to detach');
    // Two sockets: the broker may read them in either order.
    const byPid = (a: readonly unknown[], b: readonly unknown[]): number => Number(a[0]) - Number(b[0]);
    const attached = ofKind(events, 'process-attached').map((e) => [e.process.pid, e.process.name]);
    expect(attached.sort(byPid)).toEqual(
      [
        [child.pid, 'parent'],
        [forkedPid, 'child'],
      ].sort(byPid),
    );
    expect(ofKind(events, 'connection-opened').map((e) => [e.clientPid, e.service]).sort(byPid)).toEqual(
      [
        [forkedPid, 'com.apple.child'],
        [child.pid, 'com.apple.parent'],
      ].sort(byPid),
    );
  });

  describe('malformed records close only that probe connection', () => {
    let probe: ChildProcess;
    let probeDone: Promise<{ code: number | null; stdout: string; stderr: string }>;

    beforeEach(async () => {
      probe = spawn(program, [broker.probeSocketPath!, 'session', '777', '--wait'], { stdio: ['pipe', 'pipe', 'pipe'] });
      probeDone = exited(probe);
      await waitFor(() => ofKind(events, 'connection-opened').some((e) => e.clientPid === probe.pid), 'the C probe to connect');
    });

    async function sendRaw(bytes: Uint8Array): Promise<void> {
      const socket: Socket = connect(broker.probeSocketPath!);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(bytes);
      await closed;
    }

    const frame = (record: ProbeRecord, id = 1n): Uint8Array => encodeMessageFrame(encodeProbeRecord(record), id);
    const hello = (pid = process.pid): Uint8Array => frame({ record: 'hello', t: 0, version: PROBE_RECORD_VERSION, pid, executable: '/bin/test' });
    const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

    it('refuses bad frames, bad XPC, bad records and lies, each with a reason naming the record and offset', async () => {
      const first = hello();
      const cases: [string, Uint8Array, RegExp][] = [
        ['bad magic', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), /malformed frame from pid \d+ at stream offset 0: bad magic/],
        [
          'bad XPC in a body',
          concat(first, encodeFrame({ flags: 0x101, messageId: 2n, body: Uint8Array.from([0x42, 0x37, 0x13, 0x42, 5, 0, 0, 0, 0xff, 0xff, 0, 0]) })),
          new RegExp(`malformed frame from pid \\d+ at stream offset ${first.length + FRAME_HEADER_SIZE + 8}: unknown type in message body`),
        ],
        [
          'a record missing a key',
          concat(first, encodeMessageFrame(xpc.dictionary({ record: xpc.string('message-sent'), t: xpc.int64(1), connection: xpc.uint64(1) }), 2n)),
          new RegExp(`malformed probe record #2 \\(frame at stream offset ${first.length}\\) from pid \\d+: record 'message-sent': key 'message' is missing`),
        ],
        [
          'body bytes that do not decode',
          concat(first, frame({ record: 'message-sent', t: 1, connection: 1n, message: 1, expectsReply: false, sync: false, bodyBytes: LIBXPC_BODY.subarray(0, 40) }, 2n)),
          /record #2 .*key 'bodyBytes' does not decode: at byte 12: expected the dictionary body .*\(truncated\)/,
        ],
        ['an unknown record', concat(first, encodeMessageFrame(xpc.dictionary({ record: xpc.string('gossip'), t: xpc.int64(1) }), 2n)), /record #2 .*unknown record "gossip"/],
        ['a body that is not a dictionary', encodeMessageFrame(xpc.array([]), 1n), /record #1 \(frame at stream offset 0\).*the frame body is array/],
        ['a record before hello', frame({ record: 'connection-canceled', t: 0, connection: 5n }), /record #1 \(frame at stream offset 0\) from pid \d+ refused: the first record must be 'hello'/],
        ['a hello claiming another pid', hello(1), new RegExp(`record #1 .*hello claims pid 1, but the kernel reports pid ${process.pid}`)],
        ['a second hello', concat(first, hello()), /record #2 .*hello was already received/],
        ['a frame larger than the limit', Uint8Array.from([0x92, 0x0b, 0xb0, 0x29, 1, 1, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0]), /at stream offset 8: too large/],
      ];
      for (const [what, bytes, reason] of cases) {
        const before = logs.length;
        await sendRaw(bytes);
        await waitFor(() => logs.slice(before).some((l) => reason.test(l)), `the log line for ${what}: ${reason}; got ${JSON.stringify(logs.slice(before))}`);
      }
      // A connection that got as far as hello is detached with the reason.
      const detached = ofKind(events, 'process-detached').filter((e) => e.pid === process.pid);
      expect(detached.length).toBeGreaterThanOrEqual(4);
      expect(detached.some((e) => /record #2 .*key 'message' is missing/.test(e.reason))).toBe(true);

      // The real probe's connection was never touched: its session goes on and completes.
      probe.stdin!.write('go\n');
      const done = await probeDone;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toContain('sent 12 dropped 0');
      await waitFor(() => ofKind(events, 'process-detached').some((e) => e.pid === probe.pid), 'the C probe to finish');
      const fromProbe = events.filter((e) => 'observedBy' in e && JSON.stringify(e).includes(String(probe.pid)));
      expect(ofKind(fromProbe, 'reply-received')).toHaveLength(1);
      expect(ofKind(events, 'process-detached').find((e) => e.pid === probe.pid)!.reason).toBe('peer closed the connection');
      expect(ofKind(events, 'connection-opened').filter((e) => e.clientPid === probe.pid).map((e) => e.service)).toEqual([SERVICE]);
    });
  });
});

describe.skipIf(cc === undefined)('probe sink backpressure', () => {
  let build: CBuild;
  beforeAll(() => {
    build = cBuild(cc!);
  });
  afterAll(() => build?.remove());

  it('drops and counts records instead of blocking, never tears a frame, and reports the count in the next record', () => {
    const program = build.program('probe_session', ['test/probe_session.c', 'src/probe_record.c', 'src/xpc_wire.c'], ['-lpthread']);
    const run = spawnSync(program, ['-', 'backpressure'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const stats = lines.at(-1)!.split(' ');
    expect(stats[0]).toBe('stats');
    const [sent, dropped, last] = stats.slice(1).map(Number) as [number, number, number];
    expect(last).toBe(0); // the record after the drain got through
    expect(dropped).toBeGreaterThan(0);
    expect(sent + dropped).toBe(1 + 3 + 1 + 2997 + 1);

    const decoder = new FrameDecoder();
    const records: { id: bigint; record: ProbeRecord }[] = [];
    for (const line of lines.slice(0, -1)) {
      expect(line.startsWith('chunk ')).toBe(true);
      for (const f of decoder.push(hexToBytes(line.slice(6)))) {
        const value = decodeXpc(f.body);
        if (!value.ok) throw new Error(value.error.message);
        const record = decodeProbeRecord(value.value);
        if (!record.ok) throw new Error(record.error);
        records.push({ id: f.messageId, record: record.record });
      }
    }
    expect(decoder.bufferedBytes).toBe(0); // no torn frame
    expect(records).toHaveLength(sent);
    expect(records[0]!.record.record).toBe('hello');
    expect(records.at(-1)!.record.record).toBe('connection-canceled');
    // The 100 kB record went out whole, in pieces, before anything after it.
    const big = records.find((r) => r.record.record === 'message-sent' && r.record.body?.type === 'data');
    expect(big).toBeDefined();
    // Frame ids number every record, sent or dropped; each gap is reported as `dropped` by the record after it.
    let total = 0;
    for (let i = 1; i < records.length; i++) {
      const gap = Number(records[i]!.id - records[i - 1]!.id) - 1;
      expect(records[i]!.record.dropped ?? 0, `record ${records[i]!.id}`).toBe(gap);
      total += gap;
    }
    expect(total).toBe(dropped);
    expect(records.at(-1)!.record.dropped).toBeGreaterThan(0);
  });
});

