/**
 * `xpc-inspector import FILE [--keep-good] [--json] [-o OUT]`: validates a capture file and
 * prints a summary — events by kind, services, errors with line numbers. Exits non-zero when a
 * line was bad, unless --keep-good (then -o writes the good events to a clean capture).
 *
 * `xpc-inspector import --description FILE`: reads the text xpc_copy_description prints (lldb,
 * logs) and prints each message found as XPC-JSON.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { importDescriptions } from '../../../app/capture/description-import';
import { formatLineError } from '../../../app/capture/format';
import { printXpcJson, toXpcJson } from '../../../app/xpc/json';
import type { CaptureReport } from '../../capture/capture-report';
import { exportCapture } from '../../capture/export';
import { formatCount, IMPORT_LIMIT_ENV, importLimits, parseLimit, type ImportLimits } from '../../capture/import-limits';
import { MAX_DESCRIPTION_BYTES } from '../../host/description-capture';
import { runImportOffThread } from '../../import/off-thread';

interface ImportCliOptions {
  readonly keepGood?: boolean;
  readonly json?: boolean;
  readonly output?: string;
  readonly description?: boolean;
  readonly unsupported: string;
  readonly compact?: boolean;
  readonly maxLineBytes?: string;
  readonly maxBadLines?: string;
  readonly maxExpansion?: string;
  readonly maxExpandedBytes?: string;
}

/** Errors listed in the text summary; --json lists the first limits.maxListedErrors. */
const LISTED_ERRORS = 20;

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('validate a capture file and summarise it, or (--description) read xpc_copy_description text as XPC-JSON')
    .argument('<file>', 'a capture (.ndjson or .ndjson.gz), or with --description a text file of descriptions')
    .option('--keep-good', 'accept the file when some lines are bad: report them, keep the rest, exit 0')
    .option('--json', 'print the summary as JSON')
    .option('-o, --output <file>', 'with --keep-good: write the good events to a new capture file')
    .option('--description', 'the file holds xpc_copy_description text (lldb po, logs), not a capture')
    .option('--unsupported <what>', 'with --description: "omit" objects XPC Inspector cannot hold (default) or "error"', 'omit')
    .option('--compact', 'with --description: one message per line')
    .option('--max-line-bytes <n>', `skip lines longer than this (default 16M; env ${IMPORT_LIMIT_ENV.maxLineBytes})`)
    .option('--max-bad-lines <n>', `stop after this many bad lines (default 100000; env ${IMPORT_LIMIT_ENV.maxBadLines})`)
    .option('--max-expansion <ratio>', `stop gzip data that expands more than this (default 200; env ${IMPORT_LIMIT_ENV.maxExpansionRatio})`)
    .option('--max-expanded-bytes <n>', `stop gzip data that expands past this (default 8G; env ${IMPORT_LIMIT_ENV.maxExpandedBytes})`)
    .action(async (file: string, options: ImportCliOptions) => {
      if (options.description) await importDescriptionFile(file, options);
      else await importCaptureFile(file, options);
    });
}

async function importCaptureFile(file: string, options: ImportCliOptions): Promise<void> {
  if (options.output !== undefined && !options.keepGood) throw new Error('-o/--output writes the good events of a damaged capture; use it with --keep-good');
  const limits = cliLimits(options);
  // Read in a worker thread like every other import, under the same bounds.
  const report = await runImportOffThread({ kind: 'report-capture', request: { path: file }, limits }, file);
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log(textSummary(report));
  if (options.output !== undefined) {
    const result = await exportCapture({ input: file, output: options.output, keepGood: true, limits });
    console.error(`wrote ${result.written} good events to ${options.output}`);
  }
  if (report.errorCount > 0 && !options.keepGood) {
    console.error(`xpc-inspector: ${file}: ${formatCount(report.errorCount)} bad ${report.errorCount === 1 ? 'line' : 'lines'} (first: ${formatLineError(report.errors[0]!)}); --keep-good accepts the rest`);
    process.exitCode = 1;
  }
}

