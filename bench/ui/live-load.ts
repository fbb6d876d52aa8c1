/**
 * The traffic of the live UI benchmark: a client process of the broker that sends requests to
 * the echo demo service at a paced rate, so the broker produces a steady stream of events for
 * the inspector to show. Driven by one JSON command per line on stdin, answered on stdout:
 *   {"cmd":"burst","count":N}              → {"replied":N}   N requests, at most 64 unanswered
 *   {"cmd":"run","rate":R,"seconds":S}     → {"sent","replied","seconds","behind"}
 *   {"cmd":"quit"}
 * `behind` counts the ticks at which the window of unanswered requests was full, so fewer
 * requests than asked were sent: the broker, not this client, was the limit.
 */
import { createInterface } from 'node:readline';
import { createConnection, xpc, type XpcValue } from '../../sdk';

const SERVICE = process.env.BENCH_SERVICE ?? 'com.example.echo';
const TICK_MS = 10;
const WINDOW = 2048;

type Command = { readonly cmd: 'burst'; readonly count: number } | { readonly cmd: 'run'; readonly rate: number; readonly seconds: number } | { readonly cmd: 'quit' };

const conn = createConnection(SERVICE);
conn.setEventHandler((event: XpcValue) => {
  if (event.type === 'error') {
    console.error(`${SERVICE}: ${event.description}: ${conn.invalidationReason ?? 'no reason'}`);
    process.exit(3);
  }
});
conn.activate();

let outstanding = 0;
let replied = 0;
let n = 0;

function request(): Promise<void> {
  n += 1;
  outstanding += 1;
  const body = xpc.dictionary({ op: xpc.string('render'), n: xpc.int64(n), text: xpc.string(`frame ${n} of the live benchmark`) });
  return conn.request(body).then(() => {
    outstanding -= 1;
    replied += 1;
  });
}

async function burst(count: number): Promise<Record<string, number>> {
  const before = replied;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const p = request().finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { replied: replied - before };
}

/** Sends `rate` requests a second in ticks of TICK_MS, keeping to the schedule rather than catching up late. */
async function run(rate: number, seconds: number): Promise<Record<string, number>> {
  const startReplied = replied;
  const started = performance.now();
  let sent = 0;
  let behind = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= seconds) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * rate) - sent;
      const room = WINDOW - outstanding;
      if (due > room) behind += 1;
      for (let i = 0; i < Math.min(due, room); i++) void request();
      sent += Math.max(0, Math.min(due, room));
    }, TICK_MS);
  });
  while (outstanding > 0) await new Promise((r) => setTimeout(r, 5));
  return { sent, replied: replied - startReplied, seconds: (performance.now() - started) / 1000, behind };
}

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === 'quit') break;
  const answer = command.cmd === 'burst' ? await burst(command.count) : await run(command.rate, command.seconds);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
process.exit(0);
