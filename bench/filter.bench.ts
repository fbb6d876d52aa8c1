/**
 * Timeline filtering over 1M rows (target: ≤ 150 ms per filter), next to the floor of any
 * filter in the same run: Array.prototype.filter over 1M row numbers with a trivial predicate.
 * Also prints how long building those rows from events took (the model's apply rate).
 */
import type { WireEvent } from '../app/bridge/contract';
import { FilteredRows, parseFilter } from '../app/filter';
import { InspectorModel } from '../app/model/inspector-model';
import { syntheticSession } from '../app/model/synthetic-session';

const TARGET_ROWS = 1_000_000;
const FILTER_BUDGET_MS = 150;

function best(times: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

// ~1.8 rows per request (request + reply, one-way messages have one row).
// Events are generated batch by batch (as they arrive from the host); only applying is timed.
const model = new InspectorModel({ rowCapacity: TARGET_ROWS });
let buildMs = 0;
let events = 0;
let batch: WireEvent[] = [];
const applyTimed = (): void => {
  const start = performance.now();
  model.applyBatch(batch);
  buildMs += performance.now() - start;
  events += batch.length;
  batch = [];
};
for (const event of syntheticSession({ requests: 560_000, accounting: false, services: 8, clients: 12 })) {
  batch.push(event);
  if (batch.length === 4096) applyTimed();
}
applyTimed();
const rows = model.rows.count;
console.log(`model: ${events.toLocaleString('en')} events → ${rows.toLocaleString('en')} rows in ${buildMs.toFixed(0)} ms (${Math.round(events / (buildMs / 1000)).toLocaleString('en')} events/s)`);

const plain = Array.from({ length: rows }, (_, i) => i);
const baselineMs = best(5, () => {
  const kept = plain.filter((row) => (row & 1) === 0);
  if (kept.length === 0) throw new Error('baseline kept nothing');
});
console.log(`baseline: Array.prototype.filter, 1M numbers, trivial predicate: ${baselineMs.toFixed(1)} ms`);

const filters = [
  'service:com.example.echo',
  'kind:reply',
  'latency>15us',
  'has:error',
  'is:unanswered',
  'charlie',
  '"name: \\"hotel\\""',
  'service:com.example.* -kind:reply (latency>10us OR is:sync) foxtrot',
  'from:Client0 OR to:helper1',
];

let worst = 0;
for (const text of filters) {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  let matched = 0;
  const ms = best(3, () => {
    const view = new FilteredRows(model, parsed.filter);
    matched = view.rows.length;
  });
  worst = Math.max(worst, ms);
  console.log(
    `${text.padEnd(70)} ${ms.toFixed(1).padStart(7)} ms  ${matched.toLocaleString('en').padStart(9)} rows  ratio ${(ms / baselineMs).toFixed(2)}× baseline`,
  );
}
console.log(`slowest filter over ${rows.toLocaleString('en')} rows: ${worst.toFixed(1)} ms (budget ${FILTER_BUDGET_MS} ms) → ${worst <= FILTER_BUDGET_MS ? 'OK' : 'OVER BUDGET'}`);
console.log(`ratio slowest filter ÷ baseline: ${(worst / baselineMs).toFixed(2)}`);
if (worst > FILTER_BUDGET_MS) process.exitCode = 1;
