#!/usr/bin/env node
/**
 * Makes sure the toolchain of the native probe's tests is here, installing what is missing; run by
 * `npm test` before anything else (and so by `.ci/run`). Fails, with the reason and the command to
 * run, when something cannot be had.
 *
 * - Zig, as the PyPI package `ziglang` pinned to ZIG_VERSION: `python3 -m ziglang` cross-compiles
 *   and links the probe for macOS (`make -C native-probe macos`, native-probe/macos-build.test.ts).
 *   Installed with `python3 -m pip install ziglang==ZIG_VERSION`, then with `--user`, then with
 *   `--break-system-packages` when pip refuses the previous form (a Debian system Python refuses
 *   plain installs; a virtual environment refuses `--user`).
 * - The Blocks runtime for Linux (Debian's libblocksruntime-dev: /usr/include/Block.h and
 *   libBlocksRuntime.so), for the Linux build of the same C code. Installed with apt-get when
 *   running as root; otherwise the command is printed. macOS has blocks in its SDK and libSystem.
 *
 * - bpylist2 from PyPI (pinned): the independent NSKeyedArchiver implementation that
 *   app/nsxpc/python-crosscheck.test.ts compares the app's unarchiver with.
 *
 * Usage: node scripts/setup-native.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { platform } from 'node:os';

const ZIG_VERSION = '0.15.2';
const PYTHON = 'python3';
const BLOCKS_PACKAGE = 'libblocksruntime-dev';

function say(line) {
  console.log(`setup-native: ${line}`);
}

class SetupError extends Error {}

/** Runs a command without a shell; returns its status and output, never throws. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const missing = result.error !== undefined && result.error.code === 'ENOENT';
  return {
    ok: result.status === 0,
    missing,
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    error: result.error,
  };
}

/** Runs a command with its output shown; fails with `why` when it does not succeed. */
function runShown(command, args, why, env = process.env) {
  say(`running: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error !== undefined) throw new SetupError(`${why}: ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new SetupError(`${why}: \`${[command, ...args].join(' ')}\` exited with status ${result.status}`);
}

function lastLines(text, count = 3) {
  return text.trim().split('\n').slice(-count).join(' | ');
}

/* ---- Zig ------------------------------------------------------------------------------------- */

/** The version `python3 -m ziglang version` prints, or why there is none. */
function zigVersion() {
  const result = run(PYTHON, ['-m', 'ziglang', 'version']);
  if (result.missing) return { version: undefined, why: `${PYTHON} is not on the PATH` };
  if (!result.ok) return { version: undefined, why: lastLines(result.stderr || result.stdout) || `exit status ${result.status}` };
  return { version: result.stdout.trim(), why: undefined };
}

function ensureZig() {
  const before = zigVersion();
  if (before.version === ZIG_VERSION) {
    say(`zig ${ZIG_VERSION} (python3 -m ziglang): present`);
    return;
  }
  const install = `${PYTHON} -m pip install ziglang==${ZIG_VERSION}`;
  if (run(PYTHON, ['--version']).missing) {
    throw new SetupError(`${PYTHON} is not on the PATH; Zig comes from PyPI as \`${install}\` (on Debian/Ubuntu first: apt-get install -y python3 python3-pip)`);
  }
  say(
    before.version === undefined
      ? `zig (python3 -m ziglang) is missing (${before.why}); installing ziglang==${ZIG_VERSION}`
      : `zig ${before.version} found, ${ZIG_VERSION} wanted; installing ziglang==${ZIG_VERSION}`,
  );
  pipInstall(`ziglang==${ZIG_VERSION}`, () => {
    const after = zigVersion();
    return after.version === ZIG_VERSION ? undefined : `\`python3 -m ziglang version\` gives ${after.version ?? after.why}`;
  });
}

/**
 * `pip install SPEC`, then with `--user`, then with `--break-system-packages` when pip refuses the
 * previous form; `problem()` says what is still wrong after an install pip reported done.
 */
function pipInstall(spec, problem) {
  const install = `${PYTHON} -m pip install ${spec}`;
  if (run(PYTHON, ['-m', 'pip', '--version']).ok === false) {
    throw new SetupError(`pip is missing (\`${PYTHON} -m pip\` does not run); install it (Debian/Ubuntu: apt-get install -y python3-pip), then run \`${install}\``);
  }
  const failures = [];
  for (const extra of [[], ['--user'], ['--break-system-packages']]) {
    const args = ['-m', 'pip', 'install', '--disable-pip-version-check', ...extra, spec];
    say(`running: ${PYTHON} ${args.join(' ')}`);
    const result = run(PYTHON, args, { env: { ...process.env, PIP_NO_INPUT: '1' } });
    if (result.ok) {
      const left = problem();
      if (left === undefined) {
        say(`${spec} installed${extra.length > 0 ? ` (pip ${extra.join(' ')})` : ''}`);
        return;
      }
      failures.push(`pip ${extra.join(' ') || '(plain)'} succeeded, yet ${left}`);
    } else {
      failures.push(`pip ${extra.join(' ') || '(plain)'}: ${lastLines(result.stderr || result.stdout) || `exit status ${result.status}`}`);
    }
    say(`  did not work: ${failures[failures.length - 1]}`);
  }
  throw new SetupError(`could not install ${spec} from PyPI (\`${install}\`):\n  ${failures.join('\n  ')}`);
}

/* ---- bpylist2: the independent NSKeyedArchiver reader app/nsxpc's cross-check compares with ---- */

const BPYLIST2 = 'bpylist2==4.1.1';

function ensureBpylist2() {
  const importable = () => (run(PYTHON, ['-c', 'import bpylist2']).ok ? undefined : '`import bpylist2` fails');
  if (importable() === undefined) {
    say(`${BPYLIST2}: present`);
    return;
  }
  say(`bpylist2 is missing; installing ${BPYLIST2}`);
  pipInstall(BPYLIST2, importable);
}

/* ---- the Blocks runtime (Linux) -------------------------------------------------------------- */

const LIBRARY_DIRS = ['/usr/lib', '/usr/lib64', '/usr/local/lib', '/lib'];

function blocksRuntimeLibrary() {
  const dirs = [...LIBRARY_DIRS];
  for (const base of ['/usr/lib', '/lib']) {
    try {
      for (const entry of readdirSync(base, { withFileTypes: true })) {
        if (entry.isDirectory() && /-linux-gnu|-linux-musl/.test(entry.name)) dirs.push(`${base}/${entry.name}`);
      }
    } catch {
      /* a directory that is not there */
    }
  }
  return dirs.map((d) => `${d}/libBlocksRuntime.so`).find((p) => existsSync(p));
}

function blocksRuntimeMissing() {
  const missing = [];
  if (!existsSync('/usr/include/Block.h')) missing.push('/usr/include/Block.h');
  if (blocksRuntimeLibrary() === undefined) missing.push('libBlocksRuntime.so');
  return missing;
}

function ensureBlocksRuntime() {
  if (platform() !== 'linux') {
    say(`Blocks runtime: part of the system on ${platform()}, nothing to install`);
    return;
  }
  const missing = blocksRuntimeMissing();
  if (missing.length === 0) {
    say(`Blocks runtime (${BLOCKS_PACKAGE}): present`);
    return;
  }
  const command = `apt-get install -y ${BLOCKS_PACKAGE}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new SetupError(`the Blocks runtime is missing (${missing.join(', ')}); install it as root: sudo apt-get update && sudo ${command}`);
  }
  if (run('apt-get', ['--version']).missing) {
    throw new SetupError(`the Blocks runtime is missing (${missing.join(', ')}) and there is no apt-get: install your system's Blocks runtime (Block.h and libBlocksRuntime.so)`);
  }
  say(`the Blocks runtime is missing (${missing.join(', ')}); installing ${BLOCKS_PACKAGE}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runShown('apt-get', ['update'], 'apt-get update failed', env);
  runShown('apt-get', ['install', '-y', BLOCKS_PACKAGE], `could not install ${BLOCKS_PACKAGE}`, env);
  const still = blocksRuntimeMissing();
  if (still.length > 0) throw new SetupError(`${BLOCKS_PACKAGE} was installed, yet ${still.join(', ')} is still missing`);
  say(`${BLOCKS_PACKAGE} installed`);
}

try {
  ensureZig();
  ensureBlocksRuntime();
  ensureBpylist2();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`setup-native: FAILED: ${error.message}`);
  process.exit(1);
}
