/**
 * Reads a text file line by line, in batches, with bounded memory: plain or gzip (detected by its
 * magic bytes, not its name). A stream that ends early — a truncated .gz, a read error — is
 * reported after the lines that were complete, never as a partial last line.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Why the byte stream stopped before its end. */
export interface StreamFailure {
  readonly kind: 'truncated-gzip' | 'corrupt-gzip' | 'read-error';
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

export class LineSource {
  /** Text after the last newline when the stream ended (a last line without its newline). */
  tail = '';
  /** Set when the stream stopped early; `tail` is then a partial line and must not be used. */
  failure: StreamFailure | undefined;
  gzip = false;

  constructor(readonly path: string) {}

  /** Complete lines (newline removed), in order, a batch per chunk read. */
  async *batches(): AsyncGenerator<string[]> {
    this.gzip = await isGzipFile(this.path);
    const file = createReadStream(this.path, { highWaterMark: READ_CHUNK_BYTES });
    let stream: Readable = file;
    if (this.gzip) {
      const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
      // pipeline forwards a read error of the file into gunzip, so the loop below sees it.
      stream = pipeline(file, gunzip, () => undefined);
    }
    // Bytes after the last newline wait for the next chunk (`carry`); complete lines are decoded
    // at once, so a multi-byte character is never split (a newline byte never occurs inside one).
    // The line that straddles two chunks is decoded on its own, so a chunk is never copied.
    let carry: Buffer[] = [];
    let tail = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const first = chunk.indexOf(0x0a);
        if (first < 0) {
          carry.push(chunk);
          continue;
        }
        const last = chunk.lastIndexOf(0x0a);
        const lines: string[] = [];
        lines.push(carry.length ? decode(Buffer.concat([...carry, chunk.subarray(0, first)])) : decode(chunk.subarray(0, first)));
        if (last > first) {
          const body = decode(chunk.subarray(first + 1, last));
          for (let from = 0; ; ) {
            const nl = body.indexOf('\n', from);
            if (nl < 0) {
              lines.push(from === 0 ? body : body.slice(from));
              break;
            }
            lines.push(body.slice(from, nl));
            from = nl + 1;
          }
        }
        carry = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
        yield lines;
      }
      tail = decode(Buffer.concat(carry));
    } catch (error) {
      this.failure = describeFailure(error, this.gzip);
    } finally {
      file.destroy();
    }
    this.tail = tail;
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
