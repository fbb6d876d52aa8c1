/**
 * describeXpc: the text xpc_copy_description(3) prints for an object (what lldb's `po` shows),
 * used by the detail view and "copy as description".
 *
 * The shapes follow libxpc. Where libxpc's text is ambiguous or depends on the host, one regular
 * choice is made so the text can be parsed back:
 *  - addresses are 0x0 unless `addresses` supplies them (the output is deterministic);
 *  - strings and keys are quoted and escaped (libxpc prints them raw, which makes a quote or a
 *    newline inside a string unparseable);
 *  - dates print in UTC to the second, as libxpc's "(approx)" form does in local time;
 *  - doubles print like C's "%f" when that text reads back to the same double, else in the
 *    shortest round-trip form (1e+300, 0.1234567890123), and nan / inf / -inf;
 *  - a shmem page is 16384 bytes (the arm64 macOS page size);
 *  - data shows its first `maxDataBytes` bytes (default 24, as libxpc), then "...".
 *
 * Grammar of the emitted text (INDENT(n) is n copies of `indent`, tab by default; d is the
 * depth of the value being printed, 0 at the top; the text has no trailing newline):
 *
 *   value      = dictionary | array | error | scalar
 *   dictionary = "<dictionary: " ADDR "> { count = " N ", transaction: 0, voucher = 0x0, contents =\n"
 *                { INDENT(d+1) QUOTED " => " value(d+1) "\n" } INDENT(d) "}"
 *   array      = "<array: " ADDR "> { count = " N ", capacity = " CAP ", contents =\n"
 *                { INDENT(d+1) INDEX ": " value(d+1) "\n" } INDENT(d) "}"
 *   error      = "<error: " ADDR "> { count = 1, transaction: 0, voucher = 0x0, contents =\n"
 *                INDENT(d+1) "\"XPCErrorDescription\" => " string "\n" INDENT(d) "}"
 *   scalar     = "<null: " ADDR ">: null"
 *              | "<bool: " ADDR ">: " ("true" | "false")
 *              | "<int64: " ADDR ">: " DECIMAL            | "<uint64: " ADDR ">: " DECIMAL
 *              | "<double: " ADDR ">: " DOUBLE
 *              | "<date: " ADDR "> " WDAY " " MON " " DD " " HH ":" MM ":" SS " " YYYY " UTC (approx)"
 *              | "<data: " ADDR ">: { length = " N " bytes, contents = " ("(nil)" | "0x" HEX ["..."]) " }"
 *              | string
 *              | "<uuid: " ADDR "> " UPPERCASE-8-4-4-4-12
 *              | "<fd: " ADDR "> { type = file, path = " ESCAPED " }"
 *              | "<shmem: " ADDR ">: " N " bytes (" P (" page" | " pages") ")"
 *              | "<endpoint: " ADDR "> { name = " QUOTED " }"
 *   string     = "<string: " ADDR "> { length = " UTF8-BYTES ", contents = " QUOTED " }"
 *   ADDR       = "0x" lower-case hex
 *   CAP        = the smallest power of two >= count (0 for an empty array)
 *   QUOTED     = '"' ESCAPED '"'
 *   ESCAPED    = the text with \ → \\, " → \", newline → \n, CR → \r, tab → \t, other C0
 *                controls, DEL and unpaired surrogates → \uXXXX (4 upper-case hex digits);
 *                everything else as is (UTF-8)
 *   DOUBLE     = [-]digits "." 6 digits | shortest round-trip decimal | "nan" | "inf" | "-inf"
 */
import { utcFields } from './rfc3339';
import type { XpcValue } from './value';

export interface DescribeOptions {
  /** One level of indentation; libxpc uses a tab. */
  readonly indent?: string;
  /** Addresses to print for particular values (by identity); others print as 0x0. */
  readonly addresses?: ReadonlyMap<XpcValue, bigint>;
  /** How many data bytes to show before "..." (default 24, as libxpc). */
  readonly maxDataBytes?: number;
}

export const DESCRIBE_DEFAULT_MAX_DATA_BYTES = 24;
/** The page size used for shmem's "(N pages)" (arm64 macOS). */
export const DESCRIBE_SHMEM_PAGE_SIZE = 16_384;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function describeXpc(value: XpcValue, options?: DescribeOptions): string {
  const printer = new Describer(
    options?.indent ?? '\t',
    options?.addresses,
    Math.max(0, Math.floor(options?.maxDataBytes ?? DESCRIBE_DEFAULT_MAX_DATA_BYTES)),
  );
  return printer.value(value, 0);
}

