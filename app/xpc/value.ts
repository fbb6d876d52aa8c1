/**
 * The XPC value model: one TypeScript shape for every object type of xpc_objects(3)
 * that can travel in a message. Every part of the product (codec, XPC-JSON, broker,
 * SDK, renderer, capture files) speaks this vocabulary.
 *
 * Pure data: no Node, DOM or Electron types. Bytes are Uint8Array, 64-bit integers bigint.
 */

export interface XpcNull {
  readonly type: 'null';
}
export interface XpcBool {
  readonly type: 'bool';
  readonly value: boolean;
}
/** Signed 64-bit integer, -2^63 … 2^63-1. */
export interface XpcInt64 {
  readonly type: 'int64';
  readonly value: bigint;
}
/** Unsigned 64-bit integer, 0 … 2^64-1. */
export interface XpcUint64 {
  readonly type: 'uint64';
  readonly value: bigint;
}
/** IEEE 754 double; NaN, -0 and ±Infinity are kept as they are. */
export interface XpcDouble {
  readonly type: 'double';
  readonly value: number;
}
/** Nanoseconds since the Unix epoch (xpc_date_create), signed 64-bit. */
export interface XpcDate {
  readonly type: 'date';
  readonly value: bigint;
}
export interface XpcData {
  readonly type: 'data';
  readonly value: Uint8Array;
}
/** UTF-8 string. */
export interface XpcString {
  readonly type: 'string';
  readonly value: string;
}
/** 16 raw bytes. */
export interface XpcUuid {
  readonly type: 'uuid';
  readonly value: Uint8Array;
}
/**
 * A file descriptor. Real XPC moves a port right; here the descriptor is identified by the
 * path it was opened from, and the receiving side opens that path (read-only) on access.
 * An fd read from a libxpc message body has an empty path: those bytes do not name the file.
 */
export interface XpcFd {
  readonly type: 'fd';
  readonly path: string;
}
/** A shared-memory region; the inspector shows and transports its size in bytes. */
export interface XpcShmem {
  readonly type: 'shmem';
  readonly size: number;
}
export interface XpcArray {
  readonly type: 'array';
  readonly items: readonly XpcValue[];
}
/** Keys are unique, contain no NUL, and keep insertion order (Map iteration order). */
export interface XpcDictionary {
  readonly type: 'dictionary';
  readonly entries: ReadonlyMap<string, XpcValue>;
}
/** An XPC error object (XPC_TYPE_ERROR); `description` is its XPCErrorDescription. */
export interface XpcError {
  readonly type: 'error';
  readonly description: string;
}
/** An endpoint: a connection in serialized form, naming the service it leads to. */
export interface XpcEndpoint {
  readonly type: 'endpoint';
  readonly service: string;
}

export type XpcValue =
  | XpcNull
  | XpcBool
  | XpcInt64
  | XpcUint64
  | XpcDouble
  | XpcDate
  | XpcData
  | XpcString
  | XpcUuid
  | XpcFd
  | XpcShmem
  | XpcArray
  | XpcDictionary
  | XpcError
  | XpcEndpoint;

export type XpcType = XpcValue['type'];

export const XPC_TYPES: readonly XpcType[] = [
  'null',
  'bool',
  'int64',
  'uint64',
  'double',
  'date',
  'data',
  'string',
  'uuid',
  'fd',
  'shmem',
  'array',
  'dictionary',
  'error',
  'endpoint',
];

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** The well-known error objects of xpc_connection(3) and their descriptions. */
export const XPC_ERROR_CONNECTION_INVALID = 'Connection invalid';
export const XPC_ERROR_CONNECTION_INTERRUPTED = 'Connection interrupted';
export const XPC_ERROR_TERMINATION_IMMINENT = 'Termination imminent';
export const XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT = 'Peer Forbidden';

// ---- constructors -------------------------------------------------------------------

