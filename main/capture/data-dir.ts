/**
 * Where capture journals live: a per-user application data directory, created private to its
 * owner (captures hold message payloads).
 *   macOS:  ~/Library/Application Support/XPC Inspector/captures
 *   others: $XDG_DATA_HOME/xpc-inspector/captures (default ~/.local/share/xpc-inspector/captures)
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeUid } from '../transport/describe-uid';
import { formatMode } from '../transport/socket-dir';

export function capturesDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'XPC Inspector', 'captures');
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const dataHome = xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.local', 'share');
  return join(dataHome, 'xpc-inspector', 'captures');
}

/**
 * Creates `dir` (and parents) with mode 0700. An existing directory is used as it is, never
 * chmod-ed (it may be one the user named, such as their home or /tmp), and only if it is a real
 * directory of ours that no one else can write to: each capture file is created 0600, so others
 * may list the names but not read a capture; write access would let them delete, rename or plant
 * files. Anything else is refused with an error naming the directory and what to do.
 */
export function ensureCapturesDirectory(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(`cannot create the captures directory ${dir}: ${(error as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`captures directory ${dir} exists and is not a directory; ${ELSEWHERE}`);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`captures directory ${dir} is owned by ${describeUid(st.uid)}, not by you (${describeUid(uid)}), who could remove or replace captures in it; ${ELSEWHERE}`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new Error(
      `captures directory ${dir} has mode ${formatMode(st.mode)}, so other users can add, rename or delete files in it, and the app ` +
        `does not change the mode of an existing directory. Run chmod go-w ${dir} if that is what you want, or ${ELSEWHERE}`,
    );
  }
  return dir;
}

/** What to do instead, for every refusal above. */
const ELSEWHERE =
  'choose another directory with --captures DIR (one that does not exist yet is created with mode 0700), or, for the default location, set XDG_DATA_HOME to a directory of your own';
