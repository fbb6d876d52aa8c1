/**
 * The bounds on reading a capture: an over-long line is skipped without being held, bad lines
 * are listed up to a limit and counted past it, reading stops after too many bad lines, and gzip
 * data stops at its expansion bounds with a message naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureHeader, headerLine, toWireEvent, wireEventLine } from '../../app/capture/format';
import { CaptureImportError, importCapture } from './import';
import { DEFAULT_IMPORT_LIMITS, importLimits, type ImportLimits } from './import-limits';
import { sampleEvents } from './sample-events';

const MiB = 1024 * 1024;
let dir: string;
let n = 0;
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
};
const header = `${headerLine(createCaptureHeader(1_795_000_000_000, { kind: 'broker' }))}\n`;
const lines = (count: number): string[] => [...sampleEvents(count)].map((event) => wireEventLine(toWireEvent(event)));
const limits = (overrides: Partial<ImportLimits>): ImportLimits => ({ ...DEFAULT_IMPORT_LIMITS, ...overrides });

async function rejection(path: string, options: Parameters<typeof importCapture>[1]): Promise<CaptureImportError> {
  const error: unknown = await importCapture(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CaptureImportError);
  return error as CaptureImportError;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpci-bounds-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('line length bound', () => {
  it('skips a line longer than the bound that spans read chunks, naming its line, and reads the lines after it', async () => {
    const good = lines(4);
    const path = file('long.ndjson', `${header}${good[0]}\n${'x'.repeat(3 * MiB)}\n${good.slice(1).join('\n')}\n`);
    const result = await importCapture(path, { limits: limits({ maxLineBytes: MiB }) });
    expect(result.events).toHaveLength(4);
    expect(result.errors).toEqual([{ line: 3, message: 'the line is longer than 1 MiB, the most a capture line may hold (XPC_INSPECTOR_IMPORT_MAX_LINE_BYTES); skipped' }]);
  });

  it('skips an over-long line inside one chunk, and an over-long last line without its newline', async () => {
    const good = lines(2);
    const path = file('short-limit.ndjson', `${header}${good[0]}\n${'{'.repeat(5000)}\n${good[1]}\n${'y'.repeat(5000)}`);
    const result = await importCapture(path, { limits: limits({ maxLineBytes: 2048 }) });
    expect(result.events).toHaveLength(2);
    expect(result.errors.map((e) => e.line)).toEqual([3, 5]);
    expect(result.errors[1]!.message).toMatch(/^the line is longer than 2 KiB/);
  });

  it('refuses a file whose first line is over the bound: it has no header', async () => {
    const error = await rejection(file('one-line.ndjson', 'z'.repeat(2 * MiB)), { limits: limits({ maxLineBytes: MiB }) });
    expect(error.message).toMatch(/one-line\.ndjson: line 1: the line is longer than 1 MiB, the most a capture line may hold .*; a capture starts with its header line$/);
  });
});

describe('bad lines', () => {
  it('lists the first bad lines and counts the rest', async () => {
    const good = lines(10);
    const path = file('many-bad.ndjson', `${header}${good.join('\n')}\n${'oops\n'.repeat(250)}`);
    const result = await importCapture(path);
    expect(result.events).toHaveLength(10);
    expect(result.errors).toHaveLength(100);
    expect(result.errorCount).toBe(250);
    expect(result.errors[0]).toEqual({ line: 12, message: 'not valid JSON (a capture line is one JSON object, starting with "{")' });
  });

  it('stops after the bad-line bound with a message naming the file and the line', async () => {
    const path = file('hopeless.ndjson', `${header}${'{x}\n'.repeat(500)}`);
    const error = await rejection(path, { limits: limits({ maxBadLines: 100 }) });
    expect(error.message).toMatch(/hopeless\.ndjson: line 101: 100 bad lines so far: this is not a damaged capture; stopped \(XPC_INSPECTOR_IMPORT_MAX_BAD_LINES raises the bound\)$/);
  });
});

describe('gzip expansion bounds', () => {
  it('stops data that expands more than the ratio, saying how far it got', async () => {
    const path = file('bomb.ndjson.gz', Buffer.concat([gzipSync(header), gzipSync(Buffer.alloc(32 * MiB, 'q'))]));
    const error = await rejection(path, {});
    expect(error.message).toMatch(/bomb\.ndjson\.gz: the gzip data expands more than 200× \(\d.* KiB → \d.* MiB so far\); stopped \(XPC_INSPECTOR_IMPORT_MAX_EXPANSION raises the bound\)$/);
  });

  it('stops data that expands past the absolute bound even when the ratio allows it', async () => {
    const path = file('big.ndjson.gz', Buffer.concat([gzipSync(header), gzipSync(Buffer.alloc(8 * MiB, 'q'))]));
    const error = await rejection(path, { limits: limits({ maxExpansionRatio: 1_000_000, maxExpandedBytes: 2 * MiB }) });
    expect(error.message).toMatch(/big\.ndjson\.gz: the gzip data expands to more than 2 MiB \(.* so far\); stopped \(XPC_INSPECTOR_IMPORT_MAX_EXPANDED_BYTES raises the bound\)$/);
  });

  it('reads a realistic gzip capture well within the default ratio', async () => {
    const text = `${header}${lines(30_000).join('\n')}\n`;
    const gz = gzipSync(text);
    console.log(`a realistic capture expands ${(text.length / gz.length).toFixed(1)}× (${text.length} → ${gz.length} bytes)`);
    const result = await importCapture(file('real.ndjson.gz', gz), { strict: true });
    expect(result.events).toHaveLength(30_000);
  });
});

describe('configuration', () => {
  it('reads each bound from its environment variable, with K/M/G suffixes', () => {
    expect(importLimits({ XPC_INSPECTOR_IMPORT_MAX_LINE_BYTES: '4M', XPC_INSPECTOR_IMPORT_MAX_EXPANSION: '50', XPC_INSPECTOR_IMPORT_MAX_EXPANDED_BYTES: '1G' })).toEqual({
      ...DEFAULT_IMPORT_LIMITS,
      maxLineBytes: 4 * MiB,
      maxExpansionRatio: 50,
      maxExpandedBytes: 1024 * MiB,
    });
  });

  it('refuses a malformed or too small value, naming the variable', () => {
    expect(() => importLimits({ XPC_INSPECTOR_IMPORT_MAX_EXPANSION: 'lots' })).toThrow('XPC_INSPECTOR_IMPORT_MAX_EXPANSION=lots: expected a whole number, optionally with K, M or G');
    expect(() => importLimits({ XPC_INSPECTOR_IMPORT_MAX_LINE_BYTES: '10' })).toThrow('XPC_INSPECTOR_IMPORT_MAX_LINE_BYTES=10: must be a whole number of at least 1024');
  });
});
