/**
 * Naming plist values in error messages ("got string \"ten\"") and telling their types apart.
 * The plist parser turns <integer> and <real> both into numbers; an integral number counts as
 * an integer, which is what launchd accepts for integer keys anyway.
 */
import type { PlistValue } from 'plist';

export type PlistDict = { readonly [key: string]: PlistValue };

const MAX_QUOTED_CHARS = 60;

export function isPlistDict(v: PlistValue): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

export function isPlistInteger(v: PlistValue): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** "string \"ten\"", "integer 5", "a dictionary", ... for "expected X, got Y" messages. */
export function describePlistValue(v: PlistValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') {
    const shown = v.length > MAX_QUOTED_CHARS ? `${v.slice(0, MAX_QUOTED_CHARS)}…` : v;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof v === 'boolean') return `boolean ${v}`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'a number that does not parse';
    return Number.isInteger(v) ? `integer ${v}` : `real ${v}`;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'an invalid date' : `date ${v.toISOString()}`;
  if (v instanceof Uint8Array) return `data (${v.byteLength} bytes)`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return 'a dictionary';
}