class Describer {
  constructor(
    private readonly indent: string,
    private readonly addresses: ReadonlyMap<XpcValue, bigint> | undefined,
    private readonly maxDataBytes: number,
  ) {}

  value(value: XpcValue, depth: number): string {
    const head = `<${value.type}: ${this.address(value)}>`;
    switch (value.type) {
      case 'dictionary': {
        const lines = Array.from(value.entries, ([key, item]) => `${this.pad(depth + 1)}${quote(key)} => ${this.value(item, depth + 1)}\n`);
        return `${head} { count = ${value.entries.size}, transaction: 0, voucher = 0x0, contents =\n${lines.join('')}${this.pad(depth)}}`;
      }
      case 'array': {
        const lines = value.items.map((item, i) => `${this.pad(depth + 1)}${i}: ${this.value(item, depth + 1)}\n`);
        const count = value.items.length;
        return `${head} { count = ${count}, capacity = ${capacityFor(count)}, contents =\n${lines.join('')}${this.pad(depth)}}`;
      }
      case 'error':
        return (
          `${head} { count = 1, transaction: 0, voucher = 0x0, contents =\n` +
          `${this.pad(depth + 1)}"XPCErrorDescription" => ${describeString(value.description, '0x0')}\n${this.pad(depth)}}`
        );
      case 'null':
        return `${head}: null`;
      case 'bool':
        return `${head}: ${value.value ? 'true' : 'false'}`;
      case 'int64':
      case 'uint64':
        return `${head}: ${value.value}`;
      case 'double':
        return `${head}: ${formatDouble(value.value)}`;
      case 'date':
        return `${head} ${formatDate(value.value)}`;
      case 'data':
        return `${head}: { length = ${value.value.length} bytes, contents = ${this.dataContents(value.value)} }`;
      case 'string':
        return describeString(value.value, this.address(value));
      case 'uuid':
        return `${head} ${uuidUpper(value.value)}`;
      case 'fd':
        return `${head} { type = file, path = ${escapeText(value.path)} }`;
      case 'shmem': {
        const pages = Math.ceil(value.size / DESCRIBE_SHMEM_PAGE_SIZE);
        return `${head}: ${value.size} bytes (${pages} ${pages === 1 ? 'page' : 'pages'})`;
      }
      case 'endpoint':
        return `${head} { name = ${quote(value.service)} }`;
    }
  }

  private dataContents(bytes: Uint8Array): string {
    if (bytes.length === 0) return '(nil)';
    const shown = Math.min(bytes.length, this.maxDataBytes);
    let hex = '0x';
    for (let i = 0; i < shown; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
    return shown < bytes.length ? `${hex}...` : hex;
  }

  private address(value: XpcValue): string {
    const address = this.addresses?.get(value) ?? 0n;
    return `0x${address.toString(16)}`;
  }

  private pad(depth: number): string {
    return this.indent.repeat(depth);
  }
}

function describeString(text: string, address: string): string {
  return `<string: ${address}> { length = ${utf8Length(text)}, contents = ${quote(text)} }`;
}

/** libxpc's array capacity grows in powers of two. */
function capacityFor(count: number): number {
  let capacity = count === 0 ? 0 : 1;
  while (capacity < count) capacity *= 2;
  return capacity;
}

function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.000000';
  if (Math.abs(v) < 1e21) {
    const fixed = v.toFixed(6);
    if (Number(fixed) === v) return fixed;
  }
  return String(v);
}

/** ctime-like, in UTC: "Sun Nov 22 20:56:41 2026 UTC (approx)". */
function formatDate(nanoseconds: bigint): string {
  const f = utcFields(nanoseconds);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[f.weekday]} ${MONTHS[f.month - 1]} ${two(f.day)} ${two(f.hour)}:${two(f.minute)}:${two(f.second)} ${f.year} UTC (approx)`;
}

function uuidUpper(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).toUpperCase().padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function quote(text: string): string {
  return `"${escapeText(text)}"`;
}

function escapeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${hex4(c)}`;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${hex4(c)}`;
    else out += text[i]!;
  }
  return out;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/** Bytes of the UTF-8 encoding (xpc_string_get_length); unpaired surrogates encode as U+FFFD. */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}
