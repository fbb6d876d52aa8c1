import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../../app/bridge/contract';
import { eventSequence } from '../../app/capture/fixtures/event-arbitrary';
import { createCaptureHeader, endLine, headerLine, toWireEvent, wireEventLine } from '../../app/capture/format';
import { exportCapture, writeCaptureFile } from './export';
import { CaptureImportError, importCapture } from './import';
import { CaptureJournal } from './journal';
import { sampleEvents } from './sample-events';

let dir: string;
let n = 0;
const file = (name: string) => join(dir, `${n++}-${name}`);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpc-capture-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = createCaptureHeader(1_795_381_001_123, { kind: 'broker', jobsDir: '/tmp/jobs', hostname: 'mac', pid: 4242 });
const wire = (count: number): WireEvent[] => [...sampleEvents(count)].map(toWireEvent);
const captureText = (events: readonly WireEvent[], end = true): string =>
  `${headerLine(header)}\n${events.map((e) => `${wireEventLine(e)}\n`).join('')}${end ? `${endLine({ events: events.length, lastSeq: events[events.length - 1]?.seq ?? 0 })}\n` : ''}`;

async function importError(path: string, options?: Parameters<typeof importCapture>[1]): Promise<CaptureImportError> {
  try {
    await importCapture(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureImportError);
    return error as CaptureImportError;
  }
  return expect.fail(`expected ${path} to be rejected`);
}

