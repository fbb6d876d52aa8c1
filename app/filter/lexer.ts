/**
 * Splits filter text into tokens, each with the character range it came from so errors can
 * point at it. A term is either a bare word (which may be field:value or field>value) or a
 * "quoted phrase"; a field's value may itself be quoted (service:"com.example.my service").
 */

export type Token =
  | { readonly type: 'lparen' | 'rparen' | 'or' | 'and' | 'not'; readonly start: number; readonly end: number }
  /** `-` or `!` glued to the term after it. */
  | { readonly type: 'negate'; readonly start: number; readonly end: number }
  | {
      readonly type: 'term';
      readonly start: number;
      readonly end: number;
      /** The text as written (without quotes when the whole term was quoted). */
      readonly text: string;
      readonly quoted: boolean;
      /** For field terms with a quoted value: where the value starts, and its unquoted text. */
      readonly quotedValue?: { readonly start: number; readonly text: string };
    };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly end: number,
    readonly expected: string,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

const SPACE = /\s/;
const OPERATOR_END = /[:=<>]$/;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '|') {
      const end = source[i + 1] === '|' ? i + 2 : i + 1;
      tokens.push({ type: 'or', start: i, end });
      i = end;
      continue;
    }
    if (c === '&' && source[i + 1] === '&') {
      tokens.push({ type: 'and', start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '-' || c === '!') {
      const next = source[i + 1];
      if (next === undefined || SPACE.test(next) || next === ')' || next === '|') {
        throw new FilterSyntaxError(`"${c}" must be followed by the term it negates`, i, i + 1, `a term right after ${c}, e.g. ${c}kind:output`);
      }
      tokens.push({ type: 'negate', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const { text, end } = readQuoted(source, i);
      tokens.push({ type: 'term', start: i, end, text, quoted: true });
      i = end;
      continue;
    }
    // A bare word: up to whitespace, a parenthesis or a quote.
    const start = i;
    while (i < n && !SPACE.test(source[i]!) && source[i] !== '(' && source[i] !== ')' && source[i] !== '"') i++;
    const word = source.slice(start, i);
    if (source[i] === '"' && OPERATOR_END.test(word)) {
      const quoted = readQuoted(source, i);
      tokens.push({ type: 'term', start, end: quoted.end, text: word + quoted.text, quoted: false, quotedValue: { start: i, text: quoted.text } });
      i = quoted.end;
      continue;
    }
    if (word === 'OR') tokens.push({ type: 'or', start, end: i });
    else if (word === 'AND') tokens.push({ type: 'and', start, end: i });
    else if (word === 'NOT') tokens.push({ type: 'not', start, end: i });
    else tokens.push({ type: 'term', start, end: i, text: word, quoted: false });
  }
  return tokens;
}

/** Reads "…" starting at the opening quote; \" and \\ escape. */
function readQuoted(source: string, open: number): { text: string; end: number } {
  let text = '';
  let i = open + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\' && (source[i + 1] === '"' || source[i + 1] === '\\')) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') return { text, end: i + 1 };
    text += c;
    i++;
  }
  throw new FilterSyntaxError('unterminated quote', open, source.length, 'a closing " to end the phrase');
}
