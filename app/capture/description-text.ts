/**
 * The text around pasted XPC descriptions: where each line starts, which line of the user's
 * original text a position came from, and lldb's C-string form of a description
 * (`(char *) $0 = 0x… "<dictionary: 0x…> { count = 1, …\n\t\"k\" => …"`), which is unescaped
 * back into the text xpc_copy_description printed before it is parsed. Log prefixes are cut off
 * the lines and lldb's own lines (commands, `(int) $0 = 328`) are blanked, so the parser only
 * sees what xpc_copy_description printed; such lines are remembered as the starts of records.
 */
import { classifyLine, continuesDescription } from './log-prefix';

/** Text to parse plus the map from its positions to lines of the original input. */
export class SourceText {
  private readonly lineStarts: number[];
  private readonly originLines: number[];
  private readonly truncatedLines: ReadonlySet<number>;
  /** Starts of the parse lines that begin a new log record or are lldb's own lines. */
  readonly noiseBoundaries: readonly number[];

  private constructor(
    readonly text: string,
    lineStarts: number[],
    originLines: number[],
    truncatedLines: ReadonlySet<number>,
    noiseBoundaries: number[],
  ) {
    this.lineStarts = lineStarts;
    this.originLines = originLines;
    this.truncatedLines = truncatedLines;
    this.noiseBoundaries = noiseBoundaries;
  }

  /** Prepares `input`: lldb `(char *) $N = 0x… "…"` lines are replaced by the text they quote. */
  static from(input: string): SourceText {
    const parts: string[] = [];
    const lineStarts: number[] = [];
    const originLines: number[] = [];
    const truncated = new Set<number>();
    const boundaries: number[] = [];
    let offset = 0;
    const lines = input.split('\n');
    lines.forEach((rawLine, index) => {
      const lineNumber = index + 1;
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const quoted = LLDB_CSTRING.exec(line);
      let pieces: string[];
      if (quoted) {
        pieces = unescapeC(quoted[2]!).split('\n');
        pieces[0] = quoted[1]! + pieces[0]!;
        if (quoted[3]) truncated.add(lineNumber);
      } else {
        const noise = classifyLine(line);
        if (noise.kind === 'lldb') {
          pieces = [''];
          boundaries.push(offset);
        } else if (noise.kind === 'log') {
          pieces = [noise.rest];
          // A logger that prefixes every line of a message goes on with the same description.
          if (!continuesDescription(noise.rest)) boundaries.push(offset);
        } else pieces = [line];
      }
      for (const piece of pieces) {
        lineStarts.push(offset);
        originLines.push(lineNumber);
        parts.push(piece);
        offset += piece.length + 1;
      }
    });
    return new SourceText(parts.join('\n'), lineStarts, originLines, truncated, boundaries);
  }

  /** The original line number (1-based) of a position in `text`. */
  lineOf(position: number): number {
    return this.originLines[this.lineIndexOf(position)]!;
  }

  /** Start of the parse line holding `position`. */
  lineStartOf(position: number): number {
    return this.lineStarts[this.lineIndexOf(position)]!;
  }

  /** End (exclusive, before the newline) of the parse line holding `position`. */
  lineEndOf(position: number): number {
    const next = this.lineStarts[this.lineIndexOf(position) + 1];
    return next === undefined ? this.text.length : next - 1;
  }

  /** True when lldb cut the C string on this original line short ("…"...). */
  wasTruncatedByLldb(line: number): boolean {
    return this.truncatedLines.has(line);
  }

  private lineIndexOf(position: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** `(char *) $0 = 0x0000000101101fa0 "<dictionary: …"` and lldb's `"…"...` when it cut the string. */
const LLDB_CSTRING = /^(.*?)\(char \*\) \$\d+ = 0x[0-9a-fA-F]+ "(.*)"(\.\.\.)?\s*$/;

/** Undoes C string escapes as lldb prints them; \x and octal escapes are bytes of UTF-8. */
export function unescapeC(text: string): string {
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += new TextDecoder().decode(new Uint8Array(bytes));
    bytes = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      flush();
      out += c;
      continue;
    }
    const next = text[++i]!;
    const simple = C_ESCAPES.get(next);
    if (simple !== undefined) {
      flush();
      out += simple;
    } else if (next === 'x' && /^[0-9a-fA-F]{1,2}/.test(text.slice(i + 1, i + 3))) {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3))![0];
      bytes.push(parseInt(hex, 16));
      i += hex.length;
    } else if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(text.slice(i, i + 3))![0];
      bytes.push(parseInt(octal, 8) & 0xff);
      i += octal.length - 1;
    } else {
      flush();
      out += next;
    }
  }
  flush();
  return out;
}

const C_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['t', '\t'],
  ['r', '\r'],
  ['"', '"'],
  ["'", "'"],
  ['\\', '\\'],
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['v', '\v'],
  ['e', '\x1b'],
  ['?', '?'],
]);
