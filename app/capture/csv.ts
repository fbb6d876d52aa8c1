/**
 * CSV (RFC 4180) of a table: a header record of column titles, then one record per row. Records
 * end with CRLF; a field is quoted when it holds a comma, a double quote, CR or LF, and quotes
 * inside it are doubled. A text field a spreadsheet would read as a formula (starting with
 * = + - @, tab or CR) gets a leading ' so opening an export cannot run what a peer sent.
 */

export type CsvCell = string | number | boolean | null | undefined;

export interface CsvColumn<R> {
  readonly title: string;
  readonly value: (row: R) => CsvCell;
}

const NEEDS_QUOTES = /[",\r\n]/;
/** What spreadsheets treat as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Plain numbers such as -12.5 stay numbers; they cannot carry a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Text that would start a formula, prefixed with ' so spreadsheets show it as text. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One field: null and undefined are empty, numbers and booleans as JS prints them. */
export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'string' ? neutraliseFormula(cell) : String(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record including its CRLF terminator. */
export function csvRecord(cells: readonly CsvCell[]): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) out += (i === 0 ? '' : ',') + csvField(cells[i]);
  return `${out}\r\n`;
}

export function csvHeader<R>(columns: readonly CsvColumn<R>[]): string {
  return csvRecord(columns.map((column) => column.title));
}

export function csvRow<R>(columns: readonly CsvColumn<R>[], row: R): string {
  return csvRecord(columns.map((column) => column.value(row)));
}

/** The whole table as one string (for small tables; exports of captures stream csvRow instead). */
export function toCsv<R>(columns: readonly CsvColumn<R>[], rows: Iterable<R>): string {
  let out = csvHeader(columns);
  for (const row of rows) out += csvRow(columns, row);
  return out;
}
