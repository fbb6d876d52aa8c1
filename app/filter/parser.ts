/**
 * The timeline filter language.
 *
 *   filter  = or
 *   or      = and { ("OR" | "|" | "||") and }
 *   and     = unary { ["AND" | "&&"] unary }          juxtaposition means AND
 *   unary   = ("-" | "!" | "NOT") unary | primary
 *   primary = "(" or ")" | term
 *   term    = field (":" | "=" | "!=" | ">" | ">=" | "<" | "<=") value
 *           | '"' phrase '"' | word                      free text
 *
 * Fields: service: job: pid: from: to: conn: msg: seq: kind: has: is: latency handler size tx.
 * NOT binds tighter than AND, AND tighter than OR. Every error names the character range it is
 * about and what would have been valid there.
 */
import { EVENT_KINDS } from '../events/schema';
import { EVENT_KIND_CODE, ROW_KIND_CODE, ROW_KINDS, type RowKind } from '../model/row-store';
import type { CompareOp, FilterNode, HasWhat, IsWhat, NameField, NamePattern, NumberField } from './ast';
import { FilterSyntaxError, tokenize, type Token } from './lexer';
import { parseDuration, parseSize, parseWholeNumber, type UnitResult } from './units';

type FieldName = 'service' | 'job' | 'pid' | 'from' | 'to' | 'conn' | 'msg' | 'seq' | 'tx' | 'size' | 'latency' | 'handler' | 'kind' | 'has' | 'is';

const FIELD_ALIASES: Readonly<Record<string, FieldName>> = {
  service: 'service',
  svc: 'service',
  job: 'job',
  label: 'job',
  pid: 'pid',
  from: 'from',
  to: 'to',
  conn: 'conn',
  connection: 'conn',
  msg: 'msg',
  message: 'msg',
  seq: 'seq',
  tx: 'tx',
  transactions: 'tx',
  size: 'size',
  latency: 'latency',
  lat: 'latency',
  handler: 'handler',
  kind: 'kind',
  type: 'kind',
  has: 'has',
  is: 'is',
};
export const FILTER_FIELDS: readonly string[] = ['service', 'job', 'pid', 'from', 'to', 'conn', 'msg', 'seq', 'kind', 'has', 'is', 'latency', 'handler', 'size', 'tx'];

export const HAS_VALUES: readonly HasWhat[] = ['error', 'reply', 'payload', 'latency', 'boost', 'warning'];
export const IS_VALUES: readonly IsWhat[] = [
  'unanswered',
  'answered',
  'failed',
  'dropped',
  'sync',
  'async',
  'oneway',
  'request',
  'boosting',
  'probe',
  'delivered',
  'handled',
  'error',
  'warning',
];

const FIELD_TERM = /^([A-Za-z][A-Za-z_-]*)(!=|>=|<=|:|=|>|<)([\s\S]*)$/;

export function parseFilterText(source: string): FilterNode {
  const tokens = tokenize(source);
  if (tokens.length === 0) return { type: 'all' };
  const parser = new Parser(source, tokens);
  const node = parser.or();
  parser.expectEnd();
  return node;
}