export const xpc = {
  null: (): XpcNull => NULL_VALUE,
  bool: (value: boolean): XpcBool => ({ type: 'bool', value }),
  int64: (value: bigint | number): XpcInt64 => ({ type: 'int64', value: checkRange(BigInt(value), INT64_MIN, INT64_MAX, 'int64') }),
  uint64: (value: bigint | number): XpcUint64 => ({ type: 'uint64', value: checkRange(BigInt(value), 0n, UINT64_MAX, 'uint64') }),
  double: (value: number): XpcDouble => ({ type: 'double', value }),
  date: (nanoseconds: bigint): XpcDate => ({ type: 'date', value: checkRange(nanoseconds, INT64_MIN, INT64_MAX, 'date') }),
  data: (value: Uint8Array): XpcData => ({ type: 'data', value }),
  string: (value: string): XpcString => ({ type: 'string', value }),
  uuid: (value: Uint8Array): XpcUuid => {
    if (value.length !== 16) throw new RangeError(`uuid must be 16 bytes, got ${value.length}`);
    return { type: 'uuid', value };
  },
  fd: (path: string): XpcFd => ({ type: 'fd', path }),
  shmem: (size: number): XpcShmem => {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`shmem size must be a non-negative integer, got ${size}`);
    return { type: 'shmem', size };
  },
  array: (items: readonly XpcValue[]): XpcArray => ({ type: 'array', items }),
  dictionary: (entries: Iterable<readonly [string, XpcValue]> | Record<string, XpcValue> = []): XpcDictionary => {
    const map = new Map<string, XpcValue>();
    const pairs = Symbol.iterator in entries ? (entries as Iterable<readonly [string, XpcValue]>) : Object.entries(entries);
    for (const [key, value] of pairs) {
      if (key.includes('\0')) throw new RangeError(`dictionary key ${JSON.stringify(key)} contains NUL`);
      map.set(key, value);
    }
    return { type: 'dictionary', entries: map };
  },
  error: (description: string): XpcError => ({ type: 'error', description }),
  endpoint: (service: string): XpcEndpoint => ({ type: 'endpoint', service }),
} as const;

const NULL_VALUE: XpcNull = Object.freeze({ type: 'null' });

function checkRange(value: bigint, min: bigint, max: bigint, what: string): bigint {
  if (value < min || value > max) throw new RangeError(`${what} out of range: ${value}`);
  return value;
}

// ---- accessors ------------------------------------------------------------------------

/** xpc_dictionary_get_value: the value under `key` of a dictionary, or undefined. */
export function dictGet(value: XpcValue | undefined, key: string): XpcValue | undefined {
  return value?.type === 'dictionary' ? value.entries.get(key) : undefined;
}

export function dictGetString(value: XpcValue | undefined, key: string): string | undefined {
  const v = dictGet(value, key);
  return v?.type === 'string' ? v.value : undefined;
}

export function dictGetInt(value: XpcValue | undefined, key: string): bigint | undefined {
  const v = dictGet(value, key);
  return v?.type === 'int64' || v?.type === 'uint64' ? v.value : undefined;
}

export function dictGetBool(value: XpcValue | undefined, key: string): boolean | undefined {
  const v = dictGet(value, key);
  return v?.type === 'bool' ? v.value : undefined;
}

// ---- equality -------------------------------------------------------------------------

/**
 * Structural equality as the value model defines it: doubles compare with Object.is
 * (NaN equals NaN, -0 differs from +0), dictionaries compare key order too.
 */
export function xpcEquals(a: XpcValue, b: XpcValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'null':
      return true;
    case 'bool':
    case 'int64':
    case 'uint64':
    case 'date':
    case 'string':
      return a.value === (b as typeof a).value;
    case 'double':
      return Object.is(a.value, (b as XpcDouble).value);
    case 'data':
    case 'uuid':
      return bytesEqual(a.value, (b as XpcData | XpcUuid).value);
    case 'fd':
      return a.path === (b as XpcFd).path;
    case 'shmem':
      return a.size === (b as XpcShmem).size;
    case 'error':
      return a.description === (b as XpcError).description;
    case 'endpoint':
      return a.service === (b as XpcEndpoint).service;
    case 'array': {
      const other = (b as XpcArray).items;
      return a.items.length === other.length && a.items.every((item, i) => xpcEquals(item, other[i]!));
    }
    case 'dictionary': {
      const other = (b as XpcDictionary).entries;
      if (a.entries.size !== other.size) return false;
      const otherIter = other.entries();
      for (const [key, value] of a.entries) {
        const next = otherIter.next();
        if (next.done) return false;
        const [otherKey, otherValue] = next.value;
        if (key !== otherKey || !xpcEquals(value, otherValue)) return false;
      }
      return true;
    }
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Canonical lower-case 8-4-4-4-12 text of a 16-byte uuid. */
export function uuidToString(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Parses 8-4-4-4-12 hex text (any case); returns undefined when it is not a uuid. */
export function uuidFromString(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)) return undefined;
  const hex = text.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
