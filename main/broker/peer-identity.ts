/**
 * What the kernel says a peer process is: pid/uid/gid from the socket (SO_PEERCRED /
 * LOCAL_PEERCRED, read by the transport) and its executable — /proc/<pid>/exe on Linux,
 * proc_pidpath(3) on macOS. Nothing here takes the process's word for anything.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readlinkSync, statSync } from 'node:fs';
import koffi from 'koffi';

export type ExecutableLookup = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

const PROC_PIDPATHINFO_MAXSIZE = 4096;
let macProcPidPath: ((pid: number, buffer: Buffer, size: number) => number) | undefined;

/** The executable file of a running process, as the kernel knows it. */
export function executableOf(pid: number): ExecutableLookup {
  try {
    if (process.platform === 'linux') {
      const path = readlinkSync(`/proc/${pid}/exe`);
      // The kernel appends " (deleted)" when the file was replaced after exec; it no longer names the image.
      if (path.endsWith(' (deleted)')) return { ok: false, reason: `the executable of pid ${pid} was deleted after it started (${path})` };
      return { ok: true, path };
    }
    if (process.platform === 'darwin') {
      macProcPidPath ??= loadProcPidPath();
      const buffer = Buffer.alloc(PROC_PIDPATHINFO_MAXSIZE);
      const length = macProcPidPath(pid, buffer, buffer.length);
      if (length <= 0) return { ok: false, reason: `proc_pidpath(${pid}) failed (errno ${koffi.errno()})` };
      return { ok: true, path: buffer.subarray(0, length).toString('utf8') };
    }
    return { ok: false, reason: `reading a process's executable is unsupported on ${process.platform}` };
  } catch (error) {
    return { ok: false, reason: `cannot read the executable of pid ${pid}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function loadProcPidPath(): (pid: number, buffer: Buffer, size: number) => number {
  const lib = koffi.load('/usr/lib/libproc.dylib');
  const fn = lib.func('int proc_pidpath(int pid, void *buffer, uint32_t buffersize)');
  return (pid, buffer, size) => fn(pid, buffer, size) as number;
}

/** sha256 of executables, cached by path and file identity so a big binary is hashed once. */
export class ExecutableHasher {
  private readonly cache = new Map<string, { stamp: string; digest: Promise<string> }>();

  sha256(path: string): Promise<string> {
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (error) {
      return Promise.reject(new Error(`cannot hash ${path}: ${error instanceof Error ? error.message : String(error)}`));
    }
    const cached = this.cache.get(path);
    if (cached && cached.stamp === stamp) return cached.digest;
    const digest = hashFile(path);
    this.cache.set(path, { stamp, digest });
    digest.catch(() => this.cache.delete(path));
    return digest;
  }
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path);
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', (error) => reject(new Error(`cannot hash ${path}: ${error.message}`)));
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}
