/**
 * parseFilter: filter text → a compiled filter, or an error that says where (character range)
 * and what would have been valid there. Cheap enough to call on every keystroke.
 */
import type { FilterNode } from './ast';
import { compileFilter, type FilterContext, type SlotPredicate } from './compile';
import { FilterSyntaxError } from './lexer';
import { parseFilterText } from './parser';

export interface FilterError {
  readonly message: string;
  /** 0-based offset of the first character the error is about. */
  readonly position: number;
  /** 0-based offset just past the text the error is about (≥ position + 1 unless at the end). */
  readonly end: number;
  /** What would have been valid at `position`. */
  readonly expected: string;
}

export interface CompiledFilter {
  readonly source: string;
  readonly ast: FilterNode;
  /** True for the empty filter: every row matches. */
  readonly matchesAll: boolean;
  /** A predicate over row slots of this context's store. */
  bind(context: FilterContext): SlotPredicate;
}

export type FilterResult = { readonly ok: true; readonly filter: CompiledFilter } | { readonly ok: false; readonly error: FilterError };

export function parseFilter(text: string): FilterResult {
  let ast: FilterNode;
  try {
    ast = parseFilterText(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) {
      return { ok: false, error: { message: error.message, position: error.position, end: error.end, expected: error.expected } };
    }
    throw error;
  }
  return {
    ok: true,
    filter: {
      source: text,
      ast,
      matchesAll: ast.type === 'all',
      bind: (context) => compileFilter(ast, context),
    },
  };
}

/** The empty filter. */
export const MATCH_ALL: CompiledFilter = (() => {
  const result = parseFilter('');
  if (!result.ok) throw new Error('the empty filter must parse');
  return result.filter;
})();

/** A one-line explanation of an error for a status line: "column 9: … — expected …". */
export function describeFilterError(error: FilterError): string {
  return `column ${error.position + 1}: ${error.message} — expected ${error.expected}`;
}
