/**
 * Temporary directories a host keeps uploads and conversions in (`xpci-files-*` in the system
 * temporary directory). Each records the pid of the process that made it; a directory whose
 * process is gone was left by a run that was killed, and is removed when the next one starts,
 * so uploaded captures do not pile up on disk.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCRATCH_PREFIX = 'xpci-files-';
const OWNER_FILE = 'owner.pid';

/** A new private (0700) scratch directory that names this process as its owner. */
export function createScratchDirectory(parent: string = tmpdir()): string {
  const dir = mkdtempSync(join(parent, SCRATCH_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
  return dir;
}

/** Removes this user's scratch directories whose owning process has exited; returns their paths. */
export function removeStaleScratchDirectories(parent: string = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(SCRATCH_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = join(parent, name);
    try {
      const stat = lstatSync(dir);
      // Only real directories of this user: never follow a link, never touch another user's files.
      if (!stat.isDirectory() || stat.uid !== process.getuid?.()) continue;
      if (ownerAlive(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Gone already, or not ours to read: leave it.
    }
  }
  return removed;
}

/** Whether the directory's owner still runs; a directory without an owner file (an older run) counts as stale. */
function ownerAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of another user has that pid now; it is alive, so leave the directory.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
