/**
 * The capture commands as a user runs them: `node bin/xpc-inspector.mjs …` as a real child
 * process, against the built CLI (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeXpc } from '../../../app/xpc/describe';
import { xpc } from '../../../app/xpc/value';
import { importCapture } from '../../capture/import';
import { CaptureJournal } from '../../capture/journal';
import { sampleEvents } from '../../capture/sample-events';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(root, 'bin', 'xpc-inspector.mjs');
let dir: string;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], options: { nodeArgs?: readonly string[]; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xpc-inspector ${args.join(' ')} timed out\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

async function journalOf(name: string, count: number): Promise<string> {
  const path = join(dir, name);
  const journal = CaptureJournal.open({ path, startedAtWallMs: 1_795_381_001_000, source: { kind: 'broker', jobsDir: '/demo/jobs' } });
  let batch = [];
  for (const event of sampleEvents(count)) {
    batch.push(event);
    if (batch.length === 5000) {
      journal.append(batch);
      batch = [];
    }
  }
  journal.append(batch);
  await journal.close();
  return path;
}

beforeAll(() => {
  if (!existsSync(join(root, 'out', 'main', 'cli.mjs'))) throw new Error('out/main/cli.mjs is missing: run `npm run build` before these tests');
  dir = mkdtempSync(join(tmpdir(), 'xpc-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xpc-inspector import', () => {
  it('validates a capture and prints events by kind and services', async () => {
    const path = await journalOf('ok.ndjson', 2000);
    const result = await run(['import', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('events    2000 (seq 1 … 2000');
    expect(result.stdout).toContain('closed    cleanly (end line present)');
    expect(result.stdout).toMatch(/\n {2}message-sent +399\n/);
    expect(result.stdout).toMatch(/\n {2}com\.example\.echo +50 messages, 50 replies, 0 errors, 2 connections\n/);
    expect(result.stdout).toContain('errors    0');
  });

  it('exits non-zero on a corrupt line and names its line number; --keep-good accepts the rest and -o writes them', async () => {
    const good = await journalOf('corrupt-src.ndjson', 300);
    const lines = readFileSync(good, 'utf8').split('\n');
    lines[41] = lines[41]!.replace(/"t":\d+/, '"t":"soon"');
    const path = join(dir, 'corrupt.ndjson');
    writeFileSync(path, lines.join('\n'));
    const strict = await run(['import', path]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('errors    1\n  line 42: ');
    expect(strict.stdout).toMatch(/line 42: event kind "[a-z-]+": field "t" must be a number \(a non-negative integer\), got string "soon"/);
    expect(strict.stderr).toMatch(/1 bad line \(first: line 42: .*\); --keep-good accepts the rest/);
    const repaired = join(dir, 'repaired.ndjson');
    const kept = await run(['import', path, '--keep-good', '-o', repaired]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain(`wrote 299 good events to ${repaired}`);
    const reread = await importCapture(repaired, { strict: true });
    expect(reread.events).toHaveLength(299);
  });

  it('lists the first bad lines and counts the rest', async () => {
    const good = readFileSync(await journalOf('many-bad-src.ndjson', 20), 'utf8');
    const path = join(dir, 'many-bad.ndjson');
    writeFileSync(path, `${good}${'oops\n'.repeat(250)}`);
    const result = await run(['import', path, '--keep-good']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('errors    250\n');
    expect(result.stdout).toContain('  … and 230 more (--json lists the first 100)');
  });

  it('stops a gzip bomb at the expansion bound, naming the file; the bounds change with options', async () => {
    const header = readFileSync(await journalOf('bomb-src.ndjson', 0), 'utf8').split('\n')[0]!;
    const path = join(dir, 'bomb.ndjson.gz');
    writeFileSync(path, Buffer.concat([gzipSync(`${header}\n`), gzipSync(Buffer.alloc(64 * 1024 * 1024, 'q'))]));
    const stopped = await run(['import', path]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^xpc-inspector: .*bomb\.ndjson\.gz: the gzip data expands more than 200× \(.+ → .+ so far\); stopped \(XPC_INSPECTOR_IMPORT_MAX_EXPANSION raises the bound\)/);
    const raised = await run(['import', path, '--max-expansion', '100000', '--max-expanded-bytes', '8M']);
    expect(raised.code).toBe(1);
    expect(raised.stderr).toMatch(/bomb\.ndjson\.gz: the gzip data expands to more than 8 MiB/);
    const malformed = await run(['import', path, '--max-expansion', 'lots']);
    expect(malformed.stderr).toContain('--max-expansion lots: expected a whole number');
  });

  it('prints the summary as JSON with --json', async () => {
    const path = await journalOf('json.ndjson', 100);
    const result = await run(['import', path, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { events: number; complete: boolean; kinds: Record<string, number>; errors: unknown[]; header: { source: { jobsDir: string } } };
    expect(report).toMatchObject({ events: 100, complete: true, errors: [], header: { source: { jobsDir: '/demo/jobs' } } });
    expect(Object.values(report.kinds).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('rejects a file that is not a capture and a newer format version with a clear message', async () => {
    const notCapture = join(dir, 'notes.ndjson');
    writeFileSync(notCapture, 'hello\n');
    const a = await run(['import', notCapture]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(`xpc-inspector: ${notCapture}: line 1: not an XPC Inspector capture: the first line is not JSON`);
    const newer = join(dir, 'newer.ndjson');
    writeFileSync(newer, '{"format":"xpc-inspector-capture","version":2,"startedAtWallMs":0,"source":{"kind":"broker"},"createdBy":"xpc-inspector 9"}\n');
    const b = await run(['import', newer]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('capture format version 2 is newer than this XPC Inspector reads (version 1); update XPC Inspector to open it');
    const missing = await run(['import', join(dir, 'missing.ndjson')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing.ndjson: no such file');
  });

  it('reports a truncated .gz as an error, and keeps the complete lines with --keep-good', async () => {
    const path = await journalOf('gz-src.ndjson', 20_000);
    const gz = gzipSync(readFileSync(path));
    const cut = join(dir, 'cut.ndjson.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 1000));
    const strict = await run(['import', cut]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/line \d+: the gzip stream ends early \(the \.gz file is truncated\)/);
    const kept = await run(['import', cut, '--keep-good']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('closed    no: the file ends early (interrupted or truncated)');
  });

  it('reads xpc_copy_description text with --description and prints each message as XPC-JSON', async () => {
    const message = xpc.dictionary([
      ['op', xpc.string('fetch')],
      ['ids', xpc.array([xpc.int64(1), xpc.uint64(2)])],
    ]);
    const text = [
      `2026-11-22 10:00:00.123 MyApp[123:4567] received: ${describeXpc(message)}`,
      '',
      '2026-11-22 10:00:00.200 MyApp[123:4567] reply: <dictionary: 0x600003b1c000> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"status" => <int64: 0xa0ed3e5b2e1e3dcf>: 0',
      '\t"port" => <mach send right: 0x10100c590> { name = 1799, right = send, urefs = 5 }',
      '}',
      'broken: <dictionary: 0x1> { count = 1, transaction: 0, voucher = 0x0, contents =',
      '\t"x" <bool: 0x2>: true',
    ].join('\n');
    const path = join(dir, 'lldb.txt');
    writeFileSync(path, text);
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    const result = await run(['import', '--description', path, '--compact']);
    expect(result.stdout).toBe('{"op":"fetch","ids":[1,{"$uint64":"2"}]}\n{"status":0}\n');
    expect(result.stderr).toContain(`${path}: line ${lineOf('"port"')}: warning: a <mach send right> object cannot be held by an XPC Inspector value; left out`);
    expect(result.stderr).toContain(`${path}: line ${lineOf('"x" <bool')}: expected "=>" after key "x", found "<bool: 0x2>: true"`);
    expect(result.code).toBe(1);
    expect((await run(['import', '--description', path, '--keep-good'])).code).toBe(0);
  });
});

describe('xpc-inspector export', () => {
  it('exports a journal to a gzip capture that imports to the same events', async () => {
    const path = await journalOf('export-src.ndjson', 1000);
    const out = join(dir, 'export.ndjson.gz');
    const result = await run(['export', path, '-o', out, '--gzip']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`exported 1000 of 1000 events to ${out}`);
    expect(gunzipSync(readFileSync(out)).equals(readFileSync(path))).toBe(true);
  });

  it('exports only the events behind rows matching --filter, and the events about those messages', async () => {
    const path = await journalOf('filter-src.ndjson', 3000);
    const out = join(dir, 'indexer.ndjson');
    const result = await run(['export', path, '-o', out, '--filter', 'service:com.example.indexer']);
    expect(result.code).toBe(0);
    const exported = await importCapture(out, { strict: true });
    const sent = exported.events.filter((e) => e.kind === 'message-sent');
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((e) => e.kind === 'message-sent' && e.service))).toEqual(new Set(['com.example.indexer']));
    // The reply-received events of those requests come along.
    expect(exported.events.some((e) => e.kind === 'reply-received')).toBe(true);
    const bad = await run(['export', path, '-o', join(dir, 'x.ndjson'), '--filter', 'service:(']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^xpc-inspector: --filter "service:\(": column \d+: /);
  });

  it('exports CSV', async () => {
    const path = await journalOf('csv-src.ndjson', 20);
    const out = join(dir, 'events.csv');
    expect((await run(['export', path, '-o', out, '--csv'])).code).toBe(0);
    const rows = readFileSync(out, 'utf8').split('\r\n');
    expect(rows[0]).toBe('seq,time_ms,kind,pid,peer_pid,connection,message,service,detail');
    expect(rows[1]).toBe('1,0.037,connection-opened,4000,,1,,com.example.echo,connection');
    expect(rows).toHaveLength(22);
  });

  it('exports a capture far larger than its heap: memory stays bounded', async () => {
    const path = await journalOf('large.ndjson', 200_000);
    const out = join(dir, 'large.ndjson.gz');
    // 33 MB of text is well over 100 MB as parsed events; the heap is capped far below that.
    const result = await run(['export', path, '-o', out, '--gzip'], { nodeArgs: ['--max-old-space-size=40'], timeoutMs: 120_000 });
    expect(result.stderr).toContain('exported 200000 of 200000 events');
    expect(result.code).toBe(0);
  }, 180_000);

  it('fails with a clear message when the input does not exist', async () => {
    const result = await run(['export', join(dir, 'nope.ndjson'), '-o', join(dir, 'o.ndjson')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.ndjson: no such file');
  });
});

describe('xpc-inspector broker', () => {
  function jobsDir(): string {
    const jobs = join(dir, `jobs-${Math.random().toString(36).slice(2)}`);
    mkdirSync(jobs);
    const script = join(jobs, 'hello.mjs');
    writeFileSync(script, "console.log('hello from the job'); setTimeout(() => process.exit(0), 50);\n");
    writeFileSync(
      join(jobs, 'com.example.hello.plist'),
      `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>com.example.hello</string>
  <key>ProgramArguments</key><array><string>${process.execPath}</string><string>${script}</string></array>
  <key>RunAtLoad</key><true/>
  <key>MachServices</key><dict><key>com.example.hello</key><true/></dict>
</dict></plist>
`,
    );
    return jobs;
  }

  async function runBroker(args: readonly string[], until: (stdout: string, capture: () => string) => boolean): Promise<Run> {
    const child = spawn(process.execPath, [bin, 'broker', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolvePromise) => child.on('exit', (code) => resolvePromise(code)));
    const deadline = Date.now() + 20_000;
    const captureArg = args.indexOf('--capture');
    const capture = () => (captureArg >= 0 && existsSync(args[captureArg + 1]!) ? readFileSync(args[captureArg + 1]!, 'utf8') : '');
    while (!until(stdout, capture)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`broker did not get there:\nstdout ${stdout.slice(0, 2000)}\nstderr ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    const code = await exited;
    return { code, stdout, stderr };
  }

  it('writes every event to --capture FILE through the journal, header first, end line on SIGTERM', async () => {
    const capturePath = join(dir, 'broker-capture.ndjson');
    const socket = join(dir, `b${process.pid}.sock`);
    const result = await runBroker(['--jobs', jobsDir(), '--socket', socket, '--capture', capturePath], (_, capture) => capture().includes('"kind":"process-exited"'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`capture → ${capturePath}`);
    const capture = await importCapture(capturePath, { strict: true });
    expect(capture.header.source).toMatchObject({ kind: 'broker', socketPath: socket });
    expect(capture.end?.events).toBe(capture.events.length);
    const kinds = capture.events.map((e) => e.kind);
    expect(kinds).toContain('job-loaded');
    expect(kinds).toContain('process-launched');
    expect(capture.events.some((e) => e.kind === 'process-output' && e.text.includes('hello from the job'))).toBe(true);
    expect(capture.events.map((e) => e.seq)).toEqual(capture.events.map((_, i) => i + 1));
  });

  it('writes the capture to stdout when no file is given', async () => {
    const socket = join(dir, `s${process.pid}.sock`);
    const result = await runBroker(['--jobs', jobsDir(), '--socket', socket], (stdout) => stdout.includes('"kind":"process-exited"'));
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'xpc-inspector-capture', version: 1, source: { kind: 'broker' } });
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({ end: { events: lines.length - 2, lastSeq: lines.length - 2 } });
    const path = join(dir, 'from-stdout.ndjson');
    writeFileSync(path, result.stdout);
    expect((await importCapture(path, { strict: true })).errors).toEqual([]);
  });

  it('closes a capture on stdout (--capture -) with whole lines and its end line, however many signals arrive while it stops', async () => {
    const jobs = join(dir, `flood-${Math.random().toString(36).slice(2)}`);
    mkdirSync(jobs);
    const script = join(jobs, 'flood.mjs');
    // Output events as fast as the job can print them, so the capture is being written when the signals
    // come; the job shrugs off SIGTERM, so the broker's stop lasts its kill grace and the later signals
    // arrive while it stops.
    writeFileSync(
      script,
      "process.on('SIGTERM', () => undefined); const line = 'x'.repeat(400); setInterval(() => { for (let i = 0; i < 200; i++) console.log(line); }, 1);\n",
    );
    writeFileSync(
      join(jobs, 'com.example.flood.plist'),
      `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>Label</key><string>com.example.flood</string>
  <key>ProgramArguments</key><array><string>${process.execPath}</string><string>${script}</string></array>
  <key>RunAtLoad</key><true/>
</dict></plist>
`,
    );
    const child = spawn(process.execPath, [bin, 'broker', '--jobs', jobs, '--socket', join(dir, `f${process.pid}.sock`), '--capture', '-'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) =>
      child.on('exit', (code, signal) => resolvePromise({ code, signal })),
    );
    const deadline = Date.now() + 20_000;
    while (!Buffer.concat(chunks).includes('"kind":"process-output"')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no output events:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM'] as const) {
      await new Promise((r) => setTimeout(r, 50));
      child.kill(signal);
    }
    const exit = await exited;
    // A signal that lands after the capture was closed, while Node tears the process down, may
    // still end it; by then every line is written.
    if (exit.code !== 0) expect([exit.signal, stderr]).toEqual([expect.stringMatching(/^SIG(INT|TERM)$/), expect.stringContaining('xpc-inspector broker: stopped')]);
    expect(existsSync(join(dir, '-'))).toBe(false);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.endsWith('\n'), 'the last line is whole').toBe(true);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line.slice(0, 80)).not.toThrow();
    expect(JSON.parse(lines.at(-1)!)).toEqual({ end: { events: lines.length - 2, lastSeq: lines.length - 2 } });
    expect(stderr).toContain('already stopping');
  });

  it('fails with a clear message when the jobs directory does not exist', async () => {
    const result = await run(['broker', '--jobs', join(dir, 'no-such-jobs'), '--socket', join(dir, 'x.sock')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`xpc-inspector: --jobs ${join(dir, 'no-such-jobs')}: no such directory`);
  });
});
