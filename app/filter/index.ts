/** The timeline filter language: see parser.ts for the grammar. */
export { parseFilter, describeFilterError, MATCH_ALL, type CompiledFilter, type FilterError, type FilterResult } from './filter';
export { compileFilter, type FilterContext, type SlotPredicate } from './compile';
export { FilteredRows } from './filtered-rows';
export { RowList } from './row-list';
export { FILTER_FIELDS, HAS_VALUES, IS_VALUES } from './parser';
export { parseDuration, parseSize } from './units';
export type { FilterNode } from './ast';
