/**
 * The bounds on reading a capture file from outside (import, open, upload): how long a line may
 * be, how many bad lines are listed and tolerated, how far gzip data may expand. Each has a
 * default here and an environment variable that changes it for every entry point (CLI, browser
 * mode, desktop app); docs/security.md lists them.
 */

/** Longest line read; a longer one is skipped unread (captures cap message bodies far below this). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Bad lines kept with their messages; the rest are only counted. */
export const DEFAULT_MAX_LISTED_ERRORS = 100;
/** Bad lines after which reading stops: a file this broken is not a damaged capture (and each costs microseconds). */
export const DEFAULT_MAX_BAD_LINES = 100_000;
/** Most a gzip file may expand (decompressed ÷ compressed bytes); real captures stay near 10×. */
export const DEFAULT_MAX_EXPANSION_RATIO = 200;
/** Most decompressed bytes read from one gzip file. */
export const DEFAULT_MAX_EXPANDED_BYTES = 8 * 1024 * 1024 * 1024;
/** The ratio is checked once this much has been decompressed (a tiny file's ratio means nothing). */
export const EXPANSION_RATIO_FLOOR_BYTES = 1024 * 1024;

export interface ImportLimits {
  readonly maxLineBytes: number;
  readonly maxListedErrors: number;
  readonly maxBadLines: number;
  readonly maxExpansionRatio: number;
  readonly maxExpandedBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxListedErrors: DEFAULT_MAX_LISTED_ERRORS,
  maxBadLines: DEFAULT_MAX_BAD_LINES,
  maxExpansionRatio: DEFAULT_MAX_EXPANSION_RATIO,
  maxExpandedBytes: DEFAULT_MAX_EXPANDED_BYTES,
};

/** The environment variable of each limit. */
export const IMPORT_LIMIT_ENV: Readonly<Record<keyof ImportLimits, string>> = {
  maxLineBytes: 'XPC_INSPECTOR_IMPORT_MAX_LINE_BYTES',
  maxListedErrors: 'XPC_INSPECTOR_IMPORT_LISTED_ERRORS',
  maxBadLines: 'XPC_INSPECTOR_IMPORT_MAX_BAD_LINES',
  maxExpansionRatio: 'XPC_INSPECTOR_IMPORT_MAX_EXPANSION',
  maxExpandedBytes: 'XPC_INSPECTOR_IMPORT_MAX_EXPANDED_BYTES',
};

/** The smallest value each limit accepts (a zero line length or ratio would refuse every file). */
const MINIMUM: Readonly<Record<keyof ImportLimits, number>> = {
  maxLineBytes: 1024,
  maxListedErrors: 1,
  maxBadLines: 1,
  maxExpansionRatio: 2,
  maxExpandedBytes: 1024 * 1024,
};

/** The defaults, changed by the environment's variables, then by `overrides`. Throws naming a bad variable. */
export function importLimits(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ImportLimits> = {}): ImportLimits {
  const limits: Record<keyof ImportLimits, number> = { ...DEFAULT_IMPORT_LIMITS };
  for (const key of Object.keys(limits) as (keyof ImportLimits)[]) {
    const name = IMPORT_LIMIT_ENV[key];
    const text = env[name];
    if (text !== undefined && text.trim() !== '') limits[key] = parseLimit(text, `${name}=${text}`, MINIMUM[key]);
    const override = overrides[key];
    if (override !== undefined) limits[key] = checkLimit(override, `${key} ${override}`, MINIMUM[key]);
  }
  return limits;
}

/** A whole number ≥ `minimum`, written plainly or with a binary suffix (64K, 16M, 8G). */
export function parseLimit(text: string, where: string, minimum: number): number {
  const match = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(text);
  if (match === null) throw new Error(`${where}: expected a whole number, optionally with K, M or G`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return checkLimit(Number(match[1]) * scale, where, minimum);
}

function checkLimit(value: number, where: string, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${where}: must be a whole number of at least ${minimum}`);
  return value;
}

/** 100 KiB, 16 MiB, 2.1 GiB: sizes in messages, in the binary units the limits are set in. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(2))} ${units[unit]}`;
}

/** 99,900 */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