class Parser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private get endPosition(): number {
    return this.source.length;
  }

  or(): FilterNode {
    const items = [this.and()];
    for (let token = this.peek(); token?.type === 'or'; token = this.peek()) {
      this.index++;
      const next = this.peek();
      if (next === undefined || next.type === 'rparen' || next.type === 'or') {
        throw new FilterSyntaxError(`"${this.text(token)}" needs a term after it`, token.start, token.end, 'a term after OR');
      }
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { type: 'or', items };
  }

  private and(): FilterNode {
    const items: FilterNode[] = [];
    for (let token = this.peek(); token !== undefined && token.type !== 'or' && token.type !== 'rparen'; token = this.peek()) {
      if (token.type === 'and') {
        this.index++;
        if (items.length === 0) throw new FilterSyntaxError('AND needs a term before it', token.start, token.end, 'a term before AND');
        const next = this.peek();
        if (next === undefined || next.type === 'rparen' || next.type === 'or' || next.type === 'and') {
          throw new FilterSyntaxError('AND needs a term after it', token.start, token.end, 'a term after AND');
        }
        continue;
      }
      items.push(this.unary());
    }
    if (items.length === 0) {
      const token = this.peek();
      const at = token?.start ?? this.endPosition;
      const what = token === undefined ? 'the end of the filter' : `"${this.text(token)}"`;
      throw new FilterSyntaxError(`expected a term before ${what}`, at, token?.end ?? at, 'a term: free text, "a phrase", or field:value such as service:com.example.echo');
    }
    return items.length === 1 ? items[0]! : { type: 'and', items };
  }

  private unary(): FilterNode {
    const token = this.peek()!;
    if (token.type === 'negate' || token.type === 'not') {
      this.index++;
      const next = this.peek();
      if (next === undefined || next.type === 'rparen' || next.type === 'or' || next.type === 'and') {
        throw new FilterSyntaxError(`"${this.text(token)}" needs a term to negate`, token.start, token.end, 'a term to negate');
      }
      return { type: 'not', item: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const token = this.peek()!;
    this.index++;
    if (token.type === 'lparen') {
      const inner = this.or();
      const close = this.peek();
      if (close?.type !== 'rparen') {
        throw new FilterSyntaxError('unclosed "("', token.start, close?.start ?? this.endPosition, `a ")" to close the "(" at column ${token.start + 1}`);
      }
      this.index++;
      return inner;
    }
    if (token.type === 'term') return this.term(token);
    throw new FilterSyntaxError(`unexpected "${this.text(token)}"`, token.start, token.end, 'a term');
  }

  expectEnd(): void {
    const token = this.peek();
    if (token === undefined) return;
    if (token.type === 'rparen') throw new FilterSyntaxError('unmatched ")"', token.start, token.end, 'a "(" before it, or no ")"');
    throw new FilterSyntaxError(`unexpected "${this.text(token)}"`, token.start, token.end, 'the end of the filter');
  }

  private text(token: Token): string {
    return this.source.slice(token.start, token.end);
  }

  // ---- terms -------------------------------------------------------------------------------

  private term(token: Extract<Token, { type: 'term' }>): FilterNode {
    if (token.quoted) return { type: 'text', text: token.text.toLowerCase() };
    const match = FIELD_TERM.exec(token.text);
    if (match === null) return { type: 'text', text: token.text.toLowerCase() };
    const [, rawField, rawOp, rawValue] = match as unknown as [string, string, string, string];
    const fieldStart = token.start;
    const fieldEnd = fieldStart + rawField.length;
    const field = FIELD_ALIASES[rawField.toLowerCase()];
    if (field === undefined) {
      const suggestion = closest(rawField.toLowerCase(), Object.keys(FIELD_ALIASES));
      throw new FilterSyntaxError(
        `unknown field "${rawField}"${suggestion !== undefined ? ` — did you mean ${suggestion}?` : ''}`,
        fieldStart,
        fieldEnd,
        `a field (${FILTER_FIELDS.join(', ')}), or put the text in quotes to search for it`,
      );
    }
    const quoted = token.quotedValue !== undefined;
    const valueStart = quoted ? token.quotedValue!.start : fieldEnd + rawOp.length;
    const value = quoted ? token.quotedValue!.text : rawValue;
    const valueEnd = token.end;
    const fail = (message: string, expected: string): never => {
      throw new FilterSyntaxError(message, valueStart, Math.max(valueEnd, valueStart + 1), expected);
    };
    if (value === '' && !quoted) {
      throw new FilterSyntaxError(`${rawField}${rawOp} needs a value`, token.start, token.end, expectedValue(field));
    }
    const op: CompareOp = rawOp === ':' ? '=' : (rawOp as CompareOp);
    const opStart = fieldEnd;
    const onlyEquality = (): void => {
      if (op !== '=' && op !== '!=') {
        throw new FilterSyntaxError(`${rawField} cannot be compared with ${rawOp}`, opStart, opStart + rawOp.length, `${rawField}:value or ${rawField}!=value`);
      }
    };
    const wrap = (node: FilterNode): FilterNode => (op === '!=' && node.type !== 'number' ? { type: 'not', item: node } : node);

    switch (field) {
      case 'service':
      case 'job':
        onlyEquality();
        return wrap({ type: 'name', field, pattern: namePattern(value) });
      case 'from':
      case 'to':
        if (/^\d+$/.test(value)) return numberNode(field, op, parseWholeNumber(value, 'pid'), fail);
        onlyEquality();
        return wrap({ type: 'name', field: field as NameField, pattern: namePattern(value) });
      case 'pid':
        return numberNode('pid', op, parseWholeNumber(value, 'pid'), fail);
      case 'conn':
        return numberNode('conn', op, parseWholeNumber(value, 'connection id'), fail);
      case 'msg':
        return numberNode('msg', op, parseWholeNumber(value.replace(/^#/, ''), 'message id'), fail);
      case 'seq':
        return numberNode('seq', op, parseWholeNumber(value, 'sequence number'), fail);
      case 'tx':
        return numberNode('tx', op, parseWholeNumber(value, 'transaction count'), fail);
      case 'size':
        return numberNode('size', op, parseSize(value), fail);
      case 'latency':
      case 'handler':
        return numberNode(field, op, parseDuration(value), fail);
      case 'kind':
        onlyEquality();
        return wrap(kindNode(value.toLowerCase(), fail));
      case 'has': {
        onlyEquality();
        const what = value.toLowerCase() as HasWhat;
        if (!HAS_VALUES.includes(what)) fail(`has:${value} is not something a row can have`, `one of ${HAS_VALUES.map((v) => `has:${v}`).join(', ')}`);
        return wrap({ type: 'has', what });
      }
      case 'is': {
        onlyEquality();
        const what = value.toLowerCase() as IsWhat;
        if (!IS_VALUES.includes(what)) fail(`is:${value} is not a row state`, `one of ${IS_VALUES.map((v) => `is:${v}`).join(', ')}`);
        return wrap({ type: 'is', what });
      }
    }
  }
}

function numberNode(field: NumberField, op: CompareOp, parsed: UnitResult, fail: (message: string, expected: string) => never): FilterNode {
  if (!parsed.ok) return fail(parsed.message, parsed.expected);
  return { type: 'number', field, op, value: parsed.value };
}

function kindNode(value: string, fail: (message: string, expected: string) => never): FilterNode {
  if ((ROW_KINDS as readonly string[]).includes(value)) return { type: 'kind', rowKind: ROW_KIND_CODE[value as RowKind], eventKind: undefined };
  if ((EVENT_KINDS as readonly string[]).includes(value)) {
    return { type: 'kind', rowKind: undefined, eventKind: EVENT_KIND_CODE[value as keyof typeof EVENT_KIND_CODE] };
  }
  const suggestion = closest(value, [...ROW_KINDS, ...EVENT_KINDS]);
  return fail(
    `unknown kind "${value}"${suggestion !== undefined ? ` — did you mean ${suggestion}?` : ''}`,
    `one of ${ROW_KINDS.join(', ')}, or an event kind such as process-exited or connection-state`,
  );
}

function expectedValue(field: FieldName): string {
  switch (field) {
    case 'service':
    case 'job':
      return 'a name, e.g. service:com.example.echo (* matches anything)';
    case 'latency':
    case 'handler':
      return 'a duration such as 5ms';
    case 'size':
      return 'a size such as 4kb';
    case 'kind':
      return `one of ${ROW_KINDS.join(', ')}`;
    case 'has':
      return `one of ${HAS_VALUES.join(', ')}`;
    case 'is':
      return `one of ${IS_VALUES.join(', ')}`;
    case 'from':
    case 'to':
      return 'a pid or a process name';
    default:
      return 'a number';
  }
}

function namePattern(value: string): NamePattern {
  const text = value.toLowerCase();
  if (!text.includes('*')) return { text, glob: undefined };
  const source = text
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { text, glob: new RegExp(`^${source}$`, 'i') };
}

/** The candidate within edit distance 2 of `word`, for "did you mean" hints. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
