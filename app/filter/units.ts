/**
 * Numbers with units as a filter writes them: durations (5ms, 1.5s, 250us, 800ns) and sizes
 * (512, 4kb, 1.5MiB). Each parser returns the value in base units (ns, bytes) or what was wrong.
 */

export type UnitResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string; readonly expected: string };

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)(.*)$/;

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  µs: 1_000,
  μs: 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
  m: 60_000_000_000,
  min: 60_000_000_000,
};

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  mib: 1024 * 1024,
  g: 1024 * 1024 * 1024,
  gb: 1024 * 1024 * 1024,
  gib: 1024 * 1024 * 1024,
};

export const DURATION_EXPECTED = 'a duration such as 500us, 5ms or 1.5s (units ns, us, ms, s)';
export const SIZE_EXPECTED = 'a size such as 512, 4kb or 1.5mb';

export function parseDuration(text: string): UnitResult {
  const match = NUMBER.exec(text);
  if (match === null) return { ok: false, message: `"${text}" is not a duration`, expected: DURATION_EXPECTED };
  const unit = match[2]!.toLowerCase();
  if (unit === '') return { ok: false, message: `${text} needs a unit`, expected: 'a unit after the number: ns, us, ms or s' };
  const scale = DURATION_UNITS[unit];
  if (scale === undefined) return { ok: false, message: `unknown duration unit "${match[2]}"`, expected: 'one of the units ns, us, ms, s' };
  return { ok: true, value: Number(match[1]) * scale };
}

export function parseSize(text: string): UnitResult {
  const match = NUMBER.exec(text);
  if (match === null) return { ok: false, message: `"${text}" is not a size`, expected: SIZE_EXPECTED };
  const scale = SIZE_UNITS[match[2]!.toLowerCase()];
  if (scale === undefined) return { ok: false, message: `unknown size unit "${match[2]}"`, expected: 'one of the units b, kb, mb, gb' };
  return { ok: true, value: Math.round(Number(match[1]) * scale) };
}

/** A non-negative whole number (pids, ids, counts). */
export function parseWholeNumber(text: string, what: string): UnitResult {
  if (!/^\d+$/.test(text)) return { ok: false, message: `"${text}" is not a ${what}`, expected: `a whole number (${what})` };
  const value = Number(text);
  if (!Number.isSafeInteger(value)) return { ok: false, message: `${text} is too large`, expected: `a ${what} below 2^53` };
  return { ok: true, value };
}
