/**
 * The client process of the broker bench. It talks to the bench service two ways — through
 * the broker with the SDK ($XPC_INSPECTOR_SOCKET, service $BENCH_SERVICE) and straight to the
 * service's own socket ($BENCH_DIRECT_SOCKET) — and runs what the bench asks on stdin, one JSON
 * command per line, answering each with one JSON line on stdout:
 *   {"cmd":"latency","path":"broker"|"direct"|"relay","count":N}  → {"samplesUs":[…], …cpu}
 *   {"cmd":"throughput","path":…,"count":N,"batch":B,"window":W} → {"seconds":s,"received":n, …cpu}
 *   {"cmd":"quit"}
 * where cpu is {"clientCpuUs","serviceCpuUs"}: the CPU time each of the two processes spent on it.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { DEFAULT_MESSAGE_FLAGS, FrameFlag } from '../../app/xpc/frame';
import { dictGetInt, type XpcValue } from '../../app/xpc/value';
import { createConnection } from '../../sdk';
import { DirectLink } from './direct-link';
import { ACK, COUNT, ping, tick } from './workload';

const REQUEST_FLAGS = DEFAULT_MESSAGE_FLAGS | FrameFlag.WANTING_REPLY;

interface Path {
  request(body: XpcValue): Promise<XpcValue>;
  sendOneWay(body: XpcValue): void;
}

type PathName = 'broker' | 'direct' | 'relay';
type Command =
  | { readonly cmd: 'latency'; readonly path: PathName; readonly count: number }
  | { readonly cmd: 'throughput'; readonly path: PathName; readonly count: number; readonly batch: number; readonly window: number }
  | { readonly cmd: 'quit' };

function brokerPath(service: string): Path {
  const conn = createConnection(service);
  conn.setEventHandler((event) => {
    if (event.type === 'error') throw new Error(`${service}: ${event.description}: ${conn.invalidationReason ?? ''}`);
  });
  conn.activate();
  return { request: (body) => conn.request(body), sendOneWay: (body) => conn.sendMessage(body) };
}

async function directPath(path: string): Promise<Path> {
  const socket = await connectWithRetry(path);
  const pending = new Map<bigint, (value: XpcValue) => void>();
  let lastId = 0n;
  const link = new DirectLink(socket, (value, frame) => {
    const resolve = pending.get(frame.messageId);
    pending.delete(frame.messageId);
    resolve?.(value);
  });
  return {
    request: (body) =>
      new Promise((resolve) => {
        const id = ++lastId;
        pending.set(id, resolve);
        link.send(body, id, REQUEST_FLAGS);
      }),
    sendOneWay: (body) => link.send(body, ++lastId, DEFAULT_MESSAGE_FLAGS),
  };
}

/** The service creates its socket when the broker has launched it; wait for it. */
async function connectWithRetry(path: string): Promise<Socket> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function latency(path: Path, count: number): Promise<{ samplesUs: number[] }> {
  const samplesUs: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await path.request(ping(i));
    samplesUs[i] = (performance.now() - started) * 1000;
  }
  return { samplesUs };
}

/** Sends `count` one-way messages, a request after every `batch` keeping at most `window` unanswered. */
async function throughput(path: Path, count: number, batch: number, window: number): Promise<{ seconds: number }> {
  const started = performance.now();
  const acks: Promise<XpcValue>[] = [];
  let sent = 0;
  while (sent < count) {
    const n = Math.min(batch, count - sent);
    for (let i = 0; i < n; i++) path.sendOneWay(tick(sent++));
    acks.push(path.request(ACK));
    if (acks.length >= window) await acks.shift();
  }
  await Promise.all(acks);
  return { seconds: (performance.now() - started) / 1000 };
}

/** The service's one-way count since the last ask, and its CPU time so far. */
async function serviceStats(path: Path): Promise<{ count: number; cpuUs: number }> {
  const answer = await path.request(COUNT);
  return { count: Number(dictGetInt(answer, 'count') ?? -1n), cpuUs: Number(dictGetInt(answer, 'cpuUs') ?? -1n) };
}

/** Runs one command, with the CPU both processes spent on it. */
async function measured(path: Path, command: Exclude<Command, { cmd: 'quit' }>): Promise<Record<string, unknown>> {
  const serviceBefore = await serviceStats(path);
  const clientBefore = process.cpuUsage();
  const result = command.cmd === 'latency' ? await latency(path, command.count) : await throughput(path, command.count, command.batch, command.window);
  const client = process.cpuUsage(clientBefore);
  const serviceAfter = await serviceStats(path);
  return {
    ...result,
    ...(command.cmd === 'throughput' ? { received: serviceAfter.count } : {}),
    clientCpuUs: client.user + client.system,
    serviceCpuUs: serviceAfter.cpuUs - serviceBefore.cpuUs,
  };
}

const service = process.env.BENCH_SERVICE;
const directSocket = process.env.BENCH_DIRECT_SOCKET;
const relaySocket = process.env.BENCH_RELAY_SOCKET;
if (service === undefined || directSocket === undefined || relaySocket === undefined) throw new Error('BENCH_SERVICE, BENCH_DIRECT_SOCKET and BENCH_RELAY_SOCKET must be set');

const broker = brokerPath(service);
// The first request launches the service, which then opens its direct socket.
await broker.request(ping(0));
const paths = { broker, direct: await directPath(directSocket), relay: await directPath(relaySocket) };
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === 'quit') break;
  process.stdout.write(`${JSON.stringify(await measured(paths[command.path], command))}\n`);
}
process.exit(0);
