/**
 * Reads back the text xpc_copy_description(3) prints — what lldb's `po`, `p (char *)
 * xpc_copy_description(…)`, NSLog/os_log `%@` and tracer logs show — into XPC values, one
 * message per description found in the text.
 *
 * Accepted, because real output has them:
 *  - any indentation (tabs, 2 or 8 spaces, none) and descriptions folded onto one log line;
 *  - text around and between messages (log prefixes like `2026-11-22 10:00:00.123 MyApp[123:4567]
 *    received: `); each description is one message, located by its `<type: 0x…>` head;
 *  - lldb's `<OS_xpc_dictionary: <dictionary: 0x…> {…}>` wrapper and its quoted C-string form;
 *  - real pointers, tagged-pointer addresses, `transaction: 1, voucher = 0x…` headers and the
 *    older header without transaction/voucher;
 *  - strings as libxpc prints them (raw: quotes and newlines inside are not escaped — the
 *    `length = N` byte count says where the string ends) and as describeXpc prints them (escaped);
 *  - data shown in part (`0x0102…` then `...`): the shown bytes are kept, with a warning;
 *  - `contents = (nil)` without its closing brace (older libxpc);
 *  - dates in ctime form with a time zone abbreviation (`Sat Dec 09 15:09:56 2017 PST (approx)`),
 *    to the second — libxpc prints no fraction;
 *  - objects the value model cannot hold (connections, mach rights, pipes …): left out with a
 *    warning, or rejected with `unsupported: 'error'`;
 *  - pasted damage: each description is read only up to the end of its record (see
 *    description-records.ts), so one cut in a string is reported alone; containers missing their
 *    `}` are closed where the record ends, and entries pasted without their container's head are
 *    one container — both with a warning;
 *  - log prefixes on any line and lldb's command and result lines (see log-prefix.ts).
 * Errors and warnings carry the line number of the input.
 */
import { parseRfc3339 } from '../xpc/rfc3339';
import { INT64_MAX, INT64_MIN, UINT64_MAX, uuidFromString, xpc, type XpcValue } from '../xpc/value';
import { RecordBounds } from './description-records';
import { SourceText } from './description-text';

export interface DescriptionIssue {
  readonly line: number;
  readonly message: string;
}

export interface ImportedDescription {
  /** Line of the message's `<type: 0x…>` head in the input. */
  readonly line: number;
  readonly endLine: number;
  readonly value: XpcValue;
  /** Things imported other than shown: data shown in part, counts that disagree, objects left out. */
  readonly warnings: readonly DescriptionIssue[];
}

export interface DescriptionImportResult {
  readonly messages: readonly ImportedDescription[];
  /** Descriptions that could not be read (each one skipped). */
  readonly errors: readonly DescriptionIssue[];
}

export interface DescriptionImportOptions {
  /** Objects with no place in the value model: 'omit' (default) drops them with a warning, 'error' rejects the message. */
  readonly unsupported?: 'omit' | 'error';
  /** Extra or overriding time zone abbreviations, in minutes east of UTC (e.g. { CST: 480 } for China). */
  readonly timeZoneOffsets?: Readonly<Record<string, number>>;
}

export class DescriptionSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'DescriptionSyntaxError';
  }
}

