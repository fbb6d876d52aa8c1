/**
 * A broker in a process of its own, so a test can measure what the broker alone holds (RSS,
 * heap). argv[2]: JSON BrokerOptions. Writes JSON lines on stdout: {ready, pid}, {log} for
 * every broker log line, {mem} in answer to "mem" on stdin (after a full gc when --expose-gc).
 * SIGTERM stops the broker.
 */
import { createInterface } from 'node:readline';
import { Broker, type BrokerOptions } from '../broker';

const out = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

let peakRss = process.memoryUsage.rss();
// Sampled often enough to catch a burst of queued output before the bound releases it.
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 5).unref();

function memory(): object {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  const result = { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peakRss, gc: gc !== undefined };
  peakRss = m.rss;
  return result;
}

const options = JSON.parse(process.argv[2] ?? '{}') as BrokerOptions;
const broker = await Broker.start({ ...options, log: (line) => out({ log: line }) });
out({ ready: true, pid: process.pid, socketPath: broker.socketPath });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'mem') out({ mem: memory() });
});
process.on('SIGTERM', () => {
  void broker.stop().then(() => process.exit(0));
});
