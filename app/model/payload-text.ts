/**
 * The words of a message payload that free-text search looks in: dictionary keys, strings,
 * numbers, booleans, error descriptions, endpoint and fd names. Bounded, so one huge payload
 * cannot make every search slow or every row heavy.
 *
 * Payloads arrive in two shapes: XPC-JSON trees (over the bridge, in capture files) and XpcValue
 * objects (inside the host). Both are handled; anything else contributes nothing.
 */
import type { XpcValue } from '../xpc/value';
import { XPC_TYPES } from '../xpc/value';

export const DEFAULT_PAYLOAD_TEXT_LIMIT = 240;
const MAX_NODES = 256;

const XPC_TYPE_SET = new Set<string>(XPC_TYPES);

export function payloadText(value: unknown, limit = DEFAULT_PAYLOAD_TEXT_LIMIT): string {
  const out = new WordCollector(limit, undefined);
  walk(value, out);
  return out.extra.slice(1);
}

/**
 * The lower-cased payload words a row's summary does not already show, space-separated ('' when
 * the summary shows them all, as it usually does): free-text search looks in the summary and in
 * these, so a row never holds a second copy of its summary.
 */
export function missingPayloadWords(summary: string, value: unknown, limit = DEFAULT_PAYLOAD_TEXT_LIMIT): string {
  const out = new WordCollector(limit, summary.toLowerCase());
  walk(value, out);
  return out.extra === '' ? '' : out.extra.slice(1);
}

function walk(value: unknown, out: WordCollector): void {
  if (isXpcValue(value)) walkXpc(value, out);
  else walkTree(value, out);
}

/**
 * Collects words into `extra` (each preceded by a space), lower-cased when `base` is given and
 * then only the words `base` does not already contain. Stops after `limit` characters of words
 * or MAX_NODES values, whichever comes first.
 */
class WordCollector {
  extra = '';
  private seen = 0;
  nodes = 0;

  constructor(
    private readonly limit: number,
    private readonly base: string | undefined,
  ) {}

  get full(): boolean {
    return this.seen >= this.limit || this.nodes >= MAX_NODES;
  }

  add(word: string): void {
    if (word === '' || this.full) return;
    const room = this.limit - this.seen;
    const piece = word.length > room ? word.slice(0, room) : word;
    this.seen += piece.length + 1;
    if (this.base === undefined) {
      this.extra += ` ${piece}`;
      return;
    }
    const lower = piece.toLowerCase();
    if (!this.base.includes(lower) && !this.extra.includes(lower)) this.extra += ` ${lower}`;
  }
}

/** An XpcValue as the value model builds it (a Map for dictionaries, arrays under `items`). */
function isXpcValue(value: unknown): value is XpcValue {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !XPC_TYPE_SET.has(type)) return false;
  if (type === 'dictionary') return (value as { entries?: unknown }).entries instanceof Map;
  if (type === 'array') return Array.isArray((value as { items?: unknown }).items);
  // A scalar XpcValue has exactly its type plus one field; a JSON dictionary rarely looks like that.
  const keys = Object.keys(value);
  return keys.length <= 2 && (type === 'null' || keys.length === 2);
}

function walkXpc(value: XpcValue, out: WordCollector): void {
  if (out.full) return;
  out.nodes++;
  switch (value.type) {
    case 'dictionary':
      for (const [key, item] of value.entries) {
        out.add(key);
        walkXpc(item, out);
        if (out.full) return;
      }
      return;
    case 'array':
      for (const item of value.items) {
        walkXpc(item, out);
        if (out.full) return;
      }
      return;
    case 'string':
      out.add(value.value);
      return;
    case 'bool':
    case 'int64':
    case 'uint64':
    case 'double':
      out.add(String(value.value));
      return;
    case 'error':
      out.add(value.description);
      return;
    case 'endpoint':
      out.add(value.service);
      return;
    case 'fd':
      out.add(value.path);
      return;
    default:
      return;
  }
}

/** Type tags whose payload is worth searching (data, uuid, date are not words). */
const SEARCHABLE_TAGS = new Set(['$int64', '$uint64', '$double', '$error', '$endpoint', '$fd']);

/** `literal`: the object is a dictionary even if its only key starts with $ (inside $dict). */
function walkTree(tree: unknown, out: WordCollector, literal = false): void {
  if (out.full) return;
  out.nodes++;
  switch (typeof tree) {
    case 'string':
      out.add(tree);
      return;
    case 'number':
    case 'boolean':
      out.add(String(tree));
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (tree === null) return;
  if (Array.isArray(tree)) {
    for (const item of tree) {
      walkTree(item, out);
      if (out.full) return;
    }
    return;
  }
  const record = tree as Record<string, unknown>;
  let first = '';
  let count = 0;
  for (const key in record) {
    if (count === 0) first = key;
    if (++count > 1) break;
  }
  if (!literal && count === 1 && first.startsWith('$')) {
    const inner = record[first];
    if (first === '$dict') return walkTree(inner, out, true);
    if (first === '$entries' && Array.isArray(inner)) {
      for (const pair of inner) {
        if (Array.isArray(pair) && typeof pair[0] === 'string') {
          out.add(pair[0]);
          walkTree(pair[1], out);
        }
        if (out.full) return;
      }
      return;
    }
    if (SEARCHABLE_TAGS.has(first) && (typeof inner === 'string' || typeof inner === 'number')) out.add(String(inner));
    return;
  }
  for (const key in record) {
    out.add(key);
    walkTree(record[key], out);
    if (out.full) return;
  }
}
