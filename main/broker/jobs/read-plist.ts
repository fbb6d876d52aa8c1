/**
 * Turns the bytes of a plist file into a value, or into one error message that says where the
 * document is broken. XML, binary (bplist00) and the old ASCII format are accepted, as launchd does.
 */
import { parse, type PlistValue } from 'plist';
import { BinaryPlistError, DEFAULT_BINARY_PLIST_LIMITS, parseBinaryPlist } from './binary-plist';

export type PlistReadResult = { readonly ok: true; readonly value: PlistValue } | { readonly ok: false; readonly error: string };

/** Job plists are small; anything bigger is refused before parsing (hostile input is normal input). */
export const MAX_PLIST_BYTES = 1024 * 1024;

const BINARY_MAGIC = 'bplist';

export function readPlistBytes(bytes: Uint8Array): PlistReadResult {
  if (bytes.byteLength > MAX_PLIST_BYTES) {
    return { ok: false, error: `file is ${bytes.byteLength} bytes; job plists are limited to ${MAX_PLIST_BYTES} bytes` };
  }
  if (startsWithAscii(bytes, BINARY_MAGIC)) {
    try {
      return { ok: true, value: parseBinaryPlist(bytes) };
    } catch (e) {
      if (e instanceof BinaryPlistError && e.overLimit) return { ok: false, error: `binary plist refused: ${e.message}` };
      return { ok: false, error: `malformed binary plist: ${errorText(e)}` };
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, error: 'malformed plist: the file is not valid UTF-8' };
  }
  return readPlistText(text);
}

export function readPlistText(text: string): PlistReadResult {
  if (text.trim() === '') return { ok: false, error: 'malformed plist: the file is empty' };
  const tooDeep = xmlNestingBeyond(text, DEFAULT_BINARY_PLIST_LIMITS.maxDepth);
  if (tooDeep !== undefined) return { ok: false, error: `plist refused: ${tooDeep}` };
  const diagnostics: XmlDiagnostic[] = [];
  let value: PlistValue;
  try {
    value = collectXmlDiagnostics(diagnostics, () => parse(text));
  } catch (e) {
    const fatal = diagnostics.find((d) => d.level === 'fatalError');
    return { ok: false, error: `malformed XML: ${fatal ? formatDiagnostic(fatal) : errorText(e)}` };
  }
  // xmldom recovers from some well-formedness errors (an undefined entity, say); launchd's parser
  // would not, so neither do we.
  const error = diagnostics.find((d) => d.level !== 'warning');
  if (error) return { ok: false, error: `malformed XML: ${formatDiagnostic(error)}` };
  return { ok: true, value };
}

const CONTAINER_TAG = /<(\/?)(array|dict)\s*(\/?)>/g;

/**
 * The XML parser recurses once per nested element, so a megabyte of <array> overflows the stack
 * after seconds of work; counting container tags first refuses such a file at once. (A tag inside
 * a comment or CDATA counts too, which can only err towards refusing a contrived file.)
 */
function xmlNestingBeyond(text: string, maxDepth: number): string | undefined {
  let depth = 0;
  for (const [, closing, , selfClosing] of text.matchAll(CONTAINER_TAG)) {
    if (selfClosing) continue;
    depth += closing ? -1 : 1;
    if (depth > maxDepth) return `nests deeper than ${maxDepth} levels; job plists are limited to that`;
  }
  return undefined;
}

interface XmlDiagnostic {
  readonly level: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

const XMLDOM_REPORT = /^\[xmldom (\w+)\]\t([\s\S]*)$/;
const XMLDOM_LOCATION = /line:(\d+),col:(\d+)/;

/**
 * The XML parser inside `plist` reports problems only through console.error (the plist API gives no
 * way to pass it an error handler). For the duration of one synchronous parse we take those reports
 * as data, so they land in the job's error instead of on the broker's stderr.
 */
function collectXmlDiagnostics<T>(into: XmlDiagnostic[], run: () => T): T {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    const report = typeof args[0] === 'string' ? XMLDOM_REPORT.exec(args[0]) : null;
    if (!report) {
      original(...args);
      return;
    }
    const where = typeof args[1] === 'string' ? XMLDOM_LOCATION.exec(args[1]) : null;
    into.push({
      level: report[1] ?? 'error',
      message: (report[2] ?? '').trim(),
      ...(where ? { line: Number(where[1]), column: Number(where[2]) } : {}),
    });
  };
  try {
    return run();
  } finally {
    console.error = original;
  }
}

function formatDiagnostic(d: XmlDiagnostic): string {
  const where = d.line !== undefined && d.line > 0 ? ` (line ${d.line}, column ${d.column ?? '?'})` : '';
  return `${d.message}${where}`;
}

function startsWithAscii(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.byteLength < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
