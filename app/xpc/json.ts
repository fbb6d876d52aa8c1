/**
 * XPC-JSON: the JSON spelling of XPC values used by the composer, the CLI, exports and the bridge.
 *
 * Plain JSON maps naturally: string, boolean, null, array, object → dictionary (key order kept),
 * an integer literal → int64 (exact, all 64 bits), a number with fraction or exponent → double.
 * Exact types use a one-key tag object:
 *
 *   {"$int64":"-5"}  {"$uint64":"18446744073709551615"}  {"$double":1}  {"$double":"NaN"}
 *   {"$date":"2026-11-22T20:56:41.123456789Z"}  {"$data":"AQID"}  {"$uuid":"…"}  {"$fd":"/path"}
 *   {"$shmem":4096}  {"$error":"Connection invalid"}  {"$endpoint":"com.example.service"}
 *
 * A real dictionary whose only key starts with `$` is wrapped: {"$dict":{"$key":…}}. Any other
 * one-key object whose key starts with `$` is a tag, and an unknown tag is an error.
 *
 * Canonical output (printXpcJson, toXpcJson) makes one choice per value so that
 * print(parse(print(v))) === print(v) and fromXpcJson(JSON.parse(print(v))) equals v:
 *  - int64 within ±(2^53-1) is a plain integer; outside it is {"$int64":"…"} so no JSON.parse
 *    consumer silently rounds it. (parseXpcJson itself reads any int64 literal exactly.)
 *  - a double with a fractional part is a plain number (shortest round-trip text); an integral
 *    double is {"$double":1} (a plain 1 would come back as int64); NaN, ±Infinity and -0 are
 *    {"$double":"NaN"|"Infinity"|"-Infinity"|"-0"}.
 *  - dates are UTC with 9 fraction digits, uuids lower-case, data canonical padded base64.
 *
 * Trees (toXpcJson / fromXpcJson) are JS objects, and JS objects list integer-like keys ("0",
 * "42") before all others whatever order they were added in. A dictionary whose key order an
 * object cannot hold is therefore written, in trees only, as {"$entries":[["b",1],["0",2]]};
 * the parser accepts that form everywhere.
 *
 * Error messages name the JSON path and, for text, the line and column:
 *   $.items[3].count: expected an integer string for $int64, got number (line 4, column 12)
 */
import { decodeBase64, encodeBase64, isCanonicalBase64, Base64Error } from './base64';
import {
  appendJsonPath,
  JSON_KIND_NAMES,
  JSON_MAX_DEPTH,
  JsonSyntaxError,
  lineColumnAt,
  parseJsonText,
  type JsonMember,
  type JsonNode,
} from './json-syntax';
import { formatRfc3339, parseRfc3339 } from './rfc3339';
import {
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  uuidFromString,
  uuidToString,
  xpc,
  type XpcDictionary,
  type XpcValue,
} from './value';

// ---- errors ---------------------------------------------------------------------------------

/**
 * Why XPC-JSON was rejected. `path` is the JSONPath of the offending value; `line`/`column`
 * (1-based, column in UTF-16 units) and `offset` (0-based) locate it in the text. Errors about a
 * tree (fromXpcJson) have no text: line and column are 0 and offset is -1.
 */
export class XpcJsonError extends Error {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** The message without path and location, e.g. "duplicate key \"a\"". */
  readonly reason: string;
  constructor(reason: string, path: string, location?: { line: number; column: number; offset: number }) {
    super(location ? `${path}: ${reason} (line ${location.line}, column ${location.column})` : `${path}: ${reason}`);
    this.name = 'XpcJsonError';
    this.reason = reason;
    this.path = path;
    this.line = location?.line ?? 0;
    this.column = location?.column ?? 0;
    this.offset = location?.offset ?? -1;
  }
}

export type XpcJsonResult = { ok: true; value: XpcValue } | { ok: false; error: XpcJsonError };

/** A JSON-able tree as produced by toXpcJson (and JSON.parse). */
export type JsonTree = null | boolean | number | string | JsonTree[] | { [key: string]: JsonTree };

// ---- text → value ---------------------------------------------------------------------------

