import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerLine, createCaptureHeader, eventLine } from '../../app/capture/format';
import type { InspectorEvent } from '../../app/events/schema';
import { capturesDirectory } from './data-dir';
import { importCapture } from './import';
import { findInterruptedCaptures, sealInterruptedCapture } from './interrupted';
import { CaptureJournal, JournalError } from './journal';
import { sampleEvents } from './sample-events';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpc-journal-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const events = (count: number): InspectorEvent[] => [...sampleEvents(count)];

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('capture journal', () => {
  it('writes the header at once, appended events after the turn that appended them, and the end line on close', async () => {
    const path = join(dir, 'basic.ndjson');
    const journal = CaptureJournal.open({ path, startedAtWallMs: 1000, source: { kind: 'broker', jobsDir: '/jobs' } });
    expect(readFileSync(path, 'utf8')).toBe(`${headerLine(journal.header)}\n`);
    expect(journal.header.source.pid).toBe(process.pid);
    const written: number[] = [];
    journal.onWritten((seq) => written.push(seq));
    const batch = events(5);
    journal.append(batch);
    expect(journal.written).toBe(0); // nothing is written inside the turn that appended
    await until(() => journal.written === 5);
    expect(written).toEqual([5]);
    expect(readFileSync(path, 'utf8')).toBe(`${headerLine(journal.header)}\n${batch.map((e) => `${eventLine(e)}\n`).join('')}`);
    await journal.close();
    expect(journal.acknowledged).toBe(5);
    const capture = await importCapture(path);
    expect(capture.errors).toEqual([]);
    expect(capture.end).toEqual({ events: 5, lastSeq: 5 });
    expect(capture.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('advances the acknowledged watermark after fsync, within the fsync interval, and notifies listeners', async () => {
    const journal = CaptureJournal.open({ path: join(dir, 'ack.ndjson'), source: { kind: 'broker' }, fsyncIntervalMs: 20 });
    const acks: number[] = [];
    journal.onAcknowledged((seq) => acks.push(seq));
    journal.append(events(3));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(journal.acknowledged).toBe(3);
    expect(acks).toEqual([3]);
    await journal.close();
  });

  it('flush() makes everything appended durable and returns the acknowledged seq', async () => {
    const journal = CaptureJournal.open({ path: join(dir, 'flush.ndjson'), source: { kind: 'broker' }, fsyncIntervalMs: 60_000 });
    journal.append(events(10));
    expect(await journal.flush()).toBe(10);
    expect(journal.acknowledged).toBe(10);
    await journal.close();
  });

  it('keeps taking events while a write is in flight and writes every one, in order', async () => {
    const path = join(dir, 'busy.ndjson');
    const journal = CaptureJournal.open({ path, source: { kind: 'broker' }, maxPendingBytes: 4096 });
    const all = events(3000);
    // Appended in one turn: the first write starts at once, the rest pile up behind it.
    for (let i = 0; i < all.length; i += 100) journal.append(all.slice(i, i + 100));
    expect(journal.written).toBe(0);
    await journal.close();
    expect(readFileSync(path, 'utf8')).toBe(
      `${headerLine(journal.header)}\n${all.map((e) => `${eventLine(e)}\n`).join('')}{"end":{"events":3000,"lastSeq":3000}}\n`,
    );
  });

  it('gathers events appended over many turns into a few writes, every event in order', async () => {
    const path = join(dir, 'gather.ndjson');
    const journal = CaptureJournal.open({ path, source: { kind: 'broker' }, writeDelayMs: 20, maxQueuedEvents: 10_000 });
    const writes: number[] = [];
    journal.onWritten((seq) => writes.push(seq));
    const all = events(200);
    // One event per turn of the event loop, as a lightly loaded broker produces them.
    for (const event of all) {
      journal.append([event]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => journal.written === 200);
    // Far fewer writes than turns: the events of each delay window share one.
    expect(writes.length).toBeLessThan(50);
    expect(writes).toEqual([...writes].sort((a, b) => a - b));
    await journal.close();
    expect(readFileSync(path, 'utf8')).toBe(`${headerLine(journal.header)}\n${all.map((e) => `${eventLine(e)}\n`).join('')}{"end":{"events":200,"lastSeq":200}}\n`);
  });

  it('serializes and writes at once when the queue reaches its bound, without waiting for the delay', async () => {
    const path = join(dir, 'bound.ndjson');
    const journal = CaptureJournal.open({ path, source: { kind: 'broker' }, writeDelayMs: 600_000, maxQueuedEvents: 50, maxPendingBytes: 1 });
    const all = events(50);
    journal.append(all.slice(0, 49));
    expect(journal.written).toBe(0);
    journal.append(all.slice(49));
    // The delay is ten minutes: only the bound can have started this write.
    await until(() => journal.written === 50);
    expect(statSync(path).size).toBe(Buffer.byteLength(`${headerLine(journal.header)}\n${all.map((e) => `${eventLine(e)}\n`).join('')}`));
    await journal.close();
  });

  it('closeSync completes the file even with a write still in flight', () => {
    const path = join(dir, 'exit.ndjson');
    const journal = CaptureJournal.open({ path, source: { kind: 'broker' }, maxPendingBytes: 4096 });
    const all = events(500);
    journal.append(all);
    journal.closeSync();
    expect(journal.written).toBe(500);
    expect(readFileSync(path, 'utf8')).toBe(`${headerLine(journal.header)}\n${all.map((e) => `${eventLine(e)}\n`).join('')}{"end":{"events":500,"lastSeq":500}}\n`);
  });

  it('refuses events whose seq does not increase, an existing file, and appends after close', async () => {
    const path = join(dir, 'refuse.ndjson');
    const journal = CaptureJournal.open({ path, source: { kind: 'broker' } });
    journal.append(events(2));
    expect(() => journal.append(events(1))).toThrow('event seq 1 does not follow seq 2; seqs must increase');
    expect(() => CaptureJournal.open({ path, source: { kind: 'broker' } })).toThrow(JournalError);
    await journal.close();
    expect(() => journal.append(events(1))).toThrow('the journal is closed');
  });

  it('names new journals after the session start in the captures directory, one file per session', async () => {
    const captures = join(dir, 'captures-a');
    const a = CaptureJournal.open({ dir: captures, startedAtWallMs: Date.UTC(2026, 10, 22, 10, 0, 0, 123), source: { kind: 'broker' } });
    const b = CaptureJournal.open({ dir: captures, startedAtWallMs: Date.UTC(2026, 10, 22, 10, 0, 0, 123), source: { kind: 'broker' } });
    expect(a.path).toBe(join(captures, `capture-2026-11-22T10-00-00.123Z-${process.pid}.ndjson`));
    expect(b.path).not.toBe(a.path);
    expect(statSync(captures).mode & 0o777).toBe(0o700);
    expect(statSync(a.path).mode & 0o777).toBe(0o600);
    await a.close();
    await b.close();
  });

  it('loses no event it reported written or acknowledged when its process is killed with SIGKILL', async () => {
    const writer = join(dir, 'journal-writer.mjs');
    await build({
      entryPoints: [join(__dirname, 'fixtures', 'journal-writer.ts')],
      outfile: writer,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
    });
    const captures = join(dir, 'killed');
    const path = join(captures, 'session.ndjson');
    rmSync(captures, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(captures, { recursive: true });
    const child = spawn(process.execPath, [writer, path, '150'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let written = 0;
    let acked = 0;
    let acks = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let carry = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (carry + chunk.toString()).split('\n');
        carry = lines.pop()!;
        for (const line of lines) {
          const [what, seq] = line.split(' ');
          if (what === 'written') written = Math.max(written, Number(seq));
          if (what === 'ack') {
            acked = Math.max(acked, Number(seq));
            acks++;
          }
        }
        // Kill it mid-stream: after several fsyncs, while it keeps writing.
        if (acks >= 5 && written > acked) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(acked).toBeGreaterThan(0);
    const capture = await importCapture(path, { strict: true, tolerateTornTail: true });
    const seqs = capture.events.map((e) => e.seq);
    const last = seqs[seqs.length - 1] ?? 0;
    // Every reported event is there, and nothing before it is missing.
    expect(last).toBeGreaterThanOrEqual(written);
    expect(seqs.slice(0, written)).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    expect(capture.end).toBeUndefined();
    // The killed session is offered as interrupted; sealing it makes it a complete capture.
    const interrupted = await findInterruptedCaptures(captures);
    expect(interrupted.map((c) => c.path)).toEqual([path]);
    expect(interrupted[0]!.lastSeq).toBe(last);
    const sealed = await sealInterruptedCapture(path);
    expect(sealed).toMatchObject({ events: seqs.length, lastSeq: last });
    const reopened = await importCapture(path, { strict: true });
    expect(reopened.end).toEqual({ events: seqs.length, lastSeq: last });
    expect(await findInterruptedCaptures(captures)).toEqual([]);
  });
});

describe('interrupted captures', () => {
  const header = (pid: number, hostname: string) => headerLine(createCaptureHeader(1, { kind: 'broker', pid, hostname }));

  it('lists journals without an end line whose writer is gone, skips clean, live and foreign files', async () => {
    const captures = join(dir, 'mixed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(captures, { recursive: true });
    const { hostname } = await import('node:os');
    const lines = events(3).map((e) => eventLine(e));
    // A pid that cannot exist (above pid_max) stands for a writer that is gone.
    const gone = 2 ** 22 + 17;
    writeFileSync(join(captures, 'a-torn.ndjson'), `${header(gone, hostname())}\n${lines.join('\n')}\n${lines[0]!.slice(0, 20)}`);
    writeFileSync(join(captures, 'b-clean.ndjson'), `${header(gone, hostname())}\n${lines.join('\n')}\n{"end":{"events":3,"lastSeq":3}}\n`);
    writeFileSync(join(captures, 'c-live.ndjson'), `${header(process.pid, hostname())}\n${lines.join('\n')}\n`);
    writeFileSync(join(captures, 'd-other-host.ndjson'), `${header(process.pid, 'elsewhere')}\n${lines[0]!}\n`);
    writeFileSync(join(captures, 'e-not-a-capture.ndjson'), '{"hello":1}\n');
    writeFileSync(join(captures, 'notes.txt'), 'x');
    const found = await findInterruptedCaptures(captures);
    expect(found.map((c) => [c.path.slice(captures.length + 1), c.lastSeq, c.tornTail])).toEqual([
      ['a-torn.ndjson', 3, true],
      ['d-other-host.ndjson', 1, false],
    ]);
  });

  it('finds nothing when the captures directory does not exist yet', async () => {
    expect(await findInterruptedCaptures(join(dir, 'missing'))).toEqual([]);
  });

  it('seals a journal whose last line is complete but has no end line', async () => {
    const path = join(dir, 'no-end.ndjson');
    writeFileSync(path, `${header(2 ** 22 + 18, 'h')}\n${events(2).map((e) => eventLine(e)).join('\n')}`);
    expect(await sealInterruptedCapture(path)).toEqual({ events: 2, lastSeq: 2, cutBytes: 0 });
    expect((await importCapture(path, { strict: true })).end).toEqual({ events: 2, lastSeq: 2 });
    appendFileSync(path, '');
    expect(existsSync(path)).toBe(true);
  });
});

describe('captures directory', () => {
  it('is under Application Support on macOS and under XDG_DATA_HOME elsewhere', () => {
    expect(capturesDirectory({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/XPC Inspector/captures');
    expect(capturesDirectory({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ann')).toBe('/data/xpc-inspector/captures');
    expect(capturesDirectory({}, 'linux', '/home/ann')).toBe('/home/ann/.local/share/xpc-inspector/captures');
    expect(capturesDirectory({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ann')).toBe('/home/ann/.local/share/xpc-inspector/captures');
  });
});
