/**
 * Journals of sessions that did not close cleanly: no end line, and the process that wrote them
 * is gone. The next start lists them so the user can reopen (or seal) what was captured.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { endLine, isEndLine, parseEventLine, parseHeaderLine, type CaptureHeader } from '../../app/capture/format';
import { capturesDirectory } from './data-dir';
import { CaptureReader } from './import';

export interface InterruptedCapture {
  readonly path: string;
  readonly header: CaptureHeader;
  readonly sizeBytes: number;
  readonly modifiedAtMs: number;
  /** Seq of the last complete event, when the tail of the file holds one. */
  readonly lastSeq: number | undefined;
  /** The file ends in the middle of a line (the write that was cut off). */
  readonly tornTail: boolean;
}

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 256 * 1024;

/** Journals in `dir` without an end line whose writer is no longer running, oldest first. */
export async function findInterruptedCaptures(dir: string = capturesDirectory()): Promise<InterruptedCapture[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw new Error(`cannot list captures in ${dir}: ${(error as Error).message}`);
  }
  const found: InterruptedCapture[] = [];
  for (const name of names.filter((n) => n.endsWith('.ndjson')).sort()) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const probe = probeJournal(path);
    if (!probe || probe.closedCleanly) continue;
    if (writerIsRunning(probe.header)) continue;
    found.push({ path, header: probe.header, sizeBytes: info.size, modifiedAtMs: info.mtimeMs, lastSeq: probe.lastSeq, tornTail: probe.tornTail });
  }
  return found;
}

/**
 * Makes an interrupted journal a complete capture: cuts a torn last line and appends the end
 * line, so it is no longer offered as interrupted. Returns how many events it holds.
 */
export async function sealInterruptedCapture(path: string): Promise<{ events: number; lastSeq: number; cutBytes: number }> {
  const reader = new CaptureReader(path, { validateValues: false });
  for await (const batch of reader.batches()) void batch;
  if (reader.end) throw new Error(`${path} already ends with an end line; it closed cleanly`);
  const torn = reader.lastErrorLine === reader.lines && reader.truncated;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const keep = torn ? lastNewlineEnd(fd, size) : size;
    ftruncateSync(fd, keep);
    // Lines that were rejected still count, as the decoder counts them against the end line.
    const events = reader.eventCount + reader.errorCount - (torn ? 1 : 0);
    const text = Buffer.from(`${keep > 0 && !endsWithNewline(fd, keep) ? '\n' : ''}${endLine({ events, lastSeq: reader.lastSeq })}\n`);
    writeSync(fd, text, 0, text.length, keep);
    fsyncSync(fd);
    return { events, lastSeq: reader.lastSeq, cutBytes: size - keep };
  } finally {
    closeSync(fd);
  }
}

interface Probe {
  readonly header: CaptureHeader;
  readonly closedCleanly: boolean;
  readonly lastSeq: number | undefined;
  readonly tornTail: boolean;
}

/** Reads the first line and the tail of a journal; undefined when it is not a capture. */
function probeJournal(path: string): Probe | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    const newline = head.indexOf('\n');
    const parsed = parseHeaderLine(newline < 0 ? head : head.slice(0, newline));
    if (!parsed.ok) return undefined;
    const start = Math.max(0, size - TAIL_BYTES);
    const tail = readAt(fd, start, size - start);
    const lines = tail.split('\n');
    const last = lines.pop()!; // text after the final newline: '' unless torn
    // The first piece of a tail read from mid-file is a partial line.
    if (start > 0) lines.shift();
    const complete = lines.filter((line) => line !== '');
    const final = complete[complete.length - 1];
    const closedCleanly = last === '' && final !== undefined && isEndLine(final);
    let lastSeq: number | undefined;
    for (let i = complete.length - 1; i >= 0 && lastSeq === undefined; i--) {
      const event = parseEventLine(complete[i]!, { validateValues: false });
      if (event.ok) lastSeq = event.event.seq;
    }
    return { header: parsed.header, closedCleanly, lastSeq, tornTail: last !== '' };
  } finally {
    closeSync(fd);
  }
}

/** True when the writer named in the header is a live process on this host (the journal is in use). */
function writerIsRunning(header: CaptureHeader): boolean {
  const pid = header.source.pid;
  if (pid === undefined || header.source.hostname !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else, so it is alive.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

function readAt(fd: number, position: number, length: number): string {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read).toString('utf8');
}

function lastNewlineEnd(fd: number, size: number): number {
  const chunk = 64 * 1024;
  for (let end = size; end > 0; end -= chunk) {
    const start = Math.max(0, end - chunk);
    const buffer = Buffer.alloc(end - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const at = buffer.lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
  }
  return 0;
}

function endsWithNewline(fd: number, size: number): boolean {
  const buffer = Buffer.alloc(1);
  readSync(fd, buffer, 0, 1, size - 1);
  return buffer[0] === 0x0a;
}
