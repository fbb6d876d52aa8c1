/**
 * Deriving the inspector's state from 1M events (InspectorModel.applyBatch), next to what
 * receiving the same events costs anyway in the same run: JSON.parse of the batches as they
 * arrive over the bridge. Two mixes: a realistic session (sends, replies, delivery, handler,
 * transaction and boost accounting) and the worst case where every event is a timeline row
 * with a payload.
 */
import type { WireEvent } from '../app/bridge/contract';
import { InspectorModel } from '../app/model/inspector-model';
import { syntheticSession } from '../app/model/synthetic-session';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const BATCH = 4096;

function run(label: string, accounting: boolean): void {
  const model = new InspectorModel({ rowCapacity: EVENTS });
  let applyMs = 0;
  let parseMs = 0;
  let events = 0;
  let batch: WireEvent[] = [];
  const flush = (): void => {
    // The bridge delivers batches as JSON text; parsing it is the baseline every consumer pays.
    const text = JSON.stringify({ events: batch });
    const parseStart = performance.now();
    const parsed = JSON.parse(text) as { events: WireEvent[] };
    parseMs += performance.now() - parseStart;
    const applyStart = performance.now();
    model.applyBatch(parsed.events);
    applyMs += performance.now() - applyStart;
    events += batch.length;
    batch = [];
  };
  for (const event of syntheticSession({ requests: Number.MAX_SAFE_INTEGER, accounting, services: 8, clients: 12 })) {
    batch.push(event);
    if (batch.length === BATCH) flush();
    if (events + batch.length >= EVENTS) break;
  }
  if (batch.length > 0) flush();
  console.log(
    `${label.padEnd(34)} ${events.toLocaleString('en')} events → ${model.rows.count.toLocaleString('en')} rows: apply ${applyMs.toFixed(0)} ms ` +
      `(${Math.round(events / (applyMs / 1000)).toLocaleString('en')} events/s); JSON.parse baseline ${parseMs.toFixed(0)} ms; ratio ${(applyMs / parseMs).toFixed(2)}`,
  );
}

run('realistic mix (with accounting)', true);
run('every event a row with a payload', false);