/** Every description in `text`, in order; unreadable ones are reported and skipped. */
export function importDescriptions(text: string, options?: DescriptionImportOptions): DescriptionImportResult {
  const source = SourceText.from(text);
  const src = source.text;
  const records = RecordBounds.of(source, TOP_LEVEL_HEAD, (lineStart, start) => isEntryHead(src, lineStart, start) || looksLikeEntry(src.slice(lineStart, start)));
  const messages: ImportedDescription[] = [];
  const errors: DescriptionIssue[] = [];
  let position = 0;
  while (position < src.length) {
    TOP_LEVEL_HEAD.lastIndex = position;
    const found = TOP_LEVEL_HEAD.exec(src);
    if (!found) break;
    const head = found.index;
    const lineStart = source.lineStartOf(head);
    const fragment = fragmentKind(src.slice(Math.max(lineStart, position), head));
    const start = fragment ? firstNonSpace(src, Math.max(lineStart, position)) : head;
    const end = records.endOf(start);
    const parser = new DescriptionParser(source, end, options);
    try {
      const value = fragment ? parser.fragment(start, fragment) : parser.topLevel(start);
      const line = source.lineOf(start);
      if (value === undefined) {
        errors.push(...parser.warnings.map((w) => ({ line: w.line, message: w.message })));
      } else {
        messages.push({ line, endLine: source.lineOf(Math.max(start, parser.position - 1)), value, warnings: parser.warnings });
      }
      position = Math.max(parser.position, head + 1);
    } catch (error) {
      if (!(error instanceof DescriptionSyntaxError)) throw error;
      const hint = source.wasTruncatedByLldb(source.lineOf(start))
        ? ` (lldb cut this string short; ${LLDB_LONGER_STRINGS})`
        : '';
      errors.push({ line: error.line, message: `${error.reason}${hint}` });
      // The rest of a broken record (its other entries) is no message of its own.
      position = end;
    }
  }
  return { messages, errors };
}

/** Exactly one description (surrounding text allowed). Throws DescriptionSyntaxError. */
export function parseDescription(text: string, options?: DescriptionImportOptions): XpcValue {
  const result = importDescriptions(text, options);
  const first = result.errors[0];
  if (first) throw new DescriptionSyntaxError(first.line, first.message);
  if (result.messages.length !== 1) {
    throw new DescriptionSyntaxError(
      result.messages[1]?.line ?? 1,
      result.messages.length === 0 ? 'no XPC description (<dictionary: 0x…> { … }) found' : `expected one description, found ${result.messages.length}`,
    );
  }
  return result.messages[0]!.value;
}

const LLDB_LONGER_STRINGS = 'run `settings set target.max-string-summary-length 100000` and print it again';

// ---- the grammar ----------------------------------------------------------------------------------

const SUPPORTED_TYPES = ['dictionary', 'array', 'string', 'int64', 'uint64', 'bool', 'double', 'date', 'data', 'uuid', 'null', 'error', 'fd', 'shmem', 'endpoint'];
/** libxpc object types that have no place in the value model. */
const KNOWN_UNSUPPORTED = [
  'connection',
  'mach send right',
  'mach recv right',
  'mach send-once right',
  'pipe',
  'activity',
  'file transfer',
  'bundle',
  'serializer',
  'session',
  'rich error',
  'service',
  'service instance',
];
const TOP_LEVEL_HEAD = new RegExp(
  `(?:<OS_xpc_[a-z_]+: )?<(?:${[...SUPPORTED_TYPES, ...KNOWN_UNSUPPORTED].map((t) => t.replace(/[-]/g, '\\-')).join('|')}): 0x[0-9a-fA-F]+>`,
  'g',
);
const HEAD = /(?:<OS_xpc_[a-z_]+: )?<([A-Za-z][A-Za-z0-9 _-]*): (0x[0-9a-fA-F]+)>/y;

function isEntryHead(src: string, lineStart: number, start: number): boolean {
  const before = src.slice(lineStart, start);
  return /=>\s*$/.test(before) || /^\s*\d+:\s*$/.test(before);
}

