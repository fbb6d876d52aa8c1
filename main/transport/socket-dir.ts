/**
 * Where the broker's socket lives: a per-user directory that only its owner can enter
 * (mode 0700), so the file system refuses other users before the broker ever sees them.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeUid } from './describe-uid';

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

/** What to do instead, for every refusal below. */
const ELSEWHERE_LOWER =
  'put the socket elsewhere: --socket PATH with PATH in a directory that does not exist yet, such as ~/.xpc-inspector/broker.sock ' +
  '(the broker creates it with mode 0700), ' +
  'or, for the default location, set XDG_RUNTIME_DIR (or TMPDIR) to a directory of your own.';
const ELSEWHERE = ELSEWHERE_LOWER.charAt(0).toUpperCase() + ELSEWHERE_LOWER.slice(1);

/** Single-quoted for a POSIX shell, so the suggested command can be pasted as it is. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * Creates `dir` with mode 0700 if missing. An existing directory is used only if it is a real
 * directory, owned by us, that no one else can enter; it is never chmod-ed, because it may be a
 * directory the user named (`--socket ~/x.sock` must not lock up the home directory, nor
 * `--socket /tmp/x.sock` run as root close /tmp). Anything else is refused with an error that
 * names the directory, says what is wrong and what to do.
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
  if (st.isSymbolicLink()) throw new Error(`socket directory ${dir} is a symbolic link; refusing to use it. ${ELSEWHERE}`);
  if (!st.isDirectory()) throw new Error(`socket directory ${dir} exists and is not a directory; refusing to use it. ${ELSEWHERE}`);
  if (st.uid !== uid) {
    throw new Error(
      `socket directory ${dir} is owned by ${describeUid(st.uid)}, not by you (${describeUid(uid)}); refusing to use it. ` +
        `Another user created it, perhaps to take over the broker's socket. After checking what it holds, remove it ` +
        `(as root or its owner: rm -r ${shellQuote(dir)}), or ${ELSEWHERE_LOWER}`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new Error(
      `socket directory ${dir} has mode ${formatMode(st.mode)}, so other users can enter it; the broker's socket needs a directory ` +
        `only you can enter, and the broker does not change the mode of an existing directory. Run chmod 700 ${shellQuote(dir)} ` +
        `if it is meant to be private, or ${ELSEWHERE_LOWER}`,
    );
  }
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
