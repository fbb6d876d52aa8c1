/**
 * Reads a text file line by line, in batches, with bounded memory: plain or gzip (detected by its
 * magic bytes, not its name). A stream that ends early — a truncated .gz, a read error, gzip data
 * that expands too far — is reported after the lines that were complete, never as a partial last
 * line. A line longer than the limit is never held: it arrives as OVERSIZED_LINE.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { ExpansionGuard } from './expansion-guard';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits';

/** Why the byte stream stopped before its end. */
export interface StreamFailure {
  readonly kind: 'truncated-gzip' | 'corrupt-gzip' | 'read-error' | 'expansion';
  readonly message: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const READ_CHUNK_BYTES = 1 << 20;

export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** Stands for a line longer than the limit: its bytes were discarded, never buffered. */
export interface OversizedLine {
  readonly oversized: true;
}
export const OVERSIZED_LINE: OversizedLine = Object.freeze({ oversized: true });

export type SourceLine = string | OversizedLine;

export class LineSource {
  /** Text after the last newline when the stream ended (a last line without its newline). */
  tail = '';
  /** The last line (without its newline) was longer than the limit: `tail` is empty then. */
  tailOversized = false;
  /** Set when the stream stopped early; `tail` is then a partial line and must not be used. */
  failure: StreamFailure | undefined;
  gzip = false;

  constructor(
    readonly path: string,
    private readonly limits: Pick<ImportLimits, 'maxLineBytes' | 'maxExpansionRatio' | 'maxExpandedBytes'> = DEFAULT_IMPORT_LIMITS,
  ) {}

  /** Complete lines (newline removed), in order, a batch per chunk read. */
  async *batches(): AsyncGenerator<SourceLine[]> {
    this.gzip = await isGzipFile(this.path);
    const file = createReadStream(this.path, { highWaterMark: READ_CHUNK_BYTES });
    let stream: Readable = file;
    let gunzip: Gunzip | undefined;
    if (this.gzip) {
      gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
      // pipeline forwards a read error of the file into gunzip, so the loop below sees it.
      stream = pipeline(file, gunzip, () => undefined);
    }
    const guard = new ExpansionGuard(this.limits);
    const maxLine = this.limits.maxLineBytes;
    // Bytes after the last newline wait for the next chunk (`carry`); complete lines are decoded
    // at once, so a multi-byte character is never split (a newline byte never occurs inside one).
    // The line that straddles two chunks is decoded on its own, so a chunk is never copied.
    // A line that grows past the limit is dropped at once and its bytes discarded up to the next
    // newline (`skipping`), so memory stays at one chunk plus one line of at most the limit.
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let skipping = false;
    let tail = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (gunzip !== undefined) {
          const stop = guard.add(chunk.length, gunzip.bytesWritten);
          if (stop !== undefined) {
            this.failure = { kind: 'expansion', message: stop };
            break;
          }
        }
        const first = chunk.indexOf(0x0a);
        if (first < 0) {
          if (skipping) continue;
          if (carryBytes + chunk.length > maxLine) {
            carry = [];
            carryBytes = 0;
            skipping = true;
          } else {
            carry.push(chunk);
            carryBytes += chunk.length;
          }
          continue;
        }
        const last = chunk.lastIndexOf(0x0a);
        const lines: SourceLine[] = [];
        if (skipping || carryBytes + first > maxLine) lines.push(OVERSIZED_LINE);
        else lines.push(carry.length ? decode(Buffer.concat([...carry, chunk.subarray(0, first)])) : decode(chunk.subarray(0, first)));
        if (last > first) splitLines(chunk.subarray(first + 1, last), maxLine, lines);
        const rest = chunk.length - (last + 1);
        skipping = rest > maxLine;
        carry = rest > 0 && !skipping ? [chunk.subarray(last + 1)] : [];
        carryBytes = skipping ? 0 : rest;
        yield lines;
      }
      if (this.failure === undefined) {
        this.tailOversized = skipping;
        tail = decode(Buffer.concat(carry));
      }
    } catch (error) {
      this.failure = describeFailure(error, this.gzip);
    } finally {
      file.destroy();
    }
    this.tail = tail;
  }
}

/** The lines of `bytes` (newline-separated, no newline at the end), each checked against the limit. */
function splitLines(bytes: Buffer, maxLine: number, lines: SourceLine[]): void {
  const ascii = isAscii(bytes);
  const body = bytes.toString(ascii ? 'latin1' : 'utf8');
  const tooLong = (line: string): boolean => line.length > maxLine || (!ascii && line.length * 3 > maxLine && Buffer.byteLength(line) > maxLine);
  for (let from = 0; ; ) {
    const nl = body.indexOf('\n', from);
    const line = nl < 0 ? (from === 0 ? body : body.slice(from)) : body.slice(from, nl);
    lines.push(tooLong(line) ? OVERSIZED_LINE : line);
    if (nl < 0) return;
    from = nl + 1;
  }
}

/**
 * UTF-8 text of whole lines. ASCII-only bytes (what captures almost always are) are copied
 * as one-byte text, which for chunk-sized text Node keeps outside the JS heap.
 */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

function describeFailure(error: unknown, gzip: boolean): StreamFailure {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (gzip && (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message))) {
    return { kind: 'truncated-gzip', message: 'the gzip stream ends early (the .gz file is truncated)' };
  }
  if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
    return { kind: 'corrupt-gzip', message: `the gzip data is corrupt (${message})` };
  }
  return { kind: 'read-error', message: `reading failed: ${message}` };
}
