/**
 * `xpc-inspector import FILE [--keep-good] [--json] [-o OUT]`: validates a capture file and
 * prints a summary — events by kind, services, errors with line numbers. Exits non-zero when a
 * line was bad, unless --keep-good (then -o writes the good events to a clean capture).
 *
 * `xpc-inspector import --description FILE`: reads the text xpc_copy_description prints (lldb,
 * logs) and prints each message found as XPC-JSON.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { importDescriptions } from '../../../app/capture/description-import';
import { formatLineError, type CaptureHeader, type CaptureLineError } from '../../../app/capture/format';
import { CaptureSummary, type CaptureSummaryData } from '../../../app/capture/summary';
import { printXpcJson, toXpcJson } from '../../../app/xpc/json';
import { exportCapture } from '../../capture/export';
import { CaptureReader } from '../../capture/import';

interface ImportCliOptions {
  readonly keepGood?: boolean;
  readonly json?: boolean;
  readonly output?: string;
  readonly description?: boolean;
  readonly unsupported: string;
  readonly compact?: boolean;
}

/** Errors listed in the text summary; --json lists them all. */
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
    .action(async (file: string, options: ImportCliOptions) => {
      if (options.description) await importDescriptionFile(file, options);
      else await importCaptureFile(file, options);
    });
}

async function importCaptureFile(file: string, options: ImportCliOptions): Promise<void> {
  if (options.output !== undefined && !options.keepGood) throw new Error('-o/--output writes the good events of a damaged capture; use it with --keep-good');
  const reader = new CaptureReader(file);
  const summary = new CaptureSummary();
  for await (const batch of reader.batches()) for (const event of batch) summary.add(event);
  const data = summary.result();
  const report = {
    file,
    gzip: reader.gzip,
    header: reader.header!,
    complete: reader.end !== undefined,
    truncated: reader.truncated,
    lines: reader.lines,
    ...data,
    errors: reader.errors,
  };
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log(textSummary(report));
  if (options.output !== undefined) {
    const result = await exportCapture({ input: file, output: options.output, keepGood: true });
    console.error(`wrote ${result.written} good events to ${options.output}`);
  }
  if (reader.errors.length > 0 && !options.keepGood) {
    console.error(`xpc-inspector: ${file}: ${reader.errors.length} bad ${reader.errors.length === 1 ? 'line' : 'lines'} (first: ${formatLineError(reader.errors[0]!)}); --keep-good accepts the rest`);
    process.exitCode = 1;
  }
}

interface Report extends CaptureSummaryData {
  readonly file: string;
  readonly gzip: boolean;
  readonly header: CaptureHeader;
  readonly complete: boolean;
  readonly truncated: boolean;
  readonly lines: number;
  readonly errors: readonly CaptureLineError[];
}

function textSummary(r: Report): string {
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
  out.push(`errors    ${r.errors.length}`);
  for (const error of r.errors.slice(0, LISTED_ERRORS)) out.push(`  ${formatLineError(error)}`);
  if (r.errors.length > LISTED_ERRORS) out.push(`  … and ${r.errors.length - LISTED_ERRORS} more (--json lists all)`);
  return out.join('\n');
}

async function importDescriptionFile(file: string, options: ImportCliOptions): Promise<void> {
  if (options.unsupported !== 'omit' && options.unsupported !== 'error') {
    throw new Error(`--unsupported ${JSON.stringify(options.unsupported)}: expected "omit" or "error"`);
  }
  let text: string;
  try {
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
