/**
 * The raw value tree shared by the bplist00 reader and the bplist16/17 decoder, before any
 * keyed-archive or invocation meaning is given to it. Exact types are kept: integers are
 * bigint (bplist00 carries up to 128 bits), reals keep their width, dates keep the stored
 * seconds since 2001-01-01 (converting to a JS Date would round to milliseconds).
 */

export type PlistValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'real'; readonly value: number; readonly bytes: 4 | 8 }
  /** Seconds since 2001-01-01T00:00:00Z (Core Foundation's reference date). */
  | { readonly kind: 'date'; readonly seconds: number }
  | { readonly kind: 'data'; readonly value: Uint8Array }
  | { readonly kind: 'string'; readonly value: string }
  /** A keyed-archive reference into `$objects` (bplist00 only). */
  | { readonly kind: 'uid'; readonly value: number }
  | { readonly kind: 'array'; readonly items: readonly PlistValue[] }
  | { readonly kind: 'set'; readonly items: readonly PlistValue[] }
  /** Keys in file order; a repeated key keeps its last value (as CFPropertyList and plistlib do). */
  | { readonly kind: 'dict'; readonly entries: ReadonlyMap<string, PlistValue> };

export type PlistKind = PlistValue['kind'];

/** Core Foundation's reference date in Unix milliseconds. */
export const CF_EPOCH_UNIX_MS = Date.UTC(2001, 0, 1);

export function plistDateToIso(seconds: number): string {
  const ms = CF_EPOCH_UNIX_MS + seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${seconds}s after 2001-01-01`;
}

export const plist = {
  null: (): PlistValue => ({ kind: 'null' }),
  bool: (value: boolean): PlistValue => ({ kind: 'bool', value }),
  int: (value: bigint | number): PlistValue => ({ kind: 'int', value: BigInt(value) }),
  real: (value: number, bytes: 4 | 8 = 8): PlistValue => ({ kind: 'real', value, bytes }),
  date: (seconds: number): PlistValue => ({ kind: 'date', seconds }),
  data: (value: Uint8Array): PlistValue => ({ kind: 'data', value }),
  string: (value: string): PlistValue => ({ kind: 'string', value }),
  uid: (value: number): PlistValue => ({ kind: 'uid', value }),
  array: (items: readonly PlistValue[]): PlistValue => ({ kind: 'array', items }),
  set: (items: readonly PlistValue[]): PlistValue => ({ kind: 'set', items }),
  dict: (entries: Iterable<readonly [string, PlistValue]>): PlistValue => ({ kind: 'dict', entries: new Map(entries) }),
};
