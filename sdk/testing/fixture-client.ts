/**
 * A client for the broker's integration tests, run as a child process. argv[2] is a JSON
 * scenario; results are printed as JSON lines on stdout.
 *   {"scenario":"load","service":S,"count":N,"window":W}
 *       N requests ({op:"echo", i}) with at most W outstanding; checks every reply belongs to
 *       its request; prints {"done":true,"replies","errors","mismatches","ms"}.
 *   {"scenario":"oneway","service":S,"count":N}
 *       N one-way messages, then one request; prints {"done":true,"count","ms"} once it is answered.
 *   {"scenario":"stay","services":[S…],"privileged":false}
 *       asks each service for {op:"pid"}, prints {"pid":…,"service":S} per reply, then stays
 *       connected (printing connection events) until killed.
 *   {"scenario":"once","service":S,"body":{…}}
 *       one request; prints {"reply":…} or {"error","reason"}, then exits.
 *   {"scenario":"session","service":S}
 *       opens an XPCSession, asks {op:"pid"}, prints {"ready":true,"pid","servicePid"}, then
 *       stays until killed (printing {"sessionEnded","reason"} if the session ends first).
 */
import { createConnection, dictGet, dictGetInt, shutdownXpc, xpc, XPCSession, type XPCConnection, type XpcValue } from '../index';

interface Scenario {
  readonly scenario: 'load' | 'oneway' | 'stay' | 'once' | 'session';
  readonly service?: string;
  readonly services?: readonly string[];
  readonly privileged?: boolean;
  readonly count?: number;
  readonly window?: number;
  readonly body?: Record<string, string | number>;
}

function out(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
}

function open(service: string, privileged: boolean): XPCConnection {
  const conn = createConnection(service, { privileged });
  conn.setEventHandler((event: XpcValue) => {
    if (event.type === 'error') out({ connEvent: event.description, reason: conn.invalidationReason ?? null, service });
    else out({ message: event.type, service });
  });
  conn.activate();
  return conn;
}

function request(conn: XPCConnection, body: XpcValue): Promise<{ reply?: XpcValue; error?: string; reason?: string }> {
  return new Promise((resolve) =>
    conn.sendMessageWithReply(body, (reply, reason) => (reply.type === 'error' ? resolve({ error: reply.description, reason: reason ?? '' }) : resolve({ reply }))),
  );
}

async function load(s: Scenario): Promise<void> {
  const conn = open(s.service!, s.privileged ?? false);
  const count = s.count ?? 1000;
  const window = s.window ?? 32;
  let next = 0;
  let replies = 0;
  let errors = 0;
  let mismatches = 0;
  const started = Date.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const r = await request(conn, xpc.dictionary({ op: xpc.string('echo'), i: xpc.int64(i) }));
      if (r.error !== undefined) errors++;
      else if (dictGetInt(dictGet(r.reply, 'echo'), 'i') === BigInt(i)) replies++;
      else mismatches++;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  out({ done: true, replies, errors, mismatches, ms: Date.now() - started });
  conn.cancel();
  shutdownXpc();
}

/** N one-way messages, then one request: its reply means every message before it was handled. */
async function oneway(s: Scenario): Promise<void> {
  const conn = open(s.service!, s.privileged ?? false);
  const count = s.count ?? 1000;
  await request(conn, xpc.dictionary({ op: xpc.string('pid') }));
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    conn.sendMessage(xpc.dictionary({ op: xpc.string('echo'), i: xpc.int64(i) }));
    if (i % 256 === 255) await new Promise((r) => setImmediate(r));
  }
  await request(conn, xpc.dictionary({ op: xpc.string('pid') }));
  out({ done: true, count, ms: Date.now() - started });
  conn.cancel();
  shutdownXpc();
}

async function stay(s: Scenario): Promise<void> {
  for (const service of s.services ?? []) {
    const conn = open(service, s.privileged ?? false);
    const r = await request(conn, xpc.dictionary({ op: xpc.string('pid') }));
    out({ service, pid: r.reply ? Number(dictGetInt(r.reply, 'pid')) : null, error: r.error ?? null });
  }
  out({ ready: true, pid: process.pid });
}

async function once(s: Scenario): Promise<void> {
  const conn = open(s.service!, s.privileged ?? false);
  const entries: [string, XpcValue][] = Object.entries(s.body ?? { op: 'echo' }).map(([k, v]) => [k, typeof v === 'number' ? xpc.int64(v) : xpc.string(v)]);
  const r = await request(conn, xpc.dictionary(entries));
  out(r.reply !== undefined ? { reply: r.reply.type } : { error: r.error, reason: r.reason });
  conn.cancel();
  shutdownXpc();
}

async function session(s: Scenario): Promise<void> {
  const opened = new XPCSession(s.service!, { cancellationHandler: (error) => out({ sessionEnded: error.error, reason: error.reason }) });
  const reply = await opened.sendWithReply(xpc.dictionary({ op: xpc.string('pid') }));
  out({ ready: true, pid: process.pid, servicePid: Number(dictGetInt(reply, 'pid')) });
}

const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario;
const run = { load, oneway, stay, once, session }[scenario.scenario];
run(scenario).catch((error: unknown) => {
  out({ failed: String(error) });
  process.exit(1);
});