describe('export → import → export', () => {
  it('is byte-identical for any events, plain and gzip (property)', async () => {
    await fc.assert(
      fc.asyncProperty(eventSequence(25), fc.boolean(), async (events, gzip) => {
        const first = file(gzip ? 'a.ndjson.gz' : 'a.ndjson');
        const second = file(gzip ? 'b.ndjson.gz' : 'b.ndjson');
        await writeCaptureFile(first, header, events, { gzip });
        const imported = await importCapture(first, { strict: true });
        expect(imported.events).toHaveLength(events.length);
        await writeCaptureFile(second, imported.header, imported.events, { gzip });
        expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
        const third = file('c.ndjson');
        const result = await exportCapture({ input: second, output: third });
        expect(result.written).toBe(events.length);
        const plain = gzip ? gunzipSync(readFileSync(first)) : readFileSync(first);
        expect(readFileSync(third).equals(plain)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('exports a journal as a complete capture: same header, every event, an end line', async () => {
    const path = file('journal.ndjson');
    const journal = CaptureJournal.open({ path, startedAtWallMs: header.startedAtWallMs, source: header.source });
    const live = [...sampleEvents(500)];
    journal.append(live.slice(0, 250));
    journal.append(live.slice(250));
    await journal.close();
    const out = file('export.ndjson.gz');
    const result = await exportCapture({ input: path, output: out, gzip: true });
    expect(result).toMatchObject({ read: 500, written: 500, errors: [], truncated: false });
    expect(gunzipSync(readFileSync(out)).toString()).toBe(captureText(live.map(toWireEvent)));
  });

  it('exports only the events the predicate keeps, numbered as they were', async () => {
    const input = file('all.ndjson');
    const events = wire(300);
    writeFileSync(input, captureText(events));
    const out = file('messages.ndjson');
    const keep = (e: WireEvent) => e.kind === 'message-sent' && e.messageKind === 'reply';
    const result = await exportCapture({ input, output: out, filter: keep });
    const kept = events.filter(keep);
    expect(result).toMatchObject({ read: 300, written: kept.length });
    expect(readFileSync(out, 'utf8')).toBe(captureText(kept));
    expect((await importCapture(out, { strict: true })).events.map((e) => e.seq)).toEqual(kept.map((e) => e.seq));
  });

  it('exports CSV with a header row and RFC 4180 quoting of commas, quotes and line breaks', async () => {
    const input = file('csv.ndjson');
    const output: WireEvent = { seq: 4, t: 2_500_000, kind: 'process-output', pid: 77, job: 'com.example.echo', stream: 'stderr', text: 'said "hi", then\r\nleft' };
    const idle: WireEvent = { seq: 9, t: 3_000_000, kind: 'idle', pid: 77, job: 'com.example.echo' };
    writeFileSync(input, captureText([output, idle]));
    const out = file('events.csv');
    await exportCapture({ input, output: out, format: 'csv' });
    expect(readFileSync(out, 'utf8')).toBe(
      'seq,time_ms,kind,pid,peer_pid,connection,message,service,detail\r\n' +
        '4,2.500,process-output,77,,,,com.example.echo,"stderr: said ""hi"", then\r\nleft"\r\n' +
        '9,3.000,idle,77,,,,com.example.echo,idle\r\n',
    );
  });

  it('exports CSV in which text a spreadsheet would run as a formula stays text', async () => {
    const input = file('formula.ndjson');
    const planted: WireEvent = { seq: 1, t: 1_000_000, kind: 'idle', pid: 5, job: '=HYPERLINK("http://evil.example")' };
    writeFileSync(input, captureText([planted]));
    const out = file('formula.csv');
    await exportCapture({ input, output: out, format: 'csv' });
    const row = readFileSync(out, 'utf8').split('\r\n')[1]!;
    expect(row).toContain('"\'=HYPERLINK(""http://evil.example"")"');
    expect(row).not.toMatch(/(^|,)=/);
  });
});

describe('import of bad input', () => {
  it('rejects a corrupt line with its line number (strict), or keeps the good lines around it', async () => {
    const path = file('corrupt.ndjson');
    const events = wire(40);
    const lines = captureText(events).split('\n');
    lines[17] = lines[17]!.replace('"kind":"transaction"', '"kind":"transaction","extra":1').replace('"message":', '"message":"x"+');
    lines[25] = '{"seq":26,"t":1,"kind":"message-sent","message":"12"}';
    writeFileSync(path, lines.join('\n'));
    const strict = await importError(path, { strict: true });
    expect(strict.line).toBe(18);
    expect(strict.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 18: not valid JSON`));
    const kept = await importCapture(path);
    expect(kept.errors.map((e) => e.line)).toEqual([18, 26]);
    expect(kept.errors[1]!.message).toBe('event kind "message-sent": field "message" must be a number (a non-negative integer), got string "12"');
    expect(kept.events).toHaveLength(38);
    expect(kept.end).toEqual({ events: 40, lastSeq: 40 });
    expect(kept.truncated).toBe(false);
  });

  it('rejects a file that is not a capture, a newer version, an empty file and a missing file with clear errors', async () => {
    const notCapture = file('log.ndjson');
    writeFileSync(notCapture, '2026-11-22 10:00:00 MyApp[1:2] hello\n');
    expect((await importError(notCapture)).message).toContain('line 1: not an XPC Inspector capture: the first line is not JSON');
    const newer = file('v9.ndjson');
    writeFileSync(newer, `${headerLine(header).replace('"version":1', '"version":9')}\n`);
    expect((await importError(newer)).message).toContain('line 1: capture format version 9 is newer than this XPC Inspector reads (version 1); update XPC Inspector to open it');
    const empty = file('empty.ndjson');
    writeFileSync(empty, '');
    expect((await importError(empty)).message).toBe(`${empty}: the file is empty; a capture starts with its header line`);
    expect((await importError(join(dir, 'nope.ndjson'))).message).toBe(`${join(dir, 'nope.ndjson')}: no such file`);
  });

  it('reports a truncated gzip after the complete lines before it, and keeps those lines', async () => {
    const events = wire(5000);
    const full = gzipSync(captureText(events));
    const path = file('cut.ndjson.gz');
    writeFileSync(path, full.subarray(0, Math.floor(full.length / 2)));
    const kept = await importCapture(path);
    expect(kept.gzip).toBe(true);
    expect(kept.truncated).toBe(true);
    expect(kept.events.length).toBeGreaterThan(100);
    expect(kept.events.length).toBeLessThan(5000);
    expect(kept.events.map((e) => e.seq)).toEqual(events.slice(0, kept.events.length).map((e) => e.seq));
    expect(kept.errors).toEqual([
      { line: kept.lines + 1, message: `the gzip stream ends early (the .gz file is truncated); the ${kept.lines} complete lines before it were read` },
    ]);
    const strict = await importError(path, { strict: true });
    expect(strict.line).toBe(kept.lines + 1);
  });

  it('reports corrupt gzip data as the reason reading stopped', async () => {
    const full = gzipSync(captureText(wire(20_000)));
    // Damage the trailer's CRC: every byte inflates, then the check fails.
    const at = full.length - 6;
    full.writeUInt8(full[at]! ^ 0xff, at);
    const path = file('bad.ndjson.gz');
    writeFileSync(path, full);
    const kept = await importCapture(path);
    expect(kept.truncated).toBe(true);
    expect(kept.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^the gzip data is corrupt \(incorrect data check\)/)]);
  });

  it('treats a torn last line as truncation: an error unless tolerated, never an event', async () => {
    const events = wire(10);
    const path = file('torn.ndjson');
    writeFileSync(path, captureText(events, false) + wireEventLine({ ...events[0]!, seq: 11 } as WireEvent).slice(0, 30));
    const kept = await importCapture(path);
    expect(kept.truncated).toBe(true);
    expect(kept.events).toHaveLength(10);
    expect(kept.errors[0]!.line).toBe(12);
    expect(kept.errors[0]!.message).toMatch(/^the file ends in the middle of a line \(a torn last line, as a crash leaves it\): not valid JSON/);
    expect((await importError(path, { strict: true })).line).toBe(12);
    expect((await importCapture(path, { strict: true, tolerateTornTail: true })).events).toHaveLength(10);
  });

  it('reads multi-byte text intact across read chunks of a large file', async () => {
    const events = wire(20_000).map((e) => (e.kind === 'message-sent' ? ({ ...e, summary: `Grüße 😀 ${'é'.repeat(e.seq % 7)}` } as WireEvent) : e));
    const path = file('utf8.ndjson');
    writeFileSync(path, captureText(events));
    expect(readFileSync(path).length).toBeGreaterThan(2 << 20);
    const capture = await importCapture(path, { strict: true });
    expect(capture.events).toEqual(events);
  });

  it('accepts a last line without its newline when it is complete', async () => {
    const path = file('no-newline.ndjson');
    writeFileSync(path, captureText(wire(3)).replace(/\n$/, ''));
    const capture = await importCapture(path, { strict: true });
    expect(capture.events).toHaveLength(3);
    expect(capture.end).toEqual({ events: 3, lastSeq: 3 });
  });
});

describe('export of bad input', () => {
  it('exports an interrupted journal up to its torn last line and closes the result', async () => {
    const events = wire(20);
    const input = file('interrupted.ndjson');
    writeFileSync(input, `${captureText(events, false)}{"seq":21,"t":77`);
    const out = file('recovered.ndjson');
    const result = await exportCapture({ input, output: out });
    expect(result).toMatchObject({ read: 20, written: 20, truncated: true });
    expect(readFileSync(out, 'utf8')).toBe(captureText(events));
  });

  it('fails on a corrupt line in the middle and leaves no output file, unless asked to keep the good lines', async () => {
    const events = wire(20);
    const lines = captureText(events).split('\n');
    lines[5] = '{oops';
    const input = file('mid.ndjson');
    writeFileSync(input, lines.join('\n'));
    const out = file('mid-out.ndjson');
    await expect(exportCapture({ input, output: out })).rejects.toThrow(/line 6: not valid JSON/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
    const kept = await exportCapture({ input, output: out, keepGood: true });
    expect(kept).toMatchObject({ read: 19, written: 19 });
    // The end line still counts the rejected line, so it agrees and is not reported again.
    expect(kept.errors.map((e) => e.line)).toEqual([6]);
    const reread = await importCapture(out, { strict: true });
    expect(reread.events.map((e) => e.seq)).toEqual(events.filter((e) => e.seq !== 5).map((e) => e.seq));
  });
});