/** The environment's limits, changed by the command's options. */
function cliLimits(options: ImportCliOptions): ImportLimits {
  const option = (text: string | undefined, name: string, minimum: number): number | undefined => (text === undefined ? undefined : parseLimit(text, `--${name} ${text}`, minimum));
  return importLimits(process.env, {
    maxLineBytes: option(options.maxLineBytes, 'max-line-bytes', 1024),
    maxBadLines: option(options.maxBadLines, 'max-bad-lines', 1),
    maxExpansionRatio: option(options.maxExpansion, 'max-expansion', 2),
    maxExpandedBytes: option(options.maxExpandedBytes, 'max-expanded-bytes', 1024 * 1024),
  });
}

function textSummary(r: CaptureReport): string {
  const out: string[] = [];
  const source = Object.entries(r.header.source)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  out.push(`capture   ${r.file}${r.gzip ? ' (gzip)' : ''}`);
  out.push(`format    version ${r.header.version}, created by ${r.header.createdBy}`);
  out.push(`started   ${new Date(r.header.startedAtWallMs).toISOString()}`);
  out.push(`source    ${r.header.source.kind}${source ? ` (${source})` : ''}`);
  out.push(
    `events    ${r.events}${r.events ? ` (seq ${r.firstSeq} … ${r.lastSeq}, ${(r.spanNs / 1e9).toFixed(3)} s)` : ''}`,
  );
  out.push(
    `closed    ${r.complete ? 'cleanly (end line present)' : r.truncated ? 'no: the file ends early (interrupted or truncated)' : 'no end line: the capture was not closed cleanly'}`,
  );
  const kinds = Object.entries(r.kinds).sort((a, b) => b[1] - a[1]);
  if (kinds.length) {
    out.push('by kind');
    const width = Math.max(...kinds.map(([kind]) => kind.length));
    for (const [kind, count] of kinds) out.push(`  ${kind.padEnd(width)}  ${String(count).padStart(9)}`);
  }
  if (r.services.length) {
    out.push('services');
    const width = Math.max(...r.services.map((s) => s.service.length));
    for (const s of r.services) {
      out.push(`  ${s.service.padEnd(width)}  ${s.messages} messages, ${s.replies} replies, ${s.errors} errors, ${s.connections} connections`);
    }
  }
  out.push(`errors    ${r.errorCount}`);
  const listed = r.errors.slice(0, LISTED_ERRORS);
  for (const error of listed) out.push(`  ${formatLineError(error)}`);
  if (r.errorCount > listed.length) out.push(`  … and ${formatCount(r.errorCount - listed.length)} more${r.errors.length > listed.length ? ' (--json lists the first ' + r.errors.length + ')' : ''}`);
  return out.join('\n');
}

async function importDescriptionFile(file: string, options: ImportCliOptions): Promise<void> {
  if (options.unsupported !== 'omit' && options.unsupported !== 'error') {
    throw new Error(`--unsupported ${JSON.stringify(options.unsupported)}: expected "omit" or "error"`);
  }
  let text: string;
  try {
    // Checked before reading: description text is pasted text, never gigabytes.
    const size = (await stat(file)).size;
    if (size > MAX_DESCRIPTION_BYTES) throw new Error(`${size} bytes is more description text than XPC Inspector reads (${MAX_DESCRIPTION_BYTES} bytes)`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  const result = importDescriptions(text, { unsupported: options.unsupported });
  if (options.json) {
    // One JSON document: the messages with their lines, warnings and errors.
    console.log(
      JSON.stringify(
        {
          file,
          messages: result.messages.map((m) => ({ line: m.line, value: toXpcJson(m.value), warnings: m.warnings })),
          errors: result.errors,
        },
        null,
        2,
      ),
    );
  } else {
    for (const message of result.messages) console.log(printXpcJson(message.value, { indent: options.compact ? 0 : 2 }));
  }
  for (const message of result.messages) for (const warning of message.warnings) console.error(`${file}: line ${warning.line}: warning: ${warning.message}`);
  for (const error of result.errors) console.error(`${file}: line ${error.line}: ${error.message}`);
  console.error(`${result.messages.length} ${result.messages.length === 1 ? 'message' : 'messages'} read from ${file}${result.errors.length ? `, ${result.errors.length} could not be read` : ''}`);
  if (result.messages.length === 0 && result.errors.length === 0) {
    throw new Error(`${file}: no XPC description found (expected text like <dictionary: 0x…> { count = …, contents = … })`);
  }
  if (result.errors.length > 0 && !options.keepGood) process.exitCode = 1;
}
