/**
 * Builds the probe's Linux-testable C parts into test programs with the system C compiler
 * ($CC, else cc, gcc or clang), in a temporary directory. Used by the probe's tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const besideThisFile = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** native-probe/. A bundled copy (bench/ runs from out/bench) finds it from the repository root, its working directory. */
export const PROBE_DIR = existsSync(join(besideThisFile, 'Makefile')) ? besideThisFile : resolve(process.cwd(), 'native-probe');

/** Warnings are errors: the C parts must build cleanly on both Linux and macOS. */
const FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Wpedantic', '-Werror', '-O1', '-g'];

/** The first C compiler that runs, or undefined. */
export function findCompiler(): string | undefined {
  const candidates = [process.env['CC'], 'cc', 'gcc', 'clang'].filter((c): c is string => c !== undefined && c !== '');
  for (const cc of candidates) {
    const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return cc;
  }
  return undefined;
}

export interface CBuild {
  readonly dir: string;
  /** Compiles `sources` (paths relative to native-probe/) into an executable named `name`; returns its path. */
  program(name: string, sources: readonly string[], libs?: readonly string[]): string;
  remove(): void;
}

export function cBuild(cc: string): CBuild {
  const dir = mkdtempSync(join(tmpdir(), 'xpc-probe-c-'));
  return {
    dir,
    program(name, sources, libs = []) {
      const out = join(dir, name);
      const args = [...FLAGS, ...sources.map((s) => join(PROBE_DIR, s)), '-o', out, ...libs];
      const result = spawnSync(cc, args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${cc} ${args.join(' ')} failed (status ${result.status}):\n${result.stderr}${result.stdout}`);
      return out;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
