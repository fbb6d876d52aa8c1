/**
 * Validation of the composer's payload as the user types: the XPC-JSON error with its JSON path
 * and line:column, and the span of text to highlight. A message is an XPC dictionary, so any
 * other root is refused here too (the host would refuse it the same way).
 */
import { parseXpcJson } from '../../../app/xpc/json';
import { lineColumnAt } from '../../../app/xpc/json-syntax';
import type { XpcDictionary } from '../../../app/xpc/value';

export type PayloadCheck =
  | { readonly ok: true; readonly value: XpcDictionary }
  | {
      readonly ok: false;
      /** What is wrong, without the location ("expected an integer string for $int64, got number"). */
      readonly reason: string;
      /** JSONPath of the offending value, e.g. $.items[3].count. */
      readonly path: string;
      /** 1-based line and column (UTF-16 units) of the offending text. */
      readonly line: number;
      readonly column: number;
      /** The characters to highlight, [start, end); start === end === text.length at the end of the text. */
      readonly start: number;
      readonly end: number;
    };

export function checkPayload(text: string): PayloadCheck {
  const parsed = parseXpcJson(text);
  if (!parsed.ok) {
    const { reason, path, line, column, offset } = parsed.error;
    const start = Math.min(Math.max(offset, 0), text.length);
    return { ok: false, reason, path, line: Math.max(line, 1), column: Math.max(column, 1), start, end: tokenEnd(text, start) };
  }
  if (parsed.value.type !== 'dictionary') {
    const start = firstNonSpace(text);
    const { line, column } = lineColumnAt(text, start);
    return {
      ok: false,
      reason: `a message must be an XPC dictionary (a JSON object), got ${parsed.value.type}`,
      path: '$',
      line,
      column,
      start,
      end: tokenEnd(text, start),
    };
  }
  return { ok: true, value: parsed.value };
}

/** The one-line form shown under the editor: "$.a.b: reason — line 3, column 7". */
export function formatPayloadError(check: Extract<PayloadCheck, { ok: false }>): string {
  return `${check.path}: ${check.reason} — line ${check.line}, column ${check.column}`;
}

/**
 * Where the token starting at `start` ends: a whole string literal (to its closing quote or the
 * end of the line), a number or word, or else the one character. Never past the end of the line.
 */
export function tokenEnd(text: string, start: number): number {
  if (start >= text.length) return text.length;
  const c = text[start]!;
  if (c === '"') {
    for (let i = start + 1; i < text.length; i++) {
      const d = text[i]!;
      if (d === '\\') i++;
      else if (d === '"') return i + 1;
      else if (d === '\n') return i;
    }
    return text.length;
  }
  if (/[-+0-9.eE]/.test(c) || /[A-Za-z_$]/.test(c)) {
    const word = /[-+0-9.eE]/.test(c) ? /[-+0-9.eE]/ : /[A-Za-z0-9_$]/;
    let i = start + 1;
    while (i < text.length && word.test(text[i]!)) i++;
    return i;
  }
  return start + 1;
}

function firstNonSpace(text: string): number {
  const match = /\S/.exec(text);
  return match ? match.index : text.length;
}
