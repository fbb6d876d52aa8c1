/**
 * Opening and exporting captures through browser mode, end to end on the host side: a real
 * server with a real broker, files uploaded over HTTP, sessions read over the bridge WebSocket,
 * exports fetched from their one-time download links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CapturePage, ExportOutcome, InterruptedCaptureInfo, OpenCaptureResult, SessionInfo, WireEvent } from '../../app/bridge/contract';
import { MAX_TABLE_CHUNK_CHARS, UPLOAD_PATH, type ServerMessage, type UploadResult } from '../../app/bridge/protocol';
import { createCaptureHeader, endLine, eventLine, headerLine } from '../../app/capture/format';
import { sampleEvents } from '../capture/sample-events';
import { bridgeUrl, startTestServer, TestClient } from './test-server';

type Served = Awaited<ReturnType<typeof startTestServer>>;

let served: Served;
let client: TestClient;
let dir: string;
let interruptedPath: string;

const origin = (): string => new URL(served.origin).origin;
const session = (): { cookie: string } => ({ cookie: served.cookie });

/** The result of a bridge call, or a thrown Error with the host's message. */
async function call<T>(method: string, params: unknown[] = []): Promise<T> {
  const answer: ServerMessage = await client.call(method, params);
  if ('error' in answer) throw new Error(answer.error.message);
  return (answer as { result: T }).result;
}

