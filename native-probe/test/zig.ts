/**
 * The macOS cross-build of the probe from the tests: finds Zig (`python3 -m ziglang`, or $ZIG),
 * says exactly what is missing and how to install it, and runs `make -C native-probe macos`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROBE_DIR } from './compile';

const SETUP_SCRIPT = resolve(PROBE_DIR, '..', 'scripts', 'setup-native.mjs');

/** The Zig version scripts/setup-native.mjs installs (`npm test` runs it first). */
export function pinnedZigVersion(): string {
  const m = /^const ZIG_VERSION = '([^']+)';$/m.exec(readFileSync(SETUP_SCRIPT, 'utf8'));
  if (m === null || m[1] === undefined) throw new Error(`${SETUP_SCRIPT}: no \`const ZIG_VERSION = '…';\` line`);
  return m[1];
}

/** The command that runs Zig, as the Makefile sees it. */
export function zigCommand(): string {
  const fromEnv = process.env['ZIG'];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : 'python3 -m ziglang';
}

function sh(command: string, cwd = PROBE_DIR): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}

/** Why the macOS build cannot run here, with the command that fixes it; undefined when it can. */
export function macosToolchainProblem(): string | undefined {
  const pinned = pinnedZigVersion();
  const install = `python3 -m pip install ziglang==${pinned}`;
  const setup = `(or \`node scripts/setup-native.mjs\`, which \`npm test\` runs first)`;
  if (sh('command -v make').status !== 0) return 'make is not on the PATH; install it (Debian/Ubuntu: apt-get install -y make)';
  const zig = zigCommand();
  if (process.env['ZIG'] === undefined || process.env['ZIG'].trim() === '') {
    if (sh('command -v python3').status !== 0) return `python3 is not on the PATH, and Zig comes from PyPI: install Python 3 and pip (Debian/Ubuntu: apt-get install -y python3 python3-pip), then run \`${install}\` ${setup}`;
    const version = sh(`${zig} version`);
    if (version.status !== 0) {
      const why = /No module named ziglang/.test(version.stderr) ? 'the Python package ziglang is not installed' : `\`${zig} version\` fails: ${lastLine(version.stderr || version.stdout)}`;
      return `Zig is missing: ${why}. Install it with \`${install}\` ${setup}`;
    }
    const found = version.stdout.trim();
    if (found !== pinned) return `Zig ${found} found (\`${zig} version\`), ${pinned} is the pinned version. Install it with \`${install}\` ${setup}`;
    return undefined;
  }
  const version = sh(`${zig} version`);
  if (version.status !== 0) return `ZIG="${zig}" does not run (\`${zig} version\`: ${lastLine(version.stderr || version.stdout)}); unset ZIG to use \`python3 -m ziglang\` (\`${install}\`)`;
  return undefined;
}

export interface MakeResult {
  readonly ms: number;
  readonly output: string;
}

/** `make -C native-probe macos` (BUILD relative to native-probe/, or absolute); fails with make's output. */
export function makeMacos(build?: string): MakeResult {
  const args = ['-C', PROBE_DIR, 'macos', ...(build !== undefined ? [`BUILD=${build}`] : [])];
  const started = performance.now();
  const r = spawnSync('make', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error !== undefined) throw new Error(`make ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`make ${args.join(' ')} failed (status ${r.status}):\n${output}`);
  return { ms, output };
}

/** Zig's lib directory, where its macOS SDK headers are: from `zig env` (ZON since 0.15, JSON before). */
export function zigLibDir(): string {
  const r = sh(`${zigCommand()} env`);
  if (r.status !== 0) throw new Error(`${zigCommand()} env failed: ${r.stderr}`);
  const m = /(?:\.lib_dir\s*=|"lib_dir"\s*:)\s*"((?:[^"\\]|\\.)*)"/.exec(r.stdout);
  if (m === null || m[1] === undefined) throw new Error(`${zigCommand()} env: no lib_dir in ${r.stdout.slice(0, 300)}`);
  return JSON.parse(`"${m[1]}"`) as string;
}

/**
 * The first macOS of a libxpc function according to the SDK headers Zig ships
 * (libc/include/any-macos-any/xpc/*.h): the availability macro in front of its declaration —
 * API_AVAILABLE(macos(X.Y)), __API_AVAILABLE(macos(X.Y)), __OSX_AVAILABLE(X.Y) or
 * __OSX_AVAILABLE_STARTING(__MAC_X_Y, …). Undefined when the function or its macro is not found.
 */
export function sdkMacosSince(fn: string, libDir = zigLibDir()): { since: string; header: string } | undefined {
  const dir = join(libDir, 'libc', 'include', 'any-macos-any', 'xpc');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.h')).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    const decl = new RegExp(`^${fn}\\s*\\(`, 'm').exec(text);
    if (decl === null) continue;
    /* The declaration's attributes: from the end of the comment (or declaration) before it. */
    const before = text.slice(0, decl.index);
    const start = Math.max(before.lastIndexOf('*/'), before.lastIndexOf(';'));
    const attributes = before.slice(start + 1);
    const modern = /(?:__)?API_AVAILABLE\([^)]*?\bmacos\((\d+)\.(\d+)(?:\.\d+)?\)/.exec(attributes);
    if (modern !== null) return { since: `${modern[1]}.${modern[2]}`, header: name };
    const osx = /__OSX_AVAILABLE\((\d+)\.(\d+)\)/.exec(attributes);
    if (osx !== null) return { since: `${osx[1]}.${osx[2]}`, header: name };
    const starting = /__OSX_AVAILABLE_STARTING\(__MAC_(\d+)_(\d+)/.exec(attributes);
    if (starting !== null) return { since: `${starting[1]}.${starting[2]}`, header: name };
    return undefined;
  }
  return undefined;
}
