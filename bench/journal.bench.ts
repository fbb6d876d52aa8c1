/**
 * Capture journal and import throughput, each next to a baseline measured in the same run:
 *  - journal: 1M realistic events appended to a CaptureJournal (serialization, batched writes,
 *    fsync every 100 ms, end line) vs raw fs.writeSync of the very same bytes plus one fsync.
 *    Target (DESIGN.md): ≥ 500k events/s.
 *  - import: importCapture of that 1M-event file (every line parsed and validated, XPC values
 *    checked) vs reading the same file and JSON.parse of every line. Target: ≤ 3 s.
 *  - export: the same file streamed through the exporter to .ndjson.gz (peak heap shown, it must
 *    stay far below the file size).
 * Run: npm run bench -- journal   (EVENTS=200000 for a shorter run)
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLine } from '../app/capture/format';
import type { InspectorEvent } from '../app/events/schema';
import { exportCapture } from '../main/capture/export';
import { importCapture } from '../main/capture/import';
import { writeEventLine } from '../main/capture/line-bytes';
import { CaptureJournal } from '../main/capture/journal';
import { sampleEvents } from '../main/capture/sample-events';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const BATCH = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
const dir = mkdtempSync(join(tmpdir(), 'xpc-journal-bench-'));

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Events in the batches a broker hands over (the generator runs outside the timed region). */
function batches(): InspectorEvent[][] {
  const out: InspectorEvent[][] = [];
  let batch: InspectorEvent[] = [];
  for (const event of sampleEvents(EVENTS)) {
    batch.push(event);
    if (batch.length === BATCH) {
      out.push(batch);
      batch = [];
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

async function journalRun(all: InspectorEvent[][], path: string): Promise<number> {
  const start = performance.now();
  const journal = CaptureJournal.open({ path, source: { kind: 'broker' } });
  for (const batch of all) {
    journal.append(batch);
    // Let the journal's end-of-turn write run, as it does between broker batches.
    if (journal.appended - journal.written > 64 * BATCH) await new Promise((resolve) => setImmediate(resolve));
  }
  await journal.close();
  return performance.now() - start;
}

function rawRun(path: string, bytes: Buffer): number {
  const start = performance.now();
  const fd = openSync(path, 'w');
  const chunk = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const end = Math.min(bytes.length, offset + chunk);
    let written = offset;
    while (written < end) written += writeSync(fd, bytes, written, end - written);
  }
  fsyncSync(fd);
  closeSync(fd);
  return performance.now() - start;
}

function jsonParseRun(path: string): number {
  const start = performance.now();
  const text = readFileSync(path, 'utf8');
  let count = 0;
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    JSON.parse(text.slice(from, nl));
    count++;
    from = nl + 1;
  }
  if (count < EVENTS) throw new Error(`baseline read ${count} lines`);
  return performance.now() - start;
}

async function main(): Promise<void> {
  console.log(`generating ${fmt(EVENTS)} realistic events…`);
  const all = batches();
  const journalPath = join(dir, 'journal.ndjson');
  const rawPath = join(dir, 'raw.ndjson');

  // Warm-up on a slice, so both sides run optimized code.
  await journalRun(all.slice(0, 50), join(dir, 'warm.ndjson'));
  gc?.();
  const journalMs = await journalRun(all, journalPath);
  const bytes = readFileSync(journalPath);
  rawRun(join(dir, 'warm-raw.ndjson'), bytes.subarray(0, 1 << 22));
  const rawMs = rawRun(rawPath, bytes);
  const journalRate = (EVENTS / journalMs) * 1000;
  const rawRate = (EVENTS / rawMs) * 1000;
  console.log(`\njournal write, ${fmt(EVENTS)} events, ${(bytes.length / 1e6).toFixed(1)} MB`);
  console.log(`  CaptureJournal.append + close   ${fmt(journalRate).padStart(12)} events/s  (${journalMs.toFixed(0)} ms)`);
  console.log(`  raw fs.writeSync, same bytes    ${fmt(rawRate).padStart(12)} events/s  (${rawMs.toFixed(0)} ms)`);
  console.log(`  ratio journal ÷ raw             ${(journalRate / rawRate).toFixed(3)}   target ≥ 500,000 events/s: ${journalRate >= 500_000 ? 'met' : 'NOT met'}`);
  // Serialization alone, for its share of the journal's time: the journal's byte writer into one
  // reused buffer, and eventLine (the string writer that exports and the stream writer use).
  const target = Buffer.allocUnsafe(1 << 20);
  const bytesStart = performance.now();
  let offset = 0;
  for (const batch of all) {
    for (const event of batch) {
      let end = writeEventLine(target, offset, target.length, event, false);
      if (end < 0) end = writeEventLine(target, 0, target.length, event, false);
      offset = end;
    }
  }
  const bytesMs = performance.now() - bytesStart;
  const serializeStart = performance.now();
  let chars = 0;
  for (const batch of all) for (const event of batch) chars += eventLine(event).length;
  const serializeMs = performance.now() - serializeStart;
  console.log(`  (serialization alone: ${fmt((EVENTS / bytesMs) * 1000)} events/s into the buffer; eventLine strings ${fmt((EVENTS / serializeMs) * 1000)} events/s, ${fmt(chars)} chars)`);
  all.length = 0;
  gc?.();

  const parseMs = jsonParseRun(journalPath);
  gc?.();
  const importStart = performance.now();
  const imported = await importCapture(journalPath, { strict: true });
  const importMs = performance.now() - importStart;
  if (imported.events.length !== EVENTS) throw new Error(`import read ${imported.events.length} events`);
  console.log(`\nimport, ${fmt(EVENTS)} events`);
  console.log(`  importCapture (validated)       ${importMs.toFixed(0).padStart(8)} ms`);
  console.log(`  readFileSync + JSON.parse       ${parseMs.toFixed(0).padStart(8)} ms`);
  console.log(`  ratio import ÷ JSON.parse       ${(importMs / parseMs).toFixed(3)}   target ≤ 3000 ms for 1M: ${importMs <= 3000 * (EVENTS / 1_000_000) ? 'met' : 'NOT met'}`);
  imported.events.length = 0;
  gc?.();
  const trustedStart = performance.now();
  const trusted = await importCapture(journalPath, { strict: true, validateValues: false });
  const trustedMs = performance.now() - trustedStart;
  console.log(`  (without checking XPC values: ${trustedMs.toFixed(0)} ms for ${fmt(trusted.events.length)} events)`);
  trusted.events.length = 0;
  gc?.();

  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  const exportStart = performance.now();
  const result = await exportCapture({ input: journalPath, output: join(dir, 'export.ndjson.gz'), gzip: true });
  const exportMs = performance.now() - exportStart;
  clearInterval(sampler);
  console.log(`\nexport to .ndjson.gz, ${fmt(result.written)} events`);
  console.log(`  exportCapture                   ${exportMs.toFixed(0).padStart(8)} ms, ${(statSync(join(dir, 'export.ndjson.gz')).size / 1e6).toFixed(1)} MB written`);
  console.log(`  peak heap growth                ${((peak - heapBefore) / 1e6).toFixed(1).padStart(8)} MB (input ${(bytes.length / 1e6).toFixed(1)} MB)`);
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
