/**
 * `xpc-inspector export JOURNAL_OR_CAPTURE -o OUT [--gzip] [--filter EXPR] [--csv] [--keep-good]`:
 * streams a journal or capture to a new capture file (or CSV), whole or filtered.
 */
import type { Command } from 'commander';
import { formatLineError } from '../../../app/capture/format';
import { captureFilter } from '../../capture/event-filter';
import { exportCapture } from '../../capture/export';

interface ExportCliOptions {
  readonly output: string;
  readonly gzip?: boolean;
  readonly filter?: string;
  readonly csv?: boolean;
  readonly keepGood?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a capture journal or capture file to a capture file (NDJSON, optionally gzip) or CSV')
    .argument('<input>', 'a journal or capture file (.ndjson or .ndjson.gz)')
    .requiredOption('-o, --output <file>', 'the file to write')
    .option('--gzip', 'gzip the output')
    .option('--filter <expr>', 'only events behind timeline rows matching this filter (the timeline filter language)')
    .option('--csv', 'write the event table as CSV instead of a capture')
    .option('--keep-good', 'skip bad lines of the input instead of failing')
    .action(async (input: string, options: ExportCliOptions) => {
      const readOptions = { strict: !options.keepGood, tolerateTornTail: true };
      const filter = options.filter !== undefined ? await captureFilter(input, options.filter, readOptions) : undefined;
      const result = await exportCapture({
        input,
        output: options.output,
        gzip: options.gzip === true,
        format: options.csv ? 'csv' : 'capture',
        filter,
        keepGood: options.keepGood === true,
      });
      for (const error of result.errors) console.error(`${input}: ${formatLineError(error)}${options.keepGood || result.truncated ? ' (skipped)' : ''}`);
      if (result.errorCount > result.errors.length) console.error(`${input}: … and ${result.errorCount - result.errors.length} more bad lines`);
      console.error(
        `exported ${result.written} of ${result.read} events to ${options.output}` +
          (result.truncated ? ' (the input ended early: it was interrupted or truncated)' : ''),
      );
    });
}