async function upload(name: string, body: Buffer | string): Promise<UploadResult> {
  const response = await fetch(`${origin()}${UPLOAD_PATH}?name=${encodeURIComponent(name)}`, { method: 'POST', headers: session(), body: typeof body === 'string' ? body : new Uint8Array(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as UploadResult;
}

async function readAll(session: string): Promise<WireEvent[]> {
  const events: WireEvent[] = [];
  let fromSeq = 0;
  for (;;) {
    const page = await call<CapturePage>('readCapture', [session, fromSeq]);
    events.push(...page.events);
    if (page.done) return events;
    fromSeq = page.nextSeq;
  }
}

async function download(outcome: ExportOutcome): Promise<{ body: Buffer; disposition: string | null; type: string | null }> {
  if (outcome.status !== 'download') throw new Error(`expected a download, got ${outcome.status}`);
  const response = await fetch(`${origin()}${outcome.url}`, { headers: session() });
  expect(response.status).toBe(200);
  return { body: Buffer.from(await response.arrayBuffer()), disposition: response.headers.get('content-disposition'), type: response.headers.get('content-type') };
}

function captureText(count: number): string {
  const header = headerLine(createCaptureHeader(1_795_000_000_000, { kind: 'broker', jobsDir: '/demo/jobs' }));
  const lines = [...sampleEvents(count)].map((event) => eventLine(event));
  return `${header}\n${lines.join('\n')}\n${endLine({ events: count, lastSeq: count })}\n`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xpci-transfer-'));
  const captures = join(dir, 'captures');
  mkdirSync(captures, { recursive: true });
  // A journal left by a run that was killed: no end line, a torn last line, a writer pid that cannot exist.
  const header = headerLine(createCaptureHeader(1_795_000_000_000, { kind: 'broker', pid: 2 ** 22 + 17, hostname: hostname() }));
  const lines = [...sampleEvents(40)].map((event) => eventLine(event));
  interruptedPath = join(captures, 'killed.ndjson');
  writeFileSync(interruptedPath, `${header}\n${lines.join('\n')}\n${lines[0]!.slice(0, 25)}`);
  served = await startTestServer({ jobsDir: join(dir, 'no-jobs'), capturesDir: captures, rendererDir: join(dir, 'no-renderer') });
  client = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
});

afterAll(async () => {
  client?.close();
  await served?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening captures in browser mode', () => {
  it('opens an uploaded gzip capture as a read-only session whose pages hold every event in order', async () => {
    const text = captureText(12_000);
    const uploaded = await upload('big.ndjson.gz', gzipSync(text));
    const result = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: uploaded.file }]);
    expect(result.status).toBe('opened');
    const session = (result as Extract<OpenCaptureResult, { status: 'opened' }>).session;
    expect(session).toMatchObject({ mode: 'capture', title: 'big.ndjson.gz', capture: { events: 12_000, complete: true, gzip: true, skippedLines: 0 } });
    const events = await readAll(session.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 12_000 }, (_, i) => i + 1));
    const sessions = await call<SessionInfo[]>('listSessions');
    expect(sessions.map((s) => s.id)).toEqual(['live', session.id]);
    // The detail view of a captured message: its payload and its description.
    const sent = events.find((e) => e.kind === 'message-sent' && e.value !== undefined) as Extract<WireEvent, { kind: 'message-sent' }>;
    const detail = await call<{ value: unknown; description: string }>('getMessage', [sent.message, session.id]);
    expect(detail.value).toEqual(sent.value);
    expect(detail.description).toContain('dictionary');
    await call('closeCapture', [session.id]);
    expect((await call<SessionInfo[]>('listSessions')).map((s) => s.id)).toEqual(['live']);
  });

  it('names the bad line of a corrupted capture and opens the good lines when asked', async () => {
    const lines = captureText(30).split('\n');
    lines[7] = '{"seq":7,"t":1,"kind":"message-sent"'; // line 8 of the file: cut short
    const uploaded = await upload('damaged.ndjson', lines.join('\n'));
    const first = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: uploaded.file }]);
    expect(first).toMatchObject({ status: 'invalid', fileName: 'damaged.ndjson', canKeepGood: true, goodEvents: 29 });
    const invalid = first as Extract<OpenCaptureResult, { status: 'invalid' }>;
    expect(invalid.errors[0]!.line).toBe(8);
    expect(invalid.errors[0]!.message).toMatch(/not valid JSON/);
    const kept = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: invalid.file, keepGood: true }]);
    expect(kept.status).toBe('opened');
    const session = (kept as Extract<OpenCaptureResult, { status: 'opened' }>).session;
    expect(session.capture).toMatchObject({ events: 29, skippedLines: expect.any(Number) });
    expect((await readAll(session.id)).map((e) => e.seq)).not.toContain(7);
  });

  it('refuses a file from a newer format version, naming the version, with nothing to keep', async () => {
    const text = captureText(3).replace('"version":1', '"version":9');
    const uploaded = await upload('future.ndjson', text);
    const result = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: uploaded.file }]);
    expect(result).toMatchObject({ status: 'invalid', canKeepGood: false, errors: [{ line: 1, message: expect.stringMatching(/version 9 is newer/) }] });
  });

  it('reports a truncated gzip with the line where it stops', async () => {
    const gz = gzipSync(captureText(5000));
    const uploaded = await upload('cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const result = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: uploaded.file }]);
    expect(result).toMatchObject({ status: 'invalid', canKeepGood: true });
    expect((result as Extract<OpenCaptureResult, { status: 'invalid' }>).errors.at(-1)!.message).toMatch(/gzip stream ends early/);
  });

  it('imports xpc_copy_description text as messages of a read-only session', async () => {
    const text = [
      '2026-11-22 10:00:00.123 MyApp[123:4567] received: <dictionary: 0x600000c04000> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"op" => <string: 0x600000c04010> { length = 4, contents = "ping" }',
      '\t"n" => <int64: 0x600000c04020>: 7',
      '}',
      'and later: <dictionary: 0x600000c05000> { count = 1, transaction: 0, voucher = 0x0, contents =',
      '\t"op" => <string: 0x600000c05010> { length = 4, contents = "pong" }',
      '}',
    ].join('\n');
    const uploaded = await upload('lldb.txt', text);
    const result = await call<OpenCaptureResult>('openCapture', [{ format: 'description', file: uploaded.file }]);
    expect(result.status).toBe('opened');
    const session = (result as Extract<OpenCaptureResult, { status: 'opened' }>).session;
    expect(session.capture).toMatchObject({ sourceKind: 'description-import', events: 4 });
    const sent = (await readAll(session.id)).filter((e) => e.kind === 'message-sent');
    expect(sent.map((e) => (e as { summary: string }).summary)).toEqual([expect.stringContaining('ping'), expect.stringContaining('pong')]);
  });

  it('refuses ids it did not hand out, and uploads without the session cookie', async () => {
    await expect(call('openCapture', [{ format: 'capture', file: 'file-made-up' }])).rejects.toThrow(/not one this host holds/);
    await expect(call('readCapture', ['capture-999'])).rejects.toThrow(/no opened capture "capture-999"/);
    await expect(call('openInterruptedCapture', ['/etc/passwd'])).rejects.toThrow(/not an interrupted capture/);
    expect((await fetch(`${origin()}${UPLOAD_PATH}?name=x`, { method: 'POST', body: 'x' })).status).toBe(401);
    const wrong = await fetch(`${origin()}${UPLOAD_PATH}?name=x`, { method: 'POST', body: 'x', headers: { cookie: served.cookie.replace(/=.*/, '=wrong') } });
    expect(wrong.status).toBe(401);
    const foreign = await fetch(`${origin()}${UPLOAD_PATH}?name=x`, { method: 'POST', body: 'x', headers: { ...session(), origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});

describe('exports in browser mode', () => {
  it('hands out download links that hold no session secret and are refused without the session cookie', async () => {
    const outcome = await call<ExportOutcome>('exportCapture', [{ session: 'live', gzip: false }]);
    if (outcome.status !== 'download') throw new Error(`expected a download, got ${outcome.status}`);
    const sessionToken = served.cookie.split('=')[1]!;
    expect(outcome.url).not.toContain(sessionToken);
    expect(outcome.url).toMatch(/^\/download\/[\w-]{20,}$/);
    const anonymous = await fetch(`${origin()}${outcome.url}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('xpc-inspector-capture');
    // Refusing a caller without the cookie does not burn the link for the page that has it.
    expect((await download(outcome)).body.toString('utf8')).toContain('xpc-inspector-capture');
  });

  it('exports the live capture from its journal as a one-time download that opens again', async () => {
    const outcome = await call<ExportOutcome>('exportCapture', [{ session: 'live', gzip: true }]);
    const { body, disposition, type } = await download(outcome);
    expect(type).toBe('application/gzip');
    expect(disposition).toMatch(/^attachment; filename="xpc-capture-.*\.ndjson\.gz"/);
    const lines = gunzipSync(body).toString('utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'xpc-inspector-capture', source: { kind: 'broker' } });
    expect(lines.at(-1)).toMatch(/^\{"end":/);
    // The link works once.
    const again = await fetch(`${origin()}${(outcome as { url: string }).url}`, { headers: session() });
    expect(again.status).toBe(404);
    const reopened = await call<OpenCaptureResult>('openCapture', [{ format: 'capture', file: (await upload('again.ndjson.gz', body)).file }]);
    expect(reopened.status).toBe('opened');
  });

  it('exports only what a filter keeps, and says what is wrong with a bad filter', async () => {
    const uploaded = await upload('sample.ndjson', captureText(2000));
    const opened = (await call<Extract<OpenCaptureResult, { status: 'opened' }>>('openCapture', [{ format: 'capture', file: uploaded.file }])).session;
    const { body } = await download(await call<ExportOutcome>('exportCapture', [{ session: opened.id, gzip: false, filter: 'pid:4001' }]));
    const events = body.toString('utf8').trimEnd().split('\n').slice(1, -1).map((line) => JSON.parse(line) as WireEvent);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(2000);
    const sent = events.filter((e): e is Extract<WireEvent, { kind: 'message-sent' }> => e.kind === 'message-sent');
    expect(sent.length).toBeGreaterThan(0);
    // The requests of pid 4001 and the replies they got.
    for (const message of sent) expect([message.fromPid, message.toPid]).toContain(4001);
    await expect(call('exportCapture', [{ session: opened.id, gzip: false, filter: 'latency>' }])).rejects.toThrow(/filter "latency>"/);
  });

  it('streams a table the page writes in pieces into a CSV download', async () => {
    const id = await call<string>('beginTableExport', [{ session: 'live', fileName: 'timeline.csv' }]);
    await call('appendTableExport', [id, 'seq,service\r\n']);
    await call('appendTableExport', [id, '1,com.example.echo\r\n2,"a,b"\r\n']);
    const { body, disposition, type } = await download(await call<ExportOutcome>('finishTableExport', [id]));
    expect(body.toString('utf8')).toBe('seq,service\r\n1,com.example.echo\r\n2,"a,b"\r\n');
    expect(disposition).toMatch(/filename="timeline.csv"/);
    expect(type).toMatch(/^text\/csv/);
    await expect(call('appendTableExport', [id, 'x'])).rejects.toThrow(/no table export/);
    await expect(call('beginTableExport', [{ session: 'live', fileName: '../evil.csv' }])).rejects.toThrow(/plain file name/);
    const big = await call<string>('beginTableExport', [{ session: 'live', fileName: 't.csv' }]);
    await expect(call('appendTableExport', [big, 'x'.repeat(MAX_TABLE_CHUNK_CHARS + 1)])).rejects.toThrow(/limit/);
  });
});

describe('interrupted captures', () => {
  it('offers the journal a killed run left behind, opens it read-only, and seals it on dismiss', async () => {
    const offered = await call<InterruptedCaptureInfo[]>('listInterruptedCaptures');
    expect(offered.map((c) => c.path)).toEqual([interruptedPath]);
    expect(offered[0]).toMatchObject({ fileName: 'killed.ndjson', lastSeq: 40 });
    const result = await call<OpenCaptureResult>('openInterruptedCapture', [interruptedPath]);
    expect(result).toMatchObject({ status: 'opened', session: { mode: 'capture', capture: { events: 40, complete: false, truncated: true } } });
    await call('dismissInterruptedCapture', [interruptedPath]);
    expect(await call<InterruptedCaptureInfo[]>('listInterruptedCaptures')).toEqual([]);
    expect(readFileSync(interruptedPath, 'utf8').trimEnd().split('\n').at(-1)).toBe('{"end":{"events":40,"lastSeq":40}}');
  });
});
