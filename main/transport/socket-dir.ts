/**
 * Where the broker's socket lives: a per-user directory that only its owner can enter
 * (mode 0700), so the file system refuses other users before the broker ever sees them.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRIVATE_MODE = 0o700;
export const SOCKET_FILE_NAME = 'broker.sock';

/** sun_path is 108 bytes on Linux and 104 on macOS, both including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export function currentUid(): number {
  if (typeof process.getuid !== 'function') throw new Error(`Unix-domain transport is not supported on platform ${process.platform}`);
  return process.getuid();
}

/** `$XDG_RUNTIME_DIR/xpc-inspector`, or `<tmpdir>/xpc-inspector-<uid>` where there is no runtime dir. */
export function runtimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'xpc-inspector');
  return join(tmpdir(), `xpc-inspector-${currentUid()}`);
}

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimeDirectory(env), SOCKET_FILE_NAME);
}

/** Throws a clear error when `path` does not fit in sockaddr_un.sun_path. */
export function checkSocketPathLength(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `socket path ${path} is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix-domain socket address can hold; choose a shorter directory`,
    );
  }
}

/**
 * Creates `dir` with mode 0700 if missing. An existing directory must be a real directory
 * owned by us; if its mode lets anyone else in, it is tightened to 0700. Anything else is
 * refused with an error naming the path.
 */
export function ensurePrivateDirectory(dir: string): void {
  const uid = currentUid();
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_MODE });
  } catch (error) {
    throw new Error(`cannot create socket directory ${dir}: ${(error as Error).message}`);
  }
  // lstat, not stat: a symlink planted in place of the directory must not be followed.
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new Error(`socket directory ${dir} is a symbolic link; refusing to use it`);
  if (!st.isDirectory()) throw new Error(`socket directory ${dir} exists and is not a directory; refusing to use it`);
  if (st.uid !== uid) {
    throw new Error(`socket directory ${dir} is owned by uid ${st.uid}, not by us (uid ${uid}); refusing to use it`);
  }
  if ((st.mode & 0o777) !== PRIVATE_MODE) {
    try {
      chmodSync(dir, PRIVATE_MODE);
    } catch (error) {
      throw new Error(`socket directory ${dir} has mode ${formatMode(st.mode)} and could not be tightened to 0700: ${(error as Error).message}`);
    }
  }
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
