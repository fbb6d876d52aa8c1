/**
 * Reads a text file line by line, in batches, with bounded memory: plain or gzip (detected by its
 * magic bytes, not its name). A stream that ends early — a truncated .gz, a read error — is
 * reported after the lines that were complete, never as a partial last line.
 */
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
    // Bytes after the last newline wait for the next chunk; complete lines are decoded at once,
    // so a multi-byte character is never split (a newline byte never occurs inside one).
    let carry: Buffer = Buffer.alloc(0);
    let tail = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const last = chunk.lastIndexOf(0x0a);
        if (last < 0) {
          carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
          continue;
        }
        const head = carry.length ? Buffer.concat([carry, chunk.subarray(0, last)]) : chunk.subarray(0, last);
        carry = chunk.subarray(last + 1);
        yield head.toString('utf8').split('\n');
      }
      tail = carry.toString('utf8');
    } catch (error) {
      this.failure = describeFailure(error, this.gzip);
    } finally {
      file.destroy();
    }
    this.tail = tail;
  }
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
