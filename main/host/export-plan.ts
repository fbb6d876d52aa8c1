/**
 * An export ready to be handed over: its suggested file name, its content type and a way to
 * stream its bytes. Capture exports stream from the journal or capture file on disk (filtered,
 * optionally through gzip), so memory stays bounded however long the capture is; table exports
 * stream the CSV the page wrote into a temporary file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { WireEvent } from '../../app/bridge/contract';
import { captureChunks, type EventPredicate } from '../capture/export';
import { CaptureImportError, CaptureReader } from '../capture/import';

export interface ExportPlan {
  readonly fileName: string;
  readonly contentType: string;
  /** The bytes of the export, streamed; each call starts a new stream. */
  open(): Readable;
  /** Called once the plan has been delivered or abandoned (removes temporary files). */
  dispose(): Promise<void>;
}

/** A capture (NDJSON, optionally gzip) of `input`'s events that `filter` keeps. */
export function captureExportPlan(input: string, options: { readonly fileName: string; readonly gzip: boolean; readonly filter?: EventPredicate }): ExportPlan {
  return {
    fileName: options.fileName,
    contentType: options.gzip ? 'application/gzip' : 'application/x-ndjson; charset=utf-8',
    open: () => {
      const text = Readable.from(captureExportChunks(input, options.filter), { objectMode: false });
      if (!options.gzip) return text;
      const gzip = createGzip();
      text.on('error', (error) => gzip.destroy(error));
      return text.pipe(gzip);
    },
    dispose: async () => undefined,
  };
}

/** The text of the exported capture: the input's header, the kept events, an end line. Bad lines of the input are skipped. */
export async function* captureExportChunks(input: string, filter?: EventPredicate): AsyncGenerator<string> {
  const reader = new CaptureReader(input, { strict: false, tolerateTornTail: true, validateValues: false });
  const batches = reader.batches();
  const first = await batches.next();
  if (!reader.header) throw new CaptureImportError(input, 1, 'no header line');
  async function* kept(): AsyncGenerator<WireEvent> {
    if (!first.done) for (const event of first.value) if (!filter || filter(event)) yield event;
    for await (const batch of batches) for (const event of batch) if (!filter || filter(event)) yield event;
  }
  yield* captureChunks(reader.header, kept());
}

/** A file already written (a table export): streamed from disk, deleted when disposed. */
export function fileExportPlan(path: string, options: { readonly fileName: string; readonly contentType: string }): ExportPlan {
  return {
    fileName: options.fileName,
    contentType: options.contentType,
    open: () => createReadStream(path),
    dispose: () => rm(path, { force: true }),
  };
}

/** Writes a plan's bytes to `path` through a temporary file renamed into place; resolves with the byte count. */
export async function saveExport(plan: ExportPlan, path: string): Promise<number> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(plan.open(), counter, createWriteStream(temporary, { mode: 0o600 }));
    await rename(temporary, path);
    return bytes;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
