import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSocketPathLength,
  defaultSocketPath,
  ensurePrivateDirectory,
  MAX_SOCKET_PATH_BYTES,
  runtimeDirectory,
} from './socket-dir';
import { makeTempDir, type TempDir } from './test-helpers';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('runtimeDirectory / defaultSocketPath', () => {
  it('uses $XDG_RUNTIME_DIR/xpc-inspector when a runtime dir is set', () => {
    expect(runtimeDirectory({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/xpc-inspector');
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/xpc-inspector/broker.sock');
  });

  it('falls back to <tmpdir>/xpc-inspector-<uid> without a runtime dir (or with a relative one)', () => {
    const expected = join(tmpdir(), `xpc-inspector-${process.getuid!()}`);
    expect(runtimeDirectory({})).toBe(expected);
    expect(runtimeDirectory({ XDG_RUNTIME_DIR: 'relative/dir' })).toBe(expected);
  });

  it('produces a default path short enough for a socket address', () => {
    expect(() => checkSocketPathLength(defaultSocketPath())).not.toThrow();
  });
});

describe('ensurePrivateDirectory', () => {
  it('creates a missing directory (and parents) with mode 0700', () => {
    const dir = join(tmp.dir, 'a', 'b');
    const oldUmask = process.umask(0);
    try {
      ensurePrivateDirectory(dir);
    } finally {
      process.umask(oldUmask);
    }
    expect(modeOf(dir)).toBe(0o700);
    expect(statSync(dir).uid).toBe(process.getuid!());
  });

  it('tightens a directory we own whose mode lets others in', () => {
    const dir = join(tmp.dir, 'loose');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    ensurePrivateDirectory(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it.skipIf(!isRoot)('refuses a directory owned by another uid, naming it and leaving it alone (needs root)', () => {
    const dir = join(tmp.dir, 'foreign');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    chownSync(dir, NOBODY, NOBODY);
    expect(() => ensurePrivateDirectory(dir)).toThrow(new RegExp(`socket directory ${dir} is owned by uid ${NOBODY}`));
    expect(modeOf(dir)).toBe(0o777);
  });

  it('refuses a symbolic link in place of the directory', () => {
    const real = join(tmp.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(tmp.dir, 'link');
    symlinkSync(real, link);
    expect(() => ensurePrivateDirectory(link)).toThrow(/is a symbolic link/);
  });

  it('refuses a regular file in place of the directory', () => {
    const file = join(tmp.dir, 'file');
    writeFileSync(file, 'x');
    expect(() => ensurePrivateDirectory(file)).toThrow(new RegExp(file));
  });
});

describe('checkSocketPathLength', () => {
  it('accepts a path of exactly the maximum length', () => {
    expect(() => checkSocketPathLength('/' + 'a'.repeat(MAX_SOCKET_PATH_BYTES - 1))).not.toThrow();
  });

  it('rejects a longer path with an error naming it and its length', () => {
    const path = '/' + 'a'.repeat(MAX_SOCKET_PATH_BYTES);
    expect(() => checkSocketPathLength(path)).toThrow(`socket path ${path} is ${MAX_SOCKET_PATH_BYTES + 1} bytes`);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const path = '/' + 'é'.repeat(60); // 61 characters, 121 bytes
    expect(path.length).toBeLessThan(MAX_SOCKET_PATH_BYTES);
    expect(() => checkSocketPathLength(path)).toThrow(/longer than/);
  });
});
