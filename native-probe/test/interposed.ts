/**
 * Reads native-probe/interpose/interposed.def, the one list of the libxpc functions the probe
 * interposes: `PROBE_INTERPOSED(function, macos_since, on_linux)` lines, C comments around them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE_DIR } from './compile';

export const INTERPOSED_DEF = join(PROBE_DIR, 'interpose', 'interposed.def');

export interface Interposed {
  readonly fn: string;
  /** The first macOS that has the function. */
  readonly macosSince: { readonly major: number; readonly minor: number };
  readonly macosSinceText: string;
  readonly onLinux: boolean;
  readonly line: number;
}

const ENTRY = /^PROBE_INTERPOSED\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*(\d+)_(\d+)\s*,\s*([01])\s*\)$/;

/** The entries in file order; a line that is neither an entry, a comment nor blank is an error. */
export function parseInterposedDef(text: string, file = INTERPOSED_DEF): Interposed[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  const entries: Interposed[] = [];
  withoutComments.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = ENTRY.exec(line);
    if (m === null) throw new Error(`${file}:${i + 1}: not a PROBE_INTERPOSED(function, MAJOR_MINOR, 0|1) line: ${line}`);
    const [, fn, major, minor, onLinux] = m as unknown as [string, string, string, string, string];
    if (entries.some((e) => e.fn === fn)) throw new Error(`${file}:${i + 1}: ${fn} is listed twice`);
    entries.push({ fn, macosSince: { major: Number(major), minor: Number(minor) }, macosSinceText: `${major}.${minor}`, onLinux: onLinux === '1', line: i + 1 });
  });
  if (entries.length === 0) throw new Error(`${file}: no PROBE_INTERPOSED lines`);
  return entries;
}

export function readInterposedDef(file = INTERPOSED_DEF): Interposed[] {
  return parseInterposedDef(readFileSync(file, 'utf8'), file);
}

/** a is later than b. */
export function isLater(a: { major: number; minor: number }, b: { major: number; minor: number }): boolean {
  return a.major !== b.major ? a.major > b.major : a.minor > b.minor;
}
