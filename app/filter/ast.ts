/**
 * The parsed form of a timeline filter. Values are already validated and normalised (text
 * lower-cased, durations in ns, sizes in bytes), so compiling never fails.
 */

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** Numeric row fields a filter can compare. */
export type NumberField = 'pid' | 'from' | 'to' | 'conn' | 'msg' | 'seq' | 'tx' | 'size' | 'latency' | 'handler';

/** Name row fields a filter can match by text. */
export type NameField = 'service' | 'job' | 'from' | 'to';

export type HasWhat = 'error' | 'reply' | 'payload' | 'latency' | 'boost' | 'warning';
export type IsWhat =
  | 'unanswered'
  | 'answered'
  | 'failed'
  | 'dropped'
  | 'sync'
  | 'async'
  | 'oneway'
  | 'request'
  | 'boosting'
  | 'probe'
  | 'delivered'
  | 'handled'
  | 'error'
  | 'warning';

/** Case-insensitive name match: contains `text`, or matches `glob` when the value had a `*`. */
export interface NamePattern {
  readonly text: string;
  readonly glob: RegExp | undefined;
}

export type FilterNode =
  | { readonly type: 'all' }
  | { readonly type: 'and'; readonly items: readonly FilterNode[] }
  | { readonly type: 'or'; readonly items: readonly FilterNode[] }
  | { readonly type: 'not'; readonly item: FilterNode }
  /** Free text (lower-cased): found in the summary or the payload's words. */
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'name'; readonly field: NameField; readonly pattern: NamePattern }
  | { readonly type: 'number'; readonly field: NumberField; readonly op: CompareOp; readonly value: number }
  /** A row kind code (message, reply …) or an event kind code (process-exited …). */
  | { readonly type: 'kind'; readonly rowKind: number | undefined; readonly eventKind: number | undefined }
  | { readonly type: 'has'; readonly what: HasWhat }
  | { readonly type: 'is'; readonly what: IsWhat };
