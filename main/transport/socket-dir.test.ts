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
import { describeUid } from './describe-uid';
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

  it('accepts an existing directory of ours that only we can enter', () => {
    const dir = join(tmp.dir, 'private');
    mkdirSync(dir, { mode: 0o700 });
    expect(() => ensurePrivateDirectory(dir)).not.toThrow();
  });

  it('refuses, and never chmods, an existing directory the user named that others can enter (a home directory, say)', () => {
    const dir = join(tmp.dir, 'home');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => ensurePrivateDirectory(dir)).toThrow(
      `socket directory ${dir} has mode 0755, so other users can enter it; the broker's socket needs a directory only you can enter, ` +
        `and the broker does not change the mode of an existing directory. Run chmod 700 ${dir} if it is meant to be private, ` +
        'or put the socket elsewhere: --socket PATH with PATH in a directory that does not exist yet',
    );
    expect(modeOf(dir)).toBe(0o755);
  });

  it('leaves a world-writable sticky directory such as /tmp exactly as it was', () => {
    const dir = join(tmp.dir, 'shared-tmp');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    expect(() => ensurePrivateDirectory(dir)).toThrow(/has mode 0777, so other users can enter it/);
    expect(statSync(dir).mode & 0o7777).toBe(0o1777);
  });

  it.skipIf(!isRoot)('refuses a directory owned by another uid, naming it and leaving it alone (needs root)', () => {
    const dir = join(tmp.dir, 'foreign');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    chownSync(dir, NOBODY, NOBODY);
    expect(() => ensurePrivateDirectory(dir)).toThrow(new RegExp(`socket directory ${dir} is owned by uid ${NOBODY}`));
    expect(modeOf(dir)).toBe(0o777);
  });

  it.skipIf(!isRoot)('names the directory, its owner and the way out when another user pre-created the default one under $TMPDIR (needs root)', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp.dir;
    try {
      const dir = runtimeDirectory({});
      expect(dir).toBe(join(tmp.dir, `xpc-inspector-${process.getuid!()}`));
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, NOBODY, NOBODY);
      let message = '';
      try {
        ensurePrivateDirectory(dir);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        `socket directory ${dir} is owned by ${describeUid(NOBODY)}, not by you (${describeUid(0)}); refusing to use it. ` +
          `Another user created it, perhaps to take over the broker's socket. After checking what it holds, remove it ` +
          `(as root or its owner: rm -r ${dir}), or put the socket elsewhere: --socket PATH with PATH in a directory that does not ` +
          'exist yet, such as ~/.xpc-inspector/broker.sock (the broker creates it with mode 0700), or, for the default location, ' +
          'set XDG_RUNTIME_DIR (or TMPDIR) to a directory of your own.',
      );
      expect(message).toContain(`uid ${NOBODY}`);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
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

describe('describeUid', () => {
  it('adds the user name when the passwd file lists the uid, and shows the uid alone otherwise', () => {
    const passwd = join(tmp.dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    expect(describeUid(65534, passwd)).toBe('uid 65534 (nobody)');
    expect(describeUid(4242, passwd)).toBe('uid 4242');
    expect(describeUid(0, join(tmp.dir, 'missing'))).toBe('uid 0');
  });
});