/** A line that starts like an entry (`"key"`, `3:`) or a closing brace belongs to the description above it, even when malformed. */
function looksLikeEntry(before: string): boolean {
  return /^[ \t]*(?:["}]|\d+:)/.test(before);
}

/** Which container a line of entries belongs to when it starts with `"key" =>` or `3:` (a pasted fragment). */
function fragmentKind(before: string): 'dictionary' | 'array' | undefined {
  if (/^[ \t]*".*=>[ \t]*$/.test(before)) return 'dictionary';
  if (/^[ \t]*\d+:[ \t]*$/.test(before)) return 'array';
  return undefined;
}

function firstNonSpace(src: string, from: number): number {
  let i = from;
  while (src[i] === ' ' || src[i] === '\t') i++;
  return i;
}

/** Minutes east of UTC for the abbreviations macOS prints; CST is taken as US Central. */
const TIME_ZONES: Readonly<Record<string, number>> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120,
  EET: 120, EEST: 180, MSK: 180, IST: 330, PKT: 300, ICT: 420, HKT: 480, SGT: 480, AWST: 480,
  JST: 540, KST: 540, ACST: 570, ACDT: 630, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
  HST: -600, AKST: -540, AKDT: -480, PST: -480, PDT: -420, MST: -420, MDT: -360, CST: -360,
  CDT: -300, EST: -300, EDT: -240, AST: -240, ADT: -180, NST: -210, NDT: -150, BRT: -180, ART: -180,
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Marker for an object that was left out (unsupported type). */
const OMITTED = Symbol('omitted');
type Parsed = XpcValue | typeof OMITTED;

class DescriptionParser {
  position = 0;
  readonly warnings: DescriptionIssue[] = [];
  private readonly src: string;
  private readonly unsupported: 'omit' | 'error';
  private readonly zones: Readonly<Record<string, number>>;

  constructor(
    private readonly source: SourceText,
    /** End of the record: the text after it belongs to other descriptions. */
    end: number,
    options: DescriptionImportOptions | undefined,
  ) {
    this.src = source.text.slice(0, end);
    this.unsupported = options?.unsupported ?? 'omit';
    this.zones = { ...TIME_ZONES, ...options?.timeZoneOffsets };
  }

  /** One top-level description starting at `start`; undefined when it was left out. */
  topLevel(start: number): XpcValue | undefined {
    this.position = start;
    const wrapped = this.src.startsWith('<OS_xpc_', start);
    const value = this.value();
    if (wrapped) {
      this.skipSpace();
      if (this.src[this.position] === '>') this.position++;
    }
    return value === OMITTED ? undefined : value;
  }

  /**
   * Entries pasted without their container's head (`"key" => <…>` or `3: <…>` lines): one
   * container, with a warning. A `}` after them is the missing head's closing brace.
   */
  fragment(start: number, kind: 'dictionary' | 'array'): XpcValue {
    this.position = start;
    const opening = kind === 'dictionary' ? '<dictionary: 0x…> { … contents =' : '<array: 0x…> { … contents =';
    this.warn(start, `${kind} entries without their "${opening}" head (a pasted fragment?); imported as one ${kind}`);
    return kind === 'dictionary' ? xpc.dictionary(this.dictionaryEntries(start, 'dictionary', false)) : xpc.array(this.arrayItems(start, false).items);
  }

  private value(): Parsed {
    this.skipSpace();
    const at = this.position;
    HEAD.lastIndex = at;
    const head = HEAD.exec(this.src);
    if (!head) return this.fail(`expected an XPC object like <string: 0x…>, found ${this.found()}`);
    this.position = HEAD.lastIndex;
    const type = head[1]!;
    switch (type) {
      case 'dictionary':
        return xpc.dictionary(this.dictionaryBody(at, 'dictionary'));
      case 'error':
        return this.errorObject(at);
      case 'array':
        return this.arrayBody(at);
      case 'string':
        return xpc.string(this.stringBody(at));
      case 'int64':
        return xpc.int64(this.integer(at, INT64_MIN, INT64_MAX, 'int64'));
      case 'uint64':
        return xpc.uint64(this.integer(at, 0n, UINT64_MAX, 'uint64'));
      case 'bool':
        return xpc.bool(this.boolean());
      case 'double':
        return xpc.double(this.double());
      case 'null': {
        const rest = /[ \t]*:[ \t]*null/y;
        rest.lastIndex = this.position;
        if (rest.exec(this.src)) this.position = rest.lastIndex;
        return xpc.null();
      }
      case 'date':
        return xpc.date(this.date(at));
      case 'data':
        return xpc.data(this.data(at));
      case 'uuid':
        return xpc.uuid(this.uuid());
      case 'fd':
        return xpc.fd(this.fd(at));
      case 'shmem':
        return xpc.shmem(this.shmem());
      case 'endpoint':
        return xpc.endpoint(this.endpoint(at));
      default:
        return this.unsupportedObject(type, at);
    }
  }

  // ---- containers ----

  private dictionaryBody(at: number, what: string): Map<string, XpcValue> {
    const header = this.containerHeader(at, what);
    const listed = { count: 0 };
    const entries = this.dictionaryEntries(at, what, true, listed);
    this.checkCount(header.get('count'), listed.count, what, at);
    return entries;
  }

  /** Entries up to the closing } (or, when it is missing, up to the end of the record). */
  private dictionaryEntries(at: number, what: string, warnUnclosed: boolean, listed = { count: 0 }): Map<string, XpcValue> {
    const entries = new Map<string, XpcValue>();
    for (;;) {
      this.skipSpace();
      const c = this.src[this.position];
      if (c === '}') {
        this.position++;
        break;
      }
      if (c !== '"' && this.endsUnclosed(at, what, warnUnclosed)) break;
      if (c !== '"') {
        return this.fail(`expected a quoted key or } in the ${what} that starts at line ${this.lineOf(at)}, found ${this.found()}`);
      }
      const keyAt = this.position;
      const key = this.key();
      this.skipSpace();
      this.expect('=>', `after key ${JSON.stringify(key)}`);
      const item = this.value();
      listed.count++;
      if (item === OMITTED) continue;
      if (entries.has(key)) this.fail(`duplicate key ${JSON.stringify(key)} in the ${what} that starts at line ${this.lineOf(at)}`, keyAt);
      if (key.includes('\0')) this.fail(`key ${JSON.stringify(key)} contains NUL`, keyAt);
      entries.set(key, item);
    }
    return entries;
  }

  /**
   * A container whose entries stop without its } — the record ends, or a line starts with
   * something that is no entry (lldb's `(int) $0 = 328` after `p printf(…)`) — is closed there,
   * with a warning. Anything else out of place inside a line is an error.
   */
  private endsUnclosed(at: number, what: string, warn: boolean): boolean {
    const atEnd = this.position >= this.src.length;
    if (!atEnd && this.src.slice(this.source.lineStartOf(this.position), this.position).trim() !== '') return false;
    if (warn) {
      let last = this.position - 1;
      while (last > at && /\s/.test(this.src[last]!)) last--;
      const hint = this.source.wasTruncatedByLldb(this.lineOf(at)) ? ` (lldb cut the printed string short; ${LLDB_LONGER_STRINGS})` : '';
      this.warn(at, `the ${what} that starts at line ${this.lineOf(at)} has no closing }; closed after line ${this.lineOf(last)}${hint}`);
    }
    return true;
  }

  private errorObject(at: number): XpcValue {
    const entries = this.dictionaryBody(at, 'error');
    const description = entries.get('XPCErrorDescription');
    const others = [...entries.keys()].filter((k) => k !== 'XPCErrorDescription');
    if (others.length) this.warn(at, `error object: kept XPCErrorDescription only; an XPC error value cannot hold ${others.map((k) => JSON.stringify(k)).join(', ')}`);
    if (description?.type === 'string') return xpc.error(description.value);
    this.warn(at, 'error object without an XPCErrorDescription string; imported with an empty description');
    return xpc.error('');
  }

  private arrayBody(at: number): XpcValue {
    const header = this.containerHeader(at, 'array');
    const { items, listed } = this.arrayItems(at, true);
    this.checkCount(header.get('count'), listed, 'array', at);
    return xpc.array(items);
  }

  /** Items up to the closing } (or, when it is missing, up to the end of the record). */
  private arrayItems(at: number, warnUnclosed: boolean): { items: XpcValue[]; listed: number } {
    const items: XpcValue[] = [];
    let listed = 0;
    for (;;) {
      this.skipSpace();
      if (this.src[this.position] === '}') {
        this.position++;
        break;
      }
      if (!/\d/.test(this.src[this.position] ?? '') && this.endsUnclosed(at, 'array', warnUnclosed)) break;
      const indexAt = this.position;
      const index = /\d+/y;
      index.lastIndex = indexAt;
      const m = index.exec(this.src);
      if (!m) return this.fail(`expected an index like "${listed}:" or } in the array that starts at line ${this.lineOf(at)}, found ${this.found()}`);
      this.position = index.lastIndex;
      if (Number(m[0]) !== listed) this.warn(indexAt, `array index ${m[0]} where ${listed} was expected`);
      this.skipSpace();
      this.expect(':', `after array index ${m[0]}`);
      const item = this.value();
      listed++;
      if (item !== OMITTED) items.push(item);
    }
    return { items, listed };
  }

  /** `{ count = N, transaction: 0, voucher = 0x0, contents =` → the named fields. */
  private containerHeader(at: number, what: string): Map<string, string> {
    this.skipSpace();
    this.expect('{', `to open the ${what}`);
    const fields = new Map<string, string>();
    const field = /([A-Za-z_][A-Za-z_ ]*?)[ \t]*[=:][ \t]*([^,}\n]*)/y;
    for (;;) {
      this.skipSpace();
      // `{ count = 0 }` with no contents: the caller's loop sees the } and closes the container.
      if (this.src[this.position] === '}') return fields;
      if (this.src.startsWith('contents', this.position)) {
        this.position += 'contents'.length;
        this.skipSpace();
        this.expect('=', 'after "contents"');
        return fields;
      }
      field.lastIndex = this.position;
      const m = field.exec(this.src);
      if (!m || field.lastIndex === this.position) return this.fail(`expected "contents =" in the header of the ${what} that starts at line ${this.lineOf(at)}, found ${this.found()}`);
      fields.set(m[1]!, m[2]!.trim());
      this.position = field.lastIndex;
      this.skipSpace();
      if (this.src[this.position] === ',') this.position++;
    }
  }

  private checkCount(count: string | undefined, listed: number, what: string, at: number): void {
    if (count !== undefined && /^\d+$/.test(count) && Number(count) !== listed) {
      this.warn(at, `${what} says count = ${count} but lists ${listed} ${listed === 1 ? 'entry' : 'entries'}`);
    }
  }

  /** A dictionary key: "…" up to the quote before `=>` on the same line. */
  private key(): string {
    const open = this.position;
    const lineEnd = this.lineEndOf(open);
    const close = /"[ \t]*=>/g;
    close.lastIndex = open + 1;
    for (let m = close.exec(this.src); m && m.index < lineEnd; m = close.exec(this.src)) {
      if (backslashesBefore(this.src, m.index) % 2 === 1) continue;
      this.position = m.index + 1;
      return decodeEscapes(this.src.slice(open + 1, m.index));
    }
    const quote = this.src.indexOf('"', open + 1);
    if (quote < 0 || quote >= lineEnd) return this.fail(`expected a key "…" followed by =>, found ${this.found()}`);
    this.position = quote + 1;
    this.skipSpace();
    return this.fail(`expected "=>" after key ${JSON.stringify(decodeEscapes(this.src.slice(open + 1, quote)))}, found ${this.found()}`);
  }

  // ---- scalars ----

  /** `{ length = N, contents = "…" }`; N (UTF-8 bytes) says where a raw string ends. */
  private stringBody(at: number): string {
    this.skipSpace();
    this.expect('{', 'to open the string');
    this.skipSpace();
    this.expect('length');
    this.skipSpace();
    this.expect('=');
    this.skipSpace();
    const length = this.digits('the string length');
    this.skipSpace();
    this.expect(',');
    this.skipSpace();
    this.expect('contents');
    this.skipSpace();
    this.expect('=');
    this.skipSpace();
    this.expect('"', 'to open the string contents');
    const open = this.position;
    const raw = this.rawString(open, length);
    const escaped = this.escapedString(open, length);
    let chosen: { text: string; end: number } | undefined;
    // Both readings can only disagree when the raw reading ends in a backslash (see docs/capture-format.md).
    if (raw && (!escaped || !raw.text.endsWith('\\'))) chosen = raw;
    else chosen = escaped;
    if (!chosen) {
      const close = /"[ \t]*\}/g;
      close.lastIndex = open;
      const m = close.exec(this.src);
      if (!m) return this.fail(`string at line ${this.lineOf(at)} is cut off: it has no closing " } before the description ends`, at);
      const text = this.src.slice(open, m.index);
      this.warn(at, `string says length = ${length} but shows ${utf8Length(text)} bytes (cut short or redacted in the log?); imported as shown`);
      chosen = { text, end: m.index + 1 };
    }
    this.position = chosen.end;
    this.skipSpace();
    this.expect('}', 'to close the string');
    return chosen.text;
  }

  /** libxpc's form: exactly `length` UTF-8 bytes, then `" }`. */
  private rawString(open: number, length: number): { text: string; end: number } | undefined {
    let bytes = 0;
    let i = open;
    const src = this.src;
    while (bytes < length && i < src.length) {
      const c = src.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < src.length && isLow(src.charCodeAt(i + 1))) {
        bytes += 4;
        i++;
      } else bytes += 3;
      i++;
    }
    if (bytes !== length || src[i] !== '"' || !/^[ \t]*\}/.test(src.slice(i + 1, i + 8))) return undefined;
    return { text: src.slice(open, i), end: i + 1 };
  }

  /** describeXpc's form: escaped text up to an unescaped quote, decoding to `length` bytes. */
  private escapedString(open: number, length: number): { text: string; end: number } | undefined {
    const src = this.src;
    let i = open;
    while (i < src.length && src[i] !== '"' && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
    if (src[i] !== '"' || !/^[ \t]*\}/.test(src.slice(i + 1, i + 8))) return undefined;
    const text = decodeEscapes(src.slice(open, i));
    if (utf8Length(text) !== length) return undefined;
    return { text, end: i + 1 };
  }

  private integer(at: number, min: bigint, max: bigint, what: string): bigint {
    this.colon();
    const m = this.match(/-?\d+/y, `a decimal ${what}`);
    const n = BigInt(m);
    if (n < min || n > max) this.fail(`${what} ${m} is outside the ${what} range ${min} … ${max}`, at);
    return n;
  }

  private boolean(): boolean {
    this.colon();
    return this.match(/true|false/y, 'true or false') === 'true';
  }

  private double(): number {
    this.colon();
    const text = this.match(/[-+]?(?:nan|inf(?:inity)?|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/iy, 'a double');
    const lower = text.toLowerCase().replace(/^\+/, '');
    if (lower.endsWith('nan')) return NaN;
    if (lower === 'inf' || lower === 'infinity') return Infinity;
    if (lower === '-inf' || lower === '-infinity') return -Infinity;
    return Number(text);
  }

  /** ctime form: `Sat Dec 09 15:09:56 2017 PST (approx)`; the zone is optional. */
  private date(at: number): bigint {
    this.skipSpace();
    const re = /(?:[A-Z][a-z]{2}) +([A-Z][a-z]{2}) +(\d{1,2}) +(\d{2}):(\d{2}):(\d{2}) +(-?\d{1,})(?:[ \t]+([A-Za-z][A-Za-z]*(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}))?(?:[ \t]+\(approx\))?/y;
    re.lastIndex = this.position;
    const m = re.exec(this.src);
    if (!m) return this.fail(`expected a date like "Sat Dec 09 15:09:56 2017 PST (approx)", found ${this.found()}`);
    this.position = re.lastIndex;
    const [, mon, day, hh, mm, ss, year, zone] = m;
    const month = MONTHS.indexOf(mon!) + 1;
    if (month === 0) return this.fail(`unknown month ${JSON.stringify(mon)} in a date`, at);
    const offset = this.zoneOffset(zone, at);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const text =
      `${year!.padStart(4, '0')}-${String(month).padStart(2, '0')}-${day!.padStart(2, '0')}T${hh}:${mm}:${ss}` +
      `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const parsed = parseRfc3339(text);
    if (parsed.ok) return parsed.nanoseconds;
    // The earliest date prints as a second before the range starts (the fraction is not shown).
    const withFraction = parseRfc3339(text.replace(/([+-]\d{2}:\d{2})$/, '.999999999$1'));
    if (withFraction.ok && withFraction.nanoseconds - INT64_MIN < 1_000_000_000n) return INT64_MIN;
    return this.fail(`date: ${parsed.reason}`, at);
  }

  private zoneOffset(zone: string | undefined, at: number): number {
    if (zone === undefined) return 0;
    const numeric = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
    if (numeric) return (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3] ?? 0));
    const known = Object.hasOwn(this.zones, zone) ? this.zones[zone] : undefined;
    if (known !== undefined) return known;
    this.warn(at, `unknown time zone ${JSON.stringify(zone)} in a date; read as UTC`);
    return 0;
  }

  /** `: { length = N bytes, contents = 0x0102… }`, `...` when cut short, `(nil)` when empty. */
  private data(at: number): Uint8Array {
    this.colon();
    this.expect('{', 'to open the data');
    this.skipSpace();
    this.expect('length');
    this.skipSpace();
    this.expect('=');
    this.skipSpace();
    const length = this.digits('the data length');
    this.skipSpace();
    this.expect('bytes');
    this.skipSpace();
    this.expect(',');
    this.skipSpace();
    this.expect('contents');
    this.skipSpace();
    this.expect('=');
    this.skipSpace();
    let bytes: Uint8Array;
    if (this.src.startsWith('(nil)', this.position)) {
      this.position += 5;
      bytes = new Uint8Array();
      // Older libxpc prints no closing brace after (nil): only a brace on the same line is ours.
      const lineEnd = this.lineEndOf(this.position);
      const rest = /^[ \t]*\}/.exec(this.src.slice(this.position, lineEnd));
      if (rest) this.position += rest[0].length;
    } else {
      const hex = this.match(/0x([0-9a-fA-F]*)/y, 'data contents 0x… or (nil)').slice(2);
      if (hex.length % 2) this.fail('data contents have an odd number of hex digits');
      bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      const cut = this.src.startsWith('...', this.position);
      if (cut) this.position += 3;
      this.skipSpace();
      this.expect('}', 'to close the data');
      if (cut) this.warn(at, `data of ${length} bytes shows only its first ${bytes.length}; imported those ${bytes.length} bytes`);
      else if (bytes.length !== length) this.warn(at, `data says length = ${length} bytes but shows ${bytes.length}; imported as shown`);
    }
    if (bytes.length === 0 && length !== 0) this.warn(at, `data says length = ${length} bytes but shows none; imported as empty`);
    return bytes;
  }

  private uuid(): Uint8Array {
    this.skipSpace();
    const text = this.match(/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/y, 'a uuid');
    return uuidFromString(text)!;
  }

  /**
   * `{ type = …, path = /dev/ttys007 }`. Paths are printed bare, so the path ends at the first
   * " }" that is followed by what may follow a value: the end of the line, the next key, the next
   * array index, a closing } or lldb's closing >.
   */
  private fd(at: number): string {
    this.skipSpace();
    this.expect('{', 'to open the fd');
    const lineEnd = this.lineEndOf(this.position);
    const pathAt = this.src.indexOf('path = ', this.position);
    const firstClose = this.src.indexOf('}', this.position);
    if (pathAt < 0 || pathAt > lineEnd || (firstClose >= 0 && firstClose < pathAt)) {
      if (firstClose < 0) return this.fail('fd has no closing }', at);
      this.position = firstClose + 1;
      this.warn(at, 'fd without a path; imported with an empty path');
      return '';
    }
    const start = pathAt + 'path = '.length;
    const close = / \}(?=[ \t]*(?:$|\n|"|\}|>|\d+:))/g;
    close.lastIndex = start;
    const m = close.exec(this.src);
    const stop = m && m.index <= lineEnd ? m.index : this.src.indexOf(' }', start);
    if (stop < 0) return this.fail('fd has no closing " }"', at);
    this.position = stop + 2;
    const path = this.src.slice(start, stop);
    // libxpc's text for a descriptor it could not resolve (closed, or a socket): no path to keep.
    if (path === '(invalid path)') {
      this.warn(at, 'fd shows "(invalid path)"; imported as an fd with an empty path');
      return '';
    }
    return decodeEscapes(path);
  }

  /** `: 16384 bytes (1 page)`. */
  private shmem(): number {
    this.colon();
    const size = this.digits('the shmem size');
    this.skipSpace();
    this.expect('bytes');
    const pages = /[ \t]*\(\d+ pages?\)/y;
    pages.lastIndex = this.position;
    if (pages.exec(this.src)) this.position = pages.lastIndex;
    return size;
  }

  /** `{ name = "service" }` (quoted, or bare up to , or }). */
  private endpoint(at: number): string {
    this.skipSpace();
    this.expect('{', 'to open the endpoint');
    const close = this.closingBrace(this.position);
    const body = this.src.slice(this.position, close);
    this.position = close + 1;
    const m = /name = (?:"((?:[^"\\]|\\.)*)"|([^,}]*))/.exec(body);
    if (!m) {
      this.warn(at, 'endpoint without a name; imported with an empty service name');
      return '';
    }
    return m[1] !== undefined ? decodeEscapes(m[1]) : m[2]!.trim();
  }

  private unsupportedObject(type: string, at: number): Parsed {
    this.skipSpace();
    if (this.src[this.position] === '{') this.position = this.closingBrace(this.position + 1) + 1;
    else if (this.src[this.position] === ':') this.position = this.lineEndOf(this.position);
    const message = `a <${type}> object cannot be held by an XPC Inspector value`;
    if (this.unsupported === 'error') return this.fail(message, at);
    this.warn(at, `${message}; left out`);
    return OMITTED;
  }

  // ---- lexing helpers ----

  /** Position of the } closing a brace opened just before `from` (quoted text skipped). */
  private closingBrace(from: number): number {
    let depth = 1;
    for (let i = from; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '"') {
        i++;
        while (i < this.src.length && this.src[i] !== '"' && this.src[i] !== '\n') i += this.src[i] === '\\' ? 2 : 1;
      } else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return i;
    }
    return this.fail('no closing } for the object', from);
  }

  private colon(): void {
    this.skipSpace();
    this.expect(':');
    this.skipSpace();
  }

  private digits(what: string): number {
    const text = this.match(/\d+/y, what);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) this.fail(`${what} ${text} is too large`);
    return n;
  }

  private match(re: RegExp, what: string): string {
    re.lastIndex = this.position;
    const m = re.exec(this.src);
    if (!m) return this.fail(`expected ${what}, found ${this.found()}`);
    this.position = re.lastIndex;
    return m[0];
  }

  private expect(literal: string, context?: string): void {
    if (!this.src.startsWith(literal, this.position)) {
      this.fail(`expected "${literal}"${context ? ` ${context}` : ''}, found ${this.found()}`);
    }
    this.position += literal.length;
  }

  private skipSpace(): void {
    const src = this.src;
    let i = this.position;
    for (;;) {
      const c = src.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
    this.position = i;
  }

  private found(): string {
    if (this.position >= this.src.length) return 'the end of the text';
    const lineEnd = this.lineEndOf(this.position);
    const rest = this.src.slice(this.position, Math.min(lineEnd, this.position + 30));
    return rest === '' ? 'the end of the line' : JSON.stringify(rest + (lineEnd > this.position + 30 ? '…' : ''));
  }

  /** End of the line holding `position`, within this record. */
  private lineEndOf(position: number): number {
    return Math.min(this.source.lineEndOf(position), this.src.length);
  }

  private lineOf(position: number): number {
    return this.source.lineOf(position);
  }

  private warn(at: number, message: string): void {
    this.warnings.push({ line: this.lineOf(at), message });
  }

  private fail(reason: string, at = this.position): never {
    this.position = Math.max(this.position, at);
    throw new DescriptionSyntaxError(this.lineOf(at), reason);
  }
}

function backslashesBefore(text: string, index: number): number {
  let n = 0;
  while (index - n - 1 >= 0 && text[index - n - 1] === '\\') n++;
  return n;
}

/**
 * Decodes the escapes describeXpc writes (\\ \" \n \r \t \uXXXX). Text that holds a backslash
 * not starting one of those is libxpc's raw text and is kept as is.
 */
function decodeEscapes(text: string): string {
  if (!text.includes('\\')) return text;
  if (!/^(?:[^\\]|\\(?:[\\"nrt]|u[0-9A-Fa-f]{4}))*$/.test(text)) return text;
  return text.replace(/\\(?:([\\"nrt])|u([0-9A-Fa-f]{4}))/g, (_, simple: string | undefined, hex: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    return simple === 'n' ? '\n' : simple === 'r' ? '\r' : simple === 't' ? '\t' : simple!;
  });
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
