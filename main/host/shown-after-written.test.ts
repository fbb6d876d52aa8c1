/**
 * "Killing the app loses nothing that was shown": the live stream hands a window an event only
 * once the live journal's bytes for it are in the file. Checked against the file itself, with
 * the real broker, demo services and traffic of browser mode.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer } from '../server/test-server';

let mode: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  mode = await startTestServer();
});
afterAll(async () => {
  await mode?.dispose();
});

/** The seq of the last complete event line in the journal file. */
function lastSeqInFile(path: string): number {
  const text = readFileSync(path, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n')).split('\n');
  for (let i = lines.length - 1; i > 0; i--) {
    const match = /^\{"seq":(\d+),/.exec(lines[i]!);
    if (match) return Number(match[1]);
  }
  return 0;
}

it('sends no event to a window before the journal on disk holds it', async () => {
  const path = (await mode.host.getSession()).capturePath!;
  const checks: { shown: number; inFile: number }[] = [];
  const stop = mode.host.subscribe((batch) => {
    const last = batch.events.at(-1);
    if (last !== undefined) checks.push({ shown: last.seq, inFile: lastSeqInFile(path) });
  }, 0);
  const started = Date.now();
  while (checks.length < 40 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
  stop();
  expect(checks.length).toBeGreaterThanOrEqual(40);
  for (const check of checks) expect(check.inFile).toBeGreaterThanOrEqual(check.shown);
}, 30_000);