/** Parses XPC-JSON text. Total: every failure comes back as an XpcJsonError, nothing throws. */
export function parseXpcJson(text: string): XpcJsonResult {
  try {
    return { ok: true, value: parseXpcJsonOrThrow(text) };
  } catch (error) {
    if (error instanceof XpcJsonError) return { ok: false, error };
    // Not reachable by design (depth and sizes are bounded); kept so the promise of totality holds.
    return { ok: false, error: new XpcJsonError(`cannot parse: ${String(error)}`, '$', { line: 1, column: 1, offset: 0 }) };
  }
}

export function parseXpcJsonOrThrow(text: string): XpcValue {
  const locate = (offset: number) => ({ ...lineColumnAt(text, offset), offset });
  let root: JsonNode;
  try {
    root = parseJsonText(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new XpcJsonError(error.reason, error.path, locate(error.offset));
    throw error;
  }
  return new Converter(locate).value(root, '$');
}

// ---- tree → value ---------------------------------------------------------------------------

/**
 * The inverse of toXpcJson, for trees that came out of JSON.parse or a structured clone.
 * Because JSON.parse already rounded big integer literals, a plain integer outside ±(2^53-1) is
 * refused (write it as {"$int64":"…"}), and a plain integral number is an int64 (JSON.parse
 * turns 1.0 into 1): integral doubles need {"$double":…}. Throws XpcJsonError.
 */
export function fromXpcJson(tree: unknown, path = '$'): XpcValue {
  return new Converter(() => undefined).value(treeToNode(tree, path, 0), path);
}

/**
 * True exactly when fromXpcJson(tree) would succeed, without building the value: the check an
 * import runs on every captured message. Plain JSON (strings, booleans, null, safe integers,
 * fractions, arrays, objects that are not a single `$` key) is walked in place; type tags are
 * checked by the converter itself, one small subtree at a time.
 */
export function isXpcJsonTree(tree: unknown): boolean {
  return treeIsValid(tree, 0);
}

function treeIsValid(tree: unknown, depth: number): boolean {
  if (depth > JSON_MAX_DEPTH) return false;
  switch (typeof tree) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // Integers must be safe (JSON.parse rounded the others); fractions must be finite.
      return Number.isInteger(tree) ? Number.isSafeInteger(tree) : Number.isFinite(tree);
    case 'object': {
      if (tree === null) return true;
      if (Array.isArray(tree)) {
        for (let i = 0; i < tree.length; i++) if (!treeIsValid(tree[i], depth + 1)) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(tree);
      if (proto !== Object.prototype && proto !== null) return false;
      const record = tree as Record<string, unknown>;
      let count = 0;
      let first: string | undefined;
      for (const key in record) {
        if (count++ === 0) first = key;
        else break;
      }
      // A single `$` key is a type tag, whose payload follows the tag's rules, not plain JSON's.
      if (count === 1 && first!.startsWith('$')) return tagIsValid(record, first!, depth);
      for (const key in record) {
        if (key.includes('\0') || !treeIsValid(record[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const DIGITS = /^(?:0|[1-9][0-9]{0,17})$/;

/** A one-key `$` object: the common integer tags directly, every other tag through the converter. */
function tagIsValid(record: Record<string, unknown>, tag: string, depth: number): boolean {
  const payload = record[tag];
  if (typeof payload === 'string' && (tag === '$uint64' || tag === '$int64')) {
    // Up to 18 digits is inside both ranges; longer text goes to the exact check below.
    const digits = tag === '$int64' && payload.startsWith('-') ? payload.slice(1) : payload;
    if (DIGITS.test(digits)) return true;
  } else if (tag === '$data' && typeof payload === 'string' && isCanonicalBase64(payload)) return true;
  try {
    new Converter(() => undefined).value(treeToNode(record, '$', depth), '$');
    return true;
  } catch (error) {
    if (error instanceof XpcJsonError) return false;
    throw error;
  }
}

function treeToNode(tree: unknown, path: string, depth: number): JsonNode {
  const fail = (reason: string): never => {
    throw new XpcJsonError(reason, path);
  };
  if (depth > JSON_MAX_DEPTH) fail(`nesting deeper than ${JSON_MAX_DEPTH} levels (or a cycle)`);
  switch (typeof tree) {
    case 'string':
      return { kind: 'string', value: tree, at: -1 };
    case 'boolean':
      return { kind: 'bool', value: tree, at: -1 };
    case 'number': {
      if (!Number.isFinite(tree)) fail(`expected a JSON value, got the number ${tree} (write {"$double":"${tree}"})`);
      if (!Number.isInteger(tree)) return { kind: 'number', text: String(tree), value: tree, integer: undefined, at: -1 };
      // Only the context knows whether a rounded integer is acceptable (as a $double payload).
      if (!Number.isSafeInteger(tree)) return { kind: 'number', text: String(tree), value: tree, integer: undefined, roundedInteger: true, at: -1 };
      return { kind: 'number', text: String(tree), value: tree, integer: BigInt(tree), at: -1 };
    }
    case 'object': {
      if (tree === null) return { kind: 'null', at: -1 };
      if (Array.isArray(tree)) {
        return { kind: 'array', items: tree.map((item: unknown, i) => treeToNode(item, appendJsonPath(path, i), depth + 1)), at: -1 };
      }
      const proto: unknown = Object.getPrototypeOf(tree);
      if (proto !== Object.prototype && proto !== null) {
        const name = (tree as { constructor?: { name?: unknown } }).constructor?.name;
        return fail(`expected a JSON value, got ${typeof name === 'string' ? `a ${name}` : 'a non-plain object'}`);
      }
      const record = tree as Record<string, unknown>;
      const members: JsonMember[] = Object.keys(record).map((key) => ({
        key,
        keyAt: -1,
        value: treeToNode(record[key], appendJsonPath(path, key), depth + 1),
      }));
      return { kind: 'object', members, at: -1 };
    }
    default:
      return fail(`expected a JSON value, got ${typeof tree}`);
  }
}

// ---- JSON nodes → value (shared by text and trees) -------------------------------------------

const TAGS = ['$int64', '$uint64', '$double', '$date', '$data', '$uuid', '$fd', '$shmem', '$error', '$endpoint', '$dict', '$entries'] as const;
type Tag = (typeof TAGS)[number];

const INT64_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const UINT64_TEXT = /^(?:0|[1-9][0-9]*)$/;
// A Map, not an object literal: user text like "toString" must not find Object.prototype members.
const SPECIAL_DOUBLES: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-0', -0],
]);

type Locate = (offset: number) => { line: number; column: number; offset: number } | undefined;

class Converter {
  constructor(private readonly locate: Locate) {}

  value(node: JsonNode, path: string): XpcValue {
    switch (node.kind) {
      case 'null':
        return xpc.null();
      case 'bool':
        return xpc.bool(node.value);
      case 'string':
        return xpc.string(node.value);
      case 'number':
        if (node.integer !== undefined) {
          if (node.integer < INT64_MIN || node.integer > INT64_MAX) {
            this.fail(
              path,
              node.at,
              `integer ${node.text} is outside the int64 range; write {"$uint64":"${node.text}"} for an unsigned value ` +
                `or add a fraction (${node.text}.0) for a double`,
            );
          }
          return xpc.int64(node.integer);
        }
        if (node.roundedInteger) {
          this.fail(
            path,
            node.at,
            `integer ${node.text} is outside ±(2^53-1) and may have lost precision in JSON.parse; ` +
              `write it as {"$int64":"…"}, or as {"$double":${node.text}} if it is a double`,
          );
        }
        if (!Number.isFinite(node.value)) {
          this.fail(path, node.at, `${node.text} does not fit in a double; write {"$double":"${node.value}"} for infinity`);
        }
        return xpc.double(node.value);
      case 'array':
        return xpc.array(node.items.map((item, i) => this.value(item, appendJsonPath(path, i))));
      case 'object': {
        const only = node.members.length === 1 ? node.members[0]! : undefined;
        if (only?.key.startsWith('$')) return this.tagged(only, path);
        return this.dictionary(node.members, path);
      }
    }
  }

  private dictionary(members: readonly JsonMember[], path: string): XpcDictionary {
    const entries = new Map<string, XpcValue>();
    for (const member of members) {
      this.checkKey(member.key, entries, path, member.keyAt);
      entries.set(member.key, this.value(member.value, appendJsonPath(path, member.key)));
    }
    return { type: 'dictionary', entries };
  }

  private checkKey(key: string, seen: ReadonlyMap<string, XpcValue>, path: string, at: number): void {
    if (seen.has(key)) this.fail(path, at, `duplicate key ${JSON.stringify(key)}`);
    if (key.includes('\0')) this.fail(path, at, `key ${JSON.stringify(key)} contains NUL, which XPC dictionary keys cannot hold`);
  }

  private tagged(member: JsonMember, path: string): XpcValue {
    const tag = member.key;
    const payload = member.value;
    if (!(TAGS as readonly string[]).includes(tag)) {
      return this.fail(
        path,
        member.keyAt,
        `unknown type tag ${JSON.stringify(tag)} (known: ${TAGS.join(', ')}); ` +
          `to send a dictionary with this single key, wrap it: {"$dict":{${JSON.stringify(tag)}:…}}`,
      );
    }
    switch (tag as Tag) {
      case '$dict': {
        if (payload.kind !== 'object') return this.expected(path, payload, 'an object for $dict');
        return this.dictionary(payload.members, appendJsonPath(path, '$dict'));
      }
      case '$entries':
        return this.entries(payload, appendJsonPath(path, '$entries'));
      case '$int64': {
        const text = this.stringPayload(path, payload, 'an integer string for $int64');
        if (!INT64_TEXT.test(text) || text.length > 20) return this.fail(path, payload.at, `$int64 ${JSON.stringify(text)} is not a decimal integer`);
        const n = BigInt(text);
        if (n < INT64_MIN || n > INT64_MAX) return this.fail(path, payload.at, `$int64 ${text} is outside the int64 range ${INT64_MIN} … ${INT64_MAX}`);
        return xpc.int64(n);
      }
      case '$uint64': {
        const text = this.stringPayload(path, payload, 'an unsigned integer string for $uint64');
        if (!UINT64_TEXT.test(text) || text.length > 20) return this.fail(path, payload.at, `$uint64 ${JSON.stringify(text)} is not an unsigned decimal integer`);
        const n = BigInt(text);
        if (n > UINT64_MAX) return this.fail(path, payload.at, `$uint64 ${text} is outside the uint64 range 0 … ${UINT64_MAX}`);
        return xpc.uint64(n);
      }
      case '$double': {
        if (payload.kind === 'string') {
          const special = SPECIAL_DOUBLES.get(payload.value);
          if (special === undefined) {
            return this.fail(path, payload.at, `$double string must be one of "NaN", "Infinity", "-Infinity", "-0"; got ${JSON.stringify(payload.value)}`);
          }
          return xpc.double(special);
        }
        if (payload.kind !== 'number') return this.expected(path, payload, 'a number (or "NaN", "Infinity", "-Infinity", "-0") for $double');
        if (!Number.isFinite(payload.value)) {
          return this.fail(path, payload.at, `${payload.text} does not fit in a double; write {"$double":"${payload.value}"} for infinity`);
        }
        return xpc.double(payload.value);
      }
      case '$date': {
        const text = this.stringPayload(path, payload, 'an RFC 3339 timestamp string for $date');
        const parsed = parseRfc3339(text);
        if (!parsed.ok) return this.fail(path, payload.at, `$date: ${parsed.reason}`);
        return xpc.date(parsed.nanoseconds);
      }
      case '$data': {
        const text = this.stringPayload(path, payload, 'a base64 string for $data');
        try {
          return xpc.data(decodeBase64(text));
        } catch (error) {
          if (error instanceof Base64Error) return this.fail(path, payload.at, `$data: ${error.message}`);
          throw error;
        }
      }
      case '$uuid': {
        const text = this.stringPayload(path, payload, 'a uuid string for $uuid');
        const bytes = uuidFromString(text);
        if (!bytes) return this.fail(path, payload.at, `$uuid ${JSON.stringify(text)} is not a uuid like 01234567-89ab-cdef-0123-456789abcdef`);
        return xpc.uuid(bytes);
      }
      case '$fd':
        return xpc.fd(this.stringPayload(path, payload, 'a file path string for $fd'));
      case '$shmem': {
        if (payload.kind !== 'number') return this.expected(path, payload, 'a size in bytes (a non-negative integer) for $shmem');
        const size = payload.integer;
        if (size === undefined || size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) {
          return this.fail(path, payload.at, `$shmem size ${payload.text} must be a non-negative integer no larger than ${Number.MAX_SAFE_INTEGER}`);
        }
        return xpc.shmem(Number(size));
      }
      case '$error':
        return xpc.error(this.stringPayload(path, payload, 'a description string for $error'));
      case '$endpoint':
        return xpc.endpoint(this.stringPayload(path, payload, 'a service name string for $endpoint'));
    }
  }

  /** {"$entries":[["key", value], …]}: a dictionary whose key order a JS object cannot keep. */
  private entries(payload: JsonNode, path: string): XpcDictionary {
    if (payload.kind !== 'array') return this.expected(path, payload, 'an array of [key, value] pairs for $entries');
    const entries = new Map<string, XpcValue>();
    payload.items.forEach((pair, i) => {
      const pairPath = appendJsonPath(path, i);
      if (pair.kind !== 'array' || pair.items.length !== 2) return this.expected(pairPath, pair, 'a [key, value] pair');
      const [keyNode, valueNode] = pair.items as [JsonNode, JsonNode];
      if (keyNode.kind !== 'string') return this.expected(appendJsonPath(pairPath, 0), keyNode, 'a string key');
      this.checkKey(keyNode.value, entries, pairPath, keyNode.at);
      entries.set(keyNode.value, this.value(valueNode, appendJsonPath(pairPath, 1)));
    });
    return { type: 'dictionary', entries };
  }

  private stringPayload(path: string, payload: JsonNode, what: string): string {
    if (payload.kind !== 'string') return this.expected(path, payload, what);
    return payload.value;
  }

  private expected(path: string, node: JsonNode, what: string): never {
    return this.fail(path, node.at, `expected ${what}, got ${JSON_KIND_NAMES[node.kind]}`);
  }

  private fail(path: string, at: number, reason: string): never {
    throw new XpcJsonError(reason, path, at >= 0 ? this.locate(at) : undefined);
  }
}

// ---- value → tree ---------------------------------------------------------------------------

/** The canonical XPC-JSON tree of a value: plain JSON data, no bigint, no Map, no typed array. */
export function toXpcJson(value: XpcValue): JsonTree {
  switch (value.type) {
    case 'array':
      return value.items.map(toXpcJson);
    case 'dictionary': {
      const object: { [key: string]: JsonTree } = {};
      for (const [key, item] of value.entries) {
        const tree = toXpcJson(item);
        // Assigning "__proto__" would set the prototype; it must become an own property.
        if (key === '__proto__') Object.defineProperty(object, key, { value: tree, enumerable: true, writable: true, configurable: true });
        else object[key] = tree;
      }
      if (!sameOrder(Object.keys(object), value.entries.keys())) {
        return { $entries: Array.from(value.entries, ([key, item]): JsonTree => [key, toXpcJson(item)]) };
      }
      return needsDictWrapper(value) ? { $dict: object } : object;
    }
    default:
      return scalarTree(value);
  }
}

/**
 * JSON.stringify(toXpcJson(value)), written straight from the value without building the tree:
 * what capture files hold for every message. A dictionary whose keys a JS object would reorder
 * (a key starting with a digit may be an array index) or treat specially (`__proto__`) is
 * written through the tree, so the text is the same in every case.
 */
export function xpcJsonTreeText(value: XpcValue): string {
  switch (value.type) {
    case 'array': {
      let out = '[';
      const items = value.items;
      for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + xpcJsonTreeText(items[i]!);
      return `${out}]`;
    }
    case 'dictionary': {
      let out = '{';
      let first = true;
      for (const [key, item] of value.entries) {
        const c = key.charCodeAt(0);
        if ((c >= 48 && c <= 57) || key === '__proto__') return JSON.stringify(toXpcJson(value));
        out += `${first ? '' : ','}${quoteJson(key)}:${xpcJsonTreeText(item)}`;
        first = false;
      }
      out += '}';
      return needsDictWrapper(value) ? `{"$dict":${out}}` : out;
    }
    case 'null':
      return 'null';
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'string':
      return quoteJson(value.value);
    case 'int64':
      return value.value >= SAFE_MIN && value.value <= SAFE_MAX ? `${Number(value.value)}` : `{"$int64":"${value.value}"}`;
    case 'uint64':
      return `{"$uint64":"${value.value}"}`;
    case 'data':
      return `{"$data":"${encodeBase64(value.value)}"}`;
    default:
      return JSON.stringify(scalarTree(value));
  }
}

function sameOrder(keys: readonly string[], expected: Iterable<string>): boolean {
  let i = 0;
  for (const key of expected) if (keys[i++] !== key) return false;
  return true;
}

function needsDictWrapper(value: XpcDictionary): boolean {
  if (value.entries.size !== 1) return false;
  const [key] = value.entries.keys();
  return key!.startsWith('$');
}

const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Canonical form of every non-container value (shared by the tree builder and the printer). */
function scalarTree(value: Exclude<XpcValue, { type: 'array' | 'dictionary' }>): JsonTree {
  switch (value.type) {
    case 'null':
      return null;
    case 'bool':
    case 'string':
      return value.value;
    case 'int64':
      return value.value >= SAFE_MIN && value.value <= SAFE_MAX ? Number(value.value) : { $int64: value.value.toString() };
    case 'uint64':
      return { $uint64: value.value.toString() };
    case 'double': {
      const v = value.value;
      if (Number.isNaN(v)) return { $double: 'NaN' };
      if (v === Infinity) return { $double: 'Infinity' };
      if (v === -Infinity) return { $double: '-Infinity' };
      if (Object.is(v, -0)) return { $double: '-0' };
      return Number.isInteger(v) ? { $double: v } : v;
    }
    case 'date':
      return { $date: formatRfc3339(value.value) };
    case 'data':
      return { $data: encodeBase64(value.value) };
    case 'uuid':
      return { $uuid: uuidToString(value.value) };
    case 'fd':
      return { $fd: value.path };
    case 'shmem':
      return { $shmem: value.size };
    case 'error':
      return { $error: value.description };
    case 'endpoint':
      return { $endpoint: value.service };
  }
}

// ---- value → text ---------------------------------------------------------------------------

/**
 * Canonical XPC-JSON text. With indent > 0 (default 2) objects and arrays put one member per
 * line and type tags stay on one line ({"$int64": "…"}); with indent 0 the text is compact and
 * equals JSON.stringify(toXpcJson(value)) except that dictionaries keep their key order as is.
 */
export function printXpcJson(value: XpcValue, options?: { indent?: number }): string {
  const indent = ' '.repeat(Math.max(0, Math.floor(options?.indent ?? 2)));
  return printValue(value, indent, '');
}

function printValue(value: XpcValue, indent: string, current: string): string {
  const colon = indent ? ': ' : ':';
  if (value.type === 'array') {
    if (value.items.length === 0) return '[]';
    const inner = current + indent;
    const items = value.items.map((item) => printValue(item, indent, inner));
    return indent ? `[\n${inner}${items.join(`,\n${inner}`)}\n${current}]` : `[${items.join(',')}]`;
  }
  if (value.type === 'dictionary') {
    if (needsDictWrapper(value)) {
      const inner = current + indent;
      const body = printMembers(value, indent, inner, colon);
      return indent ? `{\n${inner}"$dict"${colon}${body}\n${current}}` : `{"$dict":${body}}`;
    }
    return printMembers(value, indent, current, colon);
  }
  return printScalar(scalarTree(value), colon);
}

function printMembers(value: XpcDictionary, indent: string, current: string, colon: string): string {
  if (value.entries.size === 0) return '{}';
  const inner = current + indent;
  const members = Array.from(value.entries, ([key, item]) => `${quoteJson(key)}${colon}${printValue(item, indent, inner)}`);
  return indent ? `{\n${inner}${members.join(`,\n${inner}`)}\n${current}}` : `{${members.join(',')}}`;
}

/** Scalars and tag objects print on one line. */
function printScalar(tree: JsonTree, colon: string): string {
  if (tree === null) return 'null';
  switch (typeof tree) {
    case 'boolean':
      return tree ? 'true' : 'false';
    case 'number':
      return String(tree);
    case 'string':
      return quoteJson(tree);
  }
  const [[tag, payload]] = Object.entries(tree) as [[string, JsonTree]];
  return `{${quoteJson(tag)}${colon}${printScalar(payload, colon)}}`;
}

/** JSON string literal, escaping exactly as JSON.stringify does (lone surrogates as \udxxx). */
function quoteJson(text: string): string {
  return JSON.stringify(text);
}
