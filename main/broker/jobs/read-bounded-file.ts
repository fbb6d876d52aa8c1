/**
 * Reads a file only when it is small enough: the size comes from fstat of the open file, before
 * any byte is read, and the read stops one byte past that size, so neither a huge file nor one
 * that grows after the check can make us hold more than the limit in memory.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type BoundedRead =
  | { readonly kind: 'read'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'not-a-file' }
  | { readonly kind: 'error'; readonly message: string };

export async function readFileAtMost(path: string, maxBytes: number): Promise<BoundedRead> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in place of the file must not hang the open.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { kind: 'error', message: errorText(e) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: 'not-a-file' };
    if (info.size > maxBytes) return { kind: 'too-large', size: info.size };
    // One spare byte tells a file that grew after fstat from one that did not.
    const buffer = Buffer.alloc(info.size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > info.size) return { kind: 'error', message: `the file grew past ${info.size} bytes while it was being read` };
    return { kind: 'read', bytes: buffer.subarray(0, filled) };
  } catch (e) {
    return { kind: 'error', message: errorText(e) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
