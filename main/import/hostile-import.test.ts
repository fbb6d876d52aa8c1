/**
 * Hostile capture files stop quickly, with a message that says why, and within bounded memory:
 * each is opened in a child process the way the host opens an upload, and the child's peak
 * memory is compared with the same child opening a tiny good capture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasuredImport } from './testing/measured-import';
import { badLinesFile, goodFile, newlineBomb, newlineFreeBomb, oneLineFile, type HostileFile } from './testing/hostile-files';
import { importMeter, type ImportMeter } from './testing/measure';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MiB = 1024 * 1024;
/** DESIGN.md: hostile input stays under 256 MB over baseline, its error within 5 s. */
const MAX_PEAK_OVER_BASELINE = 256 * MiB;
const MAX_TIME_TO_ERROR_MS = 5000;

let dir: string;
let meter: ImportMeter;
let baseline: MeasuredImport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xpci-hostile-'));
  meter = await importMeter(root);
  baseline = await meter.measure(goodFile(dir));
  console.log(`baseline: good capture opened in ${baseline.ms.toFixed(0)} ms, peak RSS ${(baseline.peakRssBytes / MiB).toFixed(0)} MiB`);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectBounded(file: HostileFile, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const result = await meter.measure(file.path, { ...process.env, ...env });
  const over = result.peakRssBytes - baseline.peakRssBytes;
  console.log(`${file.name}: error after ${result.ms.toFixed(0)} ms, peak RSS ${(over / MiB).toFixed(0)} MiB over baseline: ${result.message}`);
  expect(result.message).toMatch(file.expected);
  expect(result.ms).toBeLessThan(MAX_TIME_TO_ERROR_MS);
  expect(over).toBeLessThan(MAX_PEAK_OVER_BASELINE);
}

describe('hostile capture files', () => {
  it('a gzip bomb of one-character lines stops at the first bound it reaches, fast and in bounded memory', async () => {
    await expectBounded(newlineBomb(dir));
  }, 60_000);

  it('a gzip bomb of one-character lines stops at the expansion bound even when bad lines are allowed without limit', async () => {
    const file = newlineBomb(dir);
    await expectBounded({ ...file, name: `${file.name}, bad lines unbounded`, expected: /the gzip data expands more than 200× \(.+ → .+ so far\); stopped/ }, { XPC_INSPECTOR_IMPORT_MAX_BAD_LINES: String(Number.MAX_SAFE_INTEGER) });
  }, 60_000);

  it('a gzip bomb without a newline stops at the expansion bound, never buffering its line', async () => {
    await expectBounded(newlineFreeBomb(dir));
  }, 60_000);

  it('a plain file of one 100 MiB line is refused at its first line without holding it', async () => {
    await expectBounded(oneLineFile(dir));
  }, 60_000);

  it('a file of a million malformed lines stops at the bad-line bound', async () => {
    await expectBounded(badLinesFile(dir));
  }, 60_000);

  it('the absolute expansion bound stops a bomb when the ratio bound is raised', async () => {
    const file = newlineFreeBomb(dir);
    const result = await meter.measure(file.path, { ...process.env, XPC_INSPECTOR_IMPORT_MAX_EXPANSION: '100000', XPC_INSPECTOR_IMPORT_MAX_EXPANDED_BYTES: '256M' });
    console.log(`newline-free bomb, ratio bound raised: error after ${result.ms.toFixed(0)} ms: ${result.message}`);
    expect(result.message).toMatch(/the gzip data expands to more than 256 MiB \(.+ → .+ so far\); stopped \(XPC_INSPECTOR_IMPORT_MAX_EXPANDED_BYTES raises the bound\)/);
    expect(result.peakRssBytes - baseline.peakRssBytes).toBeLessThan(MAX_PEAK_OVER_BASELINE);
  }, 60_000);
});
