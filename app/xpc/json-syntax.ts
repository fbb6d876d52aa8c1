/**
 * A small strict JSON (RFC 8259) parser that keeps what JSON.parse throws away and XPC-JSON
 * needs: the exact text of every number (int64 literals must not pass through a double), the
 * source offset of every value and key (so errors can point at line:column), and object members
 * as an ordered list (duplicates are reported by the caller, with their position).
 *
 * Nesting is bounded so hostile input cannot exhaust the stack.
 */

export type JsonNode = JsonNull | JsonBool | JsonNumber | JsonString | JsonArray | JsonObject;

/** `at` is the UTF-16 offset of the value's first character, or -1 when it has no source text. */
export interface JsonNull {
  readonly kind: 'null';
  readonly at: number;
}
export interface JsonBool {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly at: number;
}
export interface JsonNumber {
  readonly kind: 'number';
  /** The literal as written (or the shortest round-trip text of a number without source). */
  readonly text: string;
  /** The nearest double. May be ±Infinity when a literal overflows; the caller decides. */
  readonly value: number;
  /** Exact value when the number is an integer (a literal without fraction or exponent). */
  readonly integer: bigint | undefined;
  /**
   * Set for an integral number beyond ±(2^53-1) that reached us as a double (from JSON.parse),
   * so its integer value is no longer known exactly.
   */
  readonly roundedInteger?: boolean;
  readonly at: number;
}
export interface JsonString {
  readonly kind: 'string';
  readonly value: string;
  readonly at: number;
}
export interface JsonArray {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
  readonly at: number;
}
export interface JsonMember {
  readonly key: string;
  readonly keyAt: number;
  readonly value: JsonNode;
}
export interface JsonObject {
  readonly kind: 'object';
  readonly members: readonly JsonMember[];
  readonly at: number;
}

/** How a node kind is named in messages ("got number"). */
export const JSON_KIND_NAMES: Readonly<Record<JsonNode['kind'], string>> = {
  null: 'null',
  bool: 'boolean',
  number: 'number',
  string: 'string',
  array: 'array',
  object: 'object',
};

export const JSON_MAX_DEPTH = 1024;
/** Longer number literals are refused: nobody writes them, and BigInt parsing is quadratic. */
export const JSON_MAX_NUMBER_LENGTH = 1000;

/** A JSONPath-like location: `$`, `$.items[3].count`, `$["key with spaces"]`. */
export type JsonPathSegment = string | number;

export function formatJsonPath(segments: readonly JsonPathSegment[], root = '$'): string {
  let out = root;
  for (const segment of segments) out = appendJsonPath(out, segment);
  return out;
}

