/**
 * Where capture journals live: a per-user application data directory, private to its owner
 * (captures hold message payloads).
 *   macOS:  ~/Library/Application Support/XPC Inspector/captures
 *   others: $XDG_DATA_HOME/xpc-inspector/captures (default ~/.local/share/xpc-inspector/captures)
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function capturesDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'XPC Inspector', 'captures');
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const dataHome = xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.local', 'share');
  return join(dataHome, 'xpc-inspector', 'captures');
}

/** Creates `dir` (and parents) with mode 0700; an existing directory must be a real directory. */
export function ensureCapturesDirectory(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(`cannot create the captures directory ${dir}: ${(error as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`captures directory ${dir} exists and is not a directory`);
  if (typeof process.getuid === 'function' && st.uid === process.getuid() && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
