/**
 * Typed fields of protocol dictionaries. Each op is declared once as a table of fields;
 * the same table validates an incoming XPC dictionary (with an error that names the op,
 * the sender and the key) and builds the outgoing one, so the two can never drift apart.
 */
import { xpc, type XpcValue } from '../xpc/value';

export interface Field<T> {
  /** What the value must be, for error messages ("int64", "one of 'app', 'background'"). */
  readonly expected: string;
  readonly optional: boolean;
  /** The decoded value, or undefined when `value` has the wrong shape. */
  read(value: XpcValue): T | undefined;
  write(value: T): XpcValue;
}

export type FieldSpec = Readonly<Record<string, Field<unknown>>>;

type ValueOf<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<S extends FieldSpec> = { [K in keyof S]: S[K]['optional'] extends true ? never : K }[keyof S];
type OptionalKeys<S extends FieldSpec> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];

/** The TypeScript shape a field table decodes to. */
export type Fields<S extends FieldSpec> = { readonly [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  readonly [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

interface RequiredField<T> extends Field<T> {
  readonly optional: false;
}
interface OptionalField<T> extends Field<T> {
  readonly optional: true;
}

function field<T>(expected: string, read: (v: XpcValue) => T | undefined, write: (v: T) => XpcValue): RequiredField<T> {
  return { expected, optional: false, read, write };
}

/** A non-negative integer that fits a JS number exactly (ids, counts, pids); int64 or uint64 on the wire. */
export const int: RequiredField<number> = field(
  'int64',
  (v) => {
    if (v.type !== 'int64' && v.type !== 'uint64') return undefined;
    if (v.value < 0n || v.value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return Number(v.value);
  },
  (n) => xpc.int64(n),
);

export const str: RequiredField<string> = field(
  'string',
  (v) => (v.type === 'string' ? v.value : undefined),
  (s) => xpc.string(s),
);

export const bool: RequiredField<boolean> = field(
  'bool',
  (v) => (v.type === 'bool' ? v.value : undefined),
  (b) => xpc.bool(b),
);

/** Any XPC value: message bodies travel untouched. */
export const anyValue: RequiredField<XpcValue> = field(
  'an XPC value',
  (v) => v,
  (v) => v,
);

/** An XPC error object, carried as its description (e.g. "Connection invalid"). */
export const xpcErrorName: RequiredField<string> = field(
  'error',
  (v) => (v.type === 'error' ? v.description : undefined),
  (d) => xpc.error(d),
);

export function oneOf<const T extends string>(...choices: readonly T[]): RequiredField<T> {
  const allowed = new Set<string>(choices);
  return field(
    `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
    (v) => (v.type === 'string' && allowed.has(v.value) ? (v.value as T) : undefined),
    (s) => xpc.string(s),
  );
}

export const intList: RequiredField<readonly number[]> = field(
  'array of int64',
  (v) => {
    if (v.type !== 'array') return undefined;
    const out: number[] = new Array<number>(v.items.length);
    for (let i = 0; i < v.items.length; i++) {
      const n = int.read(v.items[i]!);
      if (n === undefined) return undefined;
      out[i] = n;
    }
    return out;
  },
  (list) => xpc.array(list.map((n) => xpc.int64(n))),
);

/** A nested dictionary with its own field table. */
export function dict<S extends FieldSpec>(spec: S): RequiredField<Fields<S>> {
  return field(
    `dictionary with ${describeSpec(spec)}`,
    (v) => {
      const r = readFields(spec, v);
      return r.ok ? r.value : undefined;
    },
    (value) => writeFields(spec, value, []),
  );
}

export function optional<T>(f: RequiredField<T>): OptionalField<T> {
  return { ...f, optional: true };
}

export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Validates `value` against `spec`. Unknown keys are ignored so newer peers can add fields. */
export function readFields<S extends FieldSpec>(spec: S, value: XpcValue): ReadResult<Fields<S>> {
  if (value.type !== 'dictionary') return { ok: false, error: `expected a dictionary, got ${value.type}` };
  const out: Record<string, unknown> = {};
  for (const key in spec) {
    const f = spec[key]!;
    const raw = value.entries.get(key);
    if (raw === undefined) {
      if (f.optional) continue;
      return { ok: false, error: `key '${key}' is missing (must be ${f.expected})` };
    }
    const decoded = f.read(raw);
    if (decoded === undefined) return { ok: false, error: `key '${key}' must be ${f.expected}, got ${describeValue(raw)}` };
    out[key] = decoded;
  }
  return { ok: true, value: out as Fields<S> };
}

/** Builds the dictionary for `value`, after any leading entries (the op name). Undefined optionals are left out. */
export function writeFields<S extends FieldSpec>(spec: S, value: Fields<S>, leading: readonly (readonly [string, XpcValue])[]): XpcValue {
  const entries = new Map<string, XpcValue>(leading);
  const record = value as Readonly<Record<string, unknown>>;
  for (const key in spec) {
    const v = record[key];
    if (v === undefined) continue;
    entries.set(key, spec[key]!.write(v));
  }
  return { type: 'dictionary', entries };
}

function describeSpec(spec: FieldSpec): string {
  return Object.keys(spec)
    .map((k) => `'${k}'`)
    .join(', ');
}

function describeValue(v: XpcValue): string {
  switch (v.type) {
    case 'int64':
    case 'uint64':
      return `${v.type} ${v.value}`;
    case 'string':
      return `string ${JSON.stringify(v.value.length > 40 ? `${v.value.slice(0, 40)}…` : v.value)}`;
    case 'bool':
      return `bool ${v.value}`;
    default:
      return v.type;
  }
}