export function appendJsonPath(path: string, segment: JsonPathSegment): string {
  if (typeof segment === 'number') return `${path}[${segment}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment) ? `${path}.${segment}` : `${path}[${JSON.stringify(segment)}]`;
}

/** A syntax error: the message, the path of the value being read, and the offset it points at. */
export class JsonSyntaxError extends Error {
  readonly reason: string;
  readonly path: string;
  readonly offset: number;
  constructor(reason: string, path: string, offset: number) {
    super(`${path}: ${reason}`);
    this.name = 'JsonSyntaxError';
    this.reason = reason;
    this.path = path;
    this.offset = offset;
  }
}

/** 1-based line and column (in UTF-16 units) of an offset; \n, \r\n and a lone \r end a line. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Parses one JSON document; throws JsonSyntaxError. A leading byte-order mark is skipped. */
export function parseJsonText(text: string): JsonNode {
  return new Parser(text).document();
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  private pos = 0;
  private readonly path: JsonPathSegment[] = [];

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): JsonNode {
    this.skipWhitespace();
    const node = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describeHere()} after the end of the JSON value`);
    return node;
  }

  private value(depth: number): JsonNode {
    if (depth > JSON_MAX_DEPTH) this.fail(`nesting deeper than ${JSON_MAX_DEPTH} levels`);
    const at = this.pos;
    const c = this.text[at];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return { kind: 'string', value: this.string(), at };
      case 't':
        this.literal('true');
        return { kind: 'bool', value: true, at };
      case 'f':
        this.literal('false');
        return { kind: 'bool', value: false, at };
      case 'n':
        this.literal('null');
        return { kind: 'null', at };
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(`expected a JSON value, got ${this.describeHere()}`);
    }
  }

  private object(depth: number): JsonObject {
    const at = this.pos++;
    const members: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', members, at };
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail(`expected a string key, got ${this.describeHere()}`);
      const keyAt = this.pos;
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after key ${JSON.stringify(key)}, got ${this.describeHere()}`);
      this.pos++;
      this.skipWhitespace();
      this.path.push(key);
      const value = this.value(depth + 1);
      this.path.pop();
      members.push({ key, keyAt, value });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === '}') this.fail("trailing comma before '}'");
        continue;
      }
      if (next === '}') {
        this.pos++;
        return { kind: 'object', members, at };
      }
      this.fail(`expected ',' or '}' after an object member, got ${this.describeHere()}`);
    }
  }

  private array(depth: number): JsonArray {
    const at = this.pos++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items, at };
    }
    for (;;) {
      this.path.push(items.length);
      items.push(this.value(depth + 1));
      this.path.pop();
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === ']') this.fail("trailing comma before ']'");
        continue;
      }
      if (next === ']') {
        this.pos++;
        return { kind: 'array', items, at };
      }
      this.fail(`expected ',' or ']' after an array item, got ${this.describeHere()}`);
    }
  }

  private string(): string {
    const start = this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) {
        this.pos = start;
        this.fail('unterminated string');
      }
      if (code === 34 /* " */) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail(`raw control character U+${hex4(code)} in a string; write it as \\u${hex4(code).toLowerCase()}`);
      if (code !== 92 /* \ */) {
        this.pos++;
        continue;
      }
      out += this.text.slice(chunkStart, this.pos);
      const escape = this.text[this.pos + 1];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const digits = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('\\u must be followed by 4 hex digits');
          out += String.fromCharCode(parseInt(digits, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`invalid escape ${escape === undefined ? '\\ at end of input' : JSON.stringify('\\' + escape)} in a string`);
      }
      this.pos += 2;
      chunkStart = this.pos;
    }
  }

  private number(): JsonNumber {
    const at = this.pos;
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(this.text);
    const text = m?.[0] ?? '';
    const after = this.text[at + text.length];
    if (text === '' || text === '-' || (after !== undefined && /[0-9.eE+\-]/.test(after))) {
      this.fail(`malformed number ${JSON.stringify(this.text.slice(at, at + 24).split(/[\s,\]}]/)[0])}`);
    }
    if (text.length > JSON_MAX_NUMBER_LENGTH) this.fail(`number literal longer than ${JSON_MAX_NUMBER_LENGTH} characters`);
    this.pos += text.length;
    const isInteger = !/[.eE]/.test(text);
    return { kind: 'number', text, value: Number(text), integer: isInteger ? BigInt(text) : undefined, at };
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos) || /[A-Za-z0-9_$]/.test(this.text[this.pos + word.length] ?? '')) {
      this.fail(`expected a JSON value, got ${this.describeHere()}`);
    }
    this.pos += word.length;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else return;
    }
  }

  /** What sits at the current position, for "got …" messages. */
  private describeHere(): string {
    if (this.pos >= this.text.length) return 'end of input';
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.text.slice(this.pos, this.pos + 32));
    if (word) return `'${word[0]}'`;
    const code = this.text.codePointAt(this.pos)!;
    return code < 0x20 || code === 0x7f ? `U+${hex4(code)}` : `'${String.fromCodePoint(code)}'`;
  }

  private fail(reason: string): never {
    throw new JsonSyntaxError(reason, formatJsonPath(this.path), this.pos);
  }
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
