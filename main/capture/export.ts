/**
 * Export: a capture or journal streamed to a new capture file (optionally gzip) or to CSV, whole
 * or only the events a predicate keeps. Reading, filtering, serializing and writing form one
 * pipeline with backpressure, so memory stays bounded however long the capture is. The output is
 * written to a temporary file and renamed into place, so a failed export leaves nothing behind.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { WireEvent } from '../../app/bridge/contract';
import { csvHeader, csvRow } from '../../app/capture/csv';
import { EVENT_CSV_COLUMNS, eventRow } from '../../app/capture/event-columns';
import { endLine, headerLine, wireEventLine, type CaptureHeader, type CaptureLineError } from '../../app/capture/format';
import { CaptureImportError, CaptureReader } from './import';
import type { ImportLimits } from './import-limits';

/** Text is handed to the writer in chunks of about this many characters. */
const CHUNK_CHARS = 256 * 1024;

export type EventPredicate = (event: WireEvent) => boolean;

export interface ExportOptions {
  /** A capture file or a journal (.ndjson or .ndjson.gz). */
  readonly input: string;
  readonly output: string;
  readonly format?: 'capture' | 'csv';
  readonly gzip?: boolean;
  /** Only events for which this returns true are exported. */
  readonly filter?: EventPredicate;
  /**
   * Skip bad lines instead of failing (they are listed in the result). A torn last line, which
   * is what an interrupted journal ends with, is always skipped.
   */
  readonly keepGood?: boolean;
  /** Bounds on reading the input (default: importLimits(), the environment's). */
  readonly limits?: ImportLimits;
}

export interface ExportResult {
  readonly input: string;
  readonly output: string;
  /** Events read from the input and events written. */
  readonly read: number;
  readonly written: number;
  /** The first bad lines; `errorCount` counts them all. */
  readonly errors: readonly CaptureLineError[];
  readonly errorCount: number;
  /** The input stopped early (an interrupted journal, a truncated .gz). */
  readonly truncated: boolean;
}

export async function exportCapture(options: ExportOptions): Promise<ExportResult> {
  const reader = new CaptureReader(options.input, { strict: !options.keepGood, tolerateTornTail: true, limits: options.limits });
  const batches = reader.batches();
  // The header is read before the output is created, so an unreadable input leaves no file.
  const first = await batches.next();
  const header = reader.header;
  if (!header) throw new CaptureImportError(options.input, 1, 'no header line');
  const filter = options.filter;
  let written = 0;
  async function* events(): AsyncGenerator<WireEvent> {
    if (!first.done) for (const event of first.value) if (!filter || filter(event)) yield event;
    for await (const batch of batches) for (const event of batch) if (!filter || filter(event)) yield event;
  }
  async function* counted(): AsyncGenerator<WireEvent> {
    for await (const event of events()) {
      written++;
      yield event;
    }
  }
  const chunks = options.format === 'csv' ? csvChunks(counted()) : captureChunks(header, counted());
  await writeChunks(options.output, chunks, options.gzip === true);
  return {
    input: options.input,
    output: options.output,
    read: reader.eventCount,
    written,
    errors: reader.errors,
    errorCount: reader.errorCount,
    truncated: reader.truncated,
  };
}

/** Writes a capture file from a header and events held in memory or streamed (e.g. an import). */
export async function writeCaptureFile(
  path: string,
  header: CaptureHeader,
  events: Iterable<WireEvent> | AsyncIterable<WireEvent>,
  options?: { readonly gzip?: boolean },
): Promise<void> {
  await writeChunks(path, captureChunks(header, events), options?.gzip === true);
}

/** The text of a capture file: header, events, end line. */
export async function* captureChunks(header: CaptureHeader, events: Iterable<WireEvent> | AsyncIterable<WireEvent>): AsyncGenerator<string> {
  let chunk = `${headerLine(header)}\n`;
  let count = 0;
  let lastSeq = 0;
  for await (const event of events) {
    chunk += `${wireEventLine(event)}\n`;
    count++;
    lastSeq = event.seq;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${endLine({ events: count, lastSeq })}\n`;
}

/** The event table as CSV (RFC 4180). */
export async function* csvChunks(events: Iterable<WireEvent> | AsyncIterable<WireEvent>): AsyncGenerator<string> {
  let chunk = csvHeader(EVENT_CSV_COLUMNS);
  for await (const event of events) {
    chunk += csvRow(EVENT_CSV_COLUMNS, eventRow(event));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Streams text chunks into `path` (through gzip when asked), via a temporary file renamed at the end. */
export async function writeChunks(path: string, chunks: AsyncIterable<string>, gzip: boolean): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const file = createWriteStream(temporary, { mode: 0o600 });
  const source = Readable.from(chunks, { objectMode: false });
  try {
    if (gzip) await pipeline(source, createGzip(), file);
    else await pipeline(source, file);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
