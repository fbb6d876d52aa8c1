/**
 * A hostile plist in the jobs directory fails its own job only: the broker still starts quickly,
 * reports that job with its file and the reason, and serves the other jobs to a real client
 * (the built CLI's `send` and the built echo demo: `npm run build` first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'plist';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { InspectorEvent } from '../../../app/events/schema';
import { Broker } from '../broker';
import { arrayObject, asciiObject, assembleBinaryPlist, dictObject, type RawObject } from './bplist-test-writer';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(root, 'bin', 'xpc-inspector.mjs');
const echoProgram = join(root, 'out', 'demo', 'echo.mjs');

let dir: string;
let broker: Broker | undefined;
beforeEach(() => {
  if (!existsSync(join(root, 'out', 'main', 'cli.mjs')) || !existsSync(echoProgram)) {
    throw new Error('out/main/cli.mjs or out/demo/echo.mjs is missing: run `npm run build` before these tests');
  }
  dir = mkdtempSync('/tmp/xpcj-');
});
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** About 500 bytes: a dictionary whose ProgramArguments expand to 14^12 strings. */
function sharingBomb(): Uint8Array {
  const objects: RawObject[] = [dictObject([[1, 2], [3, 16]]), asciiObject('Label'), asciiObject('com.example.bomb'), asciiObject('ProgramArguments'), asciiObject('x')];
  for (let level = 1; level <= 12; level++) objects.push(arrayObject(Array.from({ length: 14 }, () => objects.length - 1)));
  return assembleBinaryPlist(objects);
}

function send(socketPath: string, service: string, message: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [bin, 'send', '--socket', socketPath, service, message, '--reply'], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`send failed: ${error.message}\n${stderr}`)) : resolvePromise(stdout),
    );
  });
}

it('starts within seconds past an expanding binary plist and a 1.9 GiB plist, failing only those, and serves the other job', { timeout: 30_000 }, async () => {
  const agents = join(dir, 'jobs', 'LaunchAgents');
  mkdirSync(agents, { recursive: true });
  const bomb = join(agents, 'bomb.plist');
  writeFileSync(bomb, sharingBomb());
  const huge = join(agents, 'huge.plist');
  writeFileSync(huge, '');
  truncateSync(huge, Math.floor(1.9 * 2 ** 30));
  writeFileSync(
    join(agents, 'echo.plist'),
    build({ Label: 'com.example.echo', ProgramArguments: ['node', echoProgram], MachServices: { 'com.example.echo': true } }),
  );

  const started = performance.now();
  broker = await Broker.start({ jobsDir: join(dir, 'jobs'), socketPath: join(dir, 'b.sock'), log: () => undefined });
  expect(performance.now() - started).toBeLessThan(5000);

  const events: InspectorEvent[] = [];
  broker.onEvent((e) => events.push(e));
  const failed = events.flatMap((e) => (e.kind === 'job-failed' ? [[e.file, e.error]] : []));
  expect(failed).toEqual([
    [bomb, expect.stringMatching(new RegExp(`^${bomb}: binary plist refused: expands to more than 100000 values`))],
    [huge, expect.stringMatching(new RegExp(`^${huge}: file is \\d+ bytes; job plists are limited to 1048576 bytes`))],
  ]);
  expect(events.flatMap((e) => (e.kind === 'job-loaded' ? [e.job.label] : []))).toEqual(['com.example.echo']);

  const reply = await send(broker.socketPath, 'com.example.echo', '{"text":"still served"}');
  expect(reply).toContain('still served');
});
