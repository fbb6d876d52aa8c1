/**
 * Noise around pasted descriptions, recognised one line at a time: the prefixes loggers put in
 * front of a line, and the lines lldb adds itself (`(lldb) po …` commands and results such as
 * the `(int) $0 = 328` that `p printf(…)` leaves after the text).
 */

export type LineNoise =
  /** Nothing recognised; the line is kept as it is. */
  | { readonly kind: 'plain' }
  /** A logger's prefix: `rest` is the logged text. */
  | { readonly kind: 'log'; readonly rest: string }
  /** An lldb command or result line: none of it is a description. */
  | { readonly kind: 'lldb' };

const ISO_TIME = String.raw`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?`;
const SYSLOG_TIME = String.raw`[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?`;
/** `proc[123]`, `proc[123:4567]`, `proc(Framework)[123:4567]`. */
const PROCESS = String.raw`[^\s\[\]]+(?:\([^)\s]*\))?\[\d+(?::[0-9a-fA-Fx]+)?\]`;

/**
 * Prefixes, most specific first. Each ends right before the logged text; a description's own
 * lines never start like these (they start with indentation, a quote, an index, `}` or `<`).
 */
const LOG_PREFIXES: readonly RegExp[] = [
  // `log show` / Console: time, thread, type, activity, pid, ttl, `proc: (Library) [sub:cat] `.
  new RegExp(String.raw`^${ISO_TIME}\s+0x[0-9a-fA-F]+\s+[A-Za-z]+\s+0x[0-9a-fA-F]+\s+\d+\s+\d+\s+[^:\s]+:\s(?:\([^)]*\)\s)?(?:\[[^\]]*\]\s)?`),
  // `log stream --style compact`: time, `Df`/`E`/`I`…, proc[pid:tid], optional `[sub:cat]`.
  new RegExp(String.raw`^${ISO_TIME}\s+(?:Df|Db|I|E|F|A|Default|Info|Debug|Error|Fault)\s+${PROCESS}\s(?:\[[^\]]*\]\s)?`),
  // NSLog / os_log to stderr: `2024-01-02 03:04:05.678 proc[123:456] `.
  new RegExp(String.raw`^${ISO_TIME}\s+${PROCESS}\s(?:<[A-Za-z]+>:?\s)?`),
  // syslog: `Jan  2 03:04:05 host proc[123] <Notice>: `.
  new RegExp(String.raw`^${SYSLOG_TIME}\s+\S+\s+${PROCESS}(?:\s<[A-Za-z]+>)?:\s`),
  // Device syslog (idevicesyslog): `iPhone proc[83] <Notice>: `.
  new RegExp(String.raw`^\S+\s${PROCESS}\s<[A-Za-z]+>:\s`),
  // A bare timestamp.
  new RegExp(String.raw`^${ISO_TIME}\s`),
];

/** `(lldb) po reply`: lldb echoing a command. */
const LLDB_COMMAND = /^\(lldb\)(?:\s|$)/;
/** `(int) $0 = 328`, `(unsigned long) $3 = 7`: a result that holds no description. */
const LLDB_RESULT = /^\s*\((?:[A-Za-z_][\w ]*\**|[A-Za-z_][\w ]* \*+)\) \$\d+ = [^<"]*$/;

export function classifyLine(line: string): LineNoise {
  if (LLDB_COMMAND.test(line) || LLDB_RESULT.test(line)) return { kind: 'lldb' };
  for (const prefix of LOG_PREFIXES) {
    const m = prefix.exec(line);
    if (m) return { kind: 'log', rest: line.slice(m[0].length) };
  }
  return { kind: 'plain' };
}

/**
 * True when a logged line goes on with a description begun on an earlier line (an entry,
 * an index or a closing brace), as when a logger prefixes every line of a multi-line message.
 */
export function continuesDescription(rest: string): boolean {
  return /^[ \t]*(?:"|\d+:[ \t]*<|\})/.test(rest);
}
