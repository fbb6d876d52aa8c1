import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createScratchDirectory, removeStaleScratchDirectories, SCRATCH_PREFIX } from './stale-scratch';

const parents: string[] = [];
afterEach(() => {
  for (const dir of parents.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function parent(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-scratch-test-'));
  parents.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('upload scratch directories left by earlier runs', () => {
  it('removes those whose process is gone, with the uploads in them, at the next start', () => {
    const root = parent();
    const left = join(root, `${SCRATCH_PREFIX}killed`);
    mkdirSync(left, { mode: 0o700 });
    writeFileSync(join(left, 'owner.pid'), `${deadPid()}\n`);
    writeFileSync(join(left, 'abc.upload'), 'a capture someone uploaded');
    const older = join(root, `${SCRATCH_PREFIX}no-owner-file`);
    mkdirSync(older, { mode: 0o700 });
    writeFileSync(join(older, 'def.upload'), 'x');
    expect(removeStaleScratchDirectories(root).sort()).toEqual([left, older].sort());
    expect(existsSync(left)).toBe(false);
    expect(existsSync(older)).toBe(false);
  });

  it('keeps the directories of running processes and anything not named like one', () => {
    const root = parent();
    const mine = createScratchDirectory(root);
    writeFileSync(join(mine, 'live.upload'), 'in use');
    const running = join(root, `${SCRATCH_PREFIX}parent`);
    mkdirSync(running, { mode: 0o700 });
    writeFileSync(join(running, 'owner.pid'), `${process.ppid}\n`);
    const unrelated = join(root, 'something-else');
    mkdirSync(unrelated);
    expect(removeStaleScratchDirectories(root)).toEqual([]);
    for (const dir of [mine, running, unrelated]) expect(existsSync(dir)).toBe(true);
  });
});
