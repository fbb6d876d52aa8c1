import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeUid } from '../transport/describe-uid';
import { ensureCapturesDirectory } from './data-dir';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpc-data-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('ensureCapturesDirectory', () => {
  it('creates a missing directory (and parents) with mode 0700', () => {
    const captures = join(dir, 'a', 'captures');
    const oldUmask = process.umask(0);
    try {
      expect(ensureCapturesDirectory(captures)).toBe(captures);
    } finally {
      process.umask(oldUmask);
    }
    expect(modeOf(captures)).toBe(0o700);
  });

  it('uses an existing directory of ours that others may read but not write, without changing its mode', () => {
    const captures = join(dir, 'readable');
    mkdirSync(captures);
    chmodSync(captures, 0o755);
    expect(ensureCapturesDirectory(captures)).toBe(captures);
    expect(modeOf(captures)).toBe(0o755);
  });

  it('refuses, and never chmods, a directory the user named that others can write to', () => {
    const captures = join(dir, 'shared');
    mkdirSync(captures);
    chmodSync(captures, 0o777);
    expect(() => ensureCapturesDirectory(captures)).toThrow(
      `captures directory ${captures} has mode 0777, so other users can add, rename or delete files in it, and the app does not change ` +
        `the mode of an existing directory. Run chmod go-w ${captures} if that is what you want, or choose another directory with --captures DIR`,
    );
    expect(modeOf(captures)).toBe(0o777);
  });

  it('leaves a sticky world-writable directory such as /tmp exactly as it was', () => {
    const captures = join(dir, 'tmp-like');
    mkdirSync(captures);
    chmodSync(captures, 0o1777);
    expect(() => ensureCapturesDirectory(captures)).toThrow(/has mode 0777/);
    expect(modeOf(captures)).toBe(0o1777);
  });

  it.skipIf(!isRoot)('refuses a directory owned by another user, naming the owner, and leaves it alone (needs root)', () => {
    const captures = join(dir, 'foreign');
    mkdirSync(captures, { mode: 0o700 });
    chownSync(captures, NOBODY, NOBODY);
    expect(() => ensureCapturesDirectory(captures)).toThrow(
      `captures directory ${captures} is owned by ${describeUid(NOBODY)}, not by you (${describeUid(0)}), who could remove or replace captures in it; choose another directory with --captures DIR`,
    );
    expect(statSync(captures).uid).toBe(NOBODY);
    expect(modeOf(captures)).toBe(0o700);
  });

  it('refuses a file in place of the directory, naming it', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(() => ensureCapturesDirectory(file)).toThrow(`the captures directory ${file}: EEXIST`);
  });
});
