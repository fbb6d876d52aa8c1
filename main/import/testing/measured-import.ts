/**
 * Opens one capture file the way the host does (a check-capture job in the import worker) and
 * prints, as one JSON line, how long it took, how it ended and the process's peak memory.
 * Run as its own process (bundled next to import-worker.mjs), so the peak is the import's alone.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { importLimits } from '../../capture/import-limits';
import { runImportOffThread } from '../off-thread';

export interface MeasuredImport {
  readonly ms: number;
  /** The first bad line's message, or the error that stopped the read. */
  readonly message: string;
  readonly errorCount: number;
  /** Peak resident memory of the whole process (VmHWM), bytes. */
  readonly peakRssBytes: number;
}

function peakRss(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match !== null ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function main(path: string): Promise<void> {
  const started = performance.now();
  let message = '';
  let errorCount = 0;
  try {
    const check = await runImportOffThread({ kind: 'check-capture', request: { path, fileName: basename(path) }, limits: importLimits() }, basename(path));
    const first = check.errors[0];
    message = first !== undefined ? `line ${first.line}: ${first.message}` : '';
    errorCount = check.errorCount;
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  const result: MeasuredImport = { ms: performance.now() - started, message, errorCount, peakRssBytes: peakRss() };
  console.log(JSON.stringify(result));
}

const path = process.argv[2];
if (path === undefined) throw new Error('usage: measured-import FILE');
await main(path);
