/**
 * What `xpc-inspector import` prints about a capture: its header, how it ended, events by kind and
 * service, and the bad lines (the first of them, all counted).
 */
import { type CaptureHeader, type CaptureLineError } from '../../app/capture/format';
import { CaptureSummary, type CaptureSummaryData } from '../../app/capture/summary';
import { CaptureReader } from './import';
import type { ImportLimits } from './import-limits';

export interface CaptureReport extends CaptureSummaryData {
  readonly file: string;
  readonly gzip: boolean;
  readonly header: CaptureHeader;
  readonly complete: boolean;
  readonly truncated: boolean;
  readonly lines: number;
  readonly errors: readonly CaptureLineError[];
  readonly errorCount: number;
}

/** Reads `path` through. Throws CaptureImportError when it is not a readable capture. */
export async function captureReport(path: string, limits?: ImportLimits): Promise<CaptureReport> {
  const reader = new CaptureReader(path, { limits });
  const summary = new CaptureSummary();
  for await (const batch of reader.batches()) for (const event of batch) summary.add(event);
  return {
    file: path,
    gzip: reader.gzip,
    header: reader.header!,
    complete: reader.end !== undefined,
    truncated: reader.truncated,
    lines: reader.lines,
    ...summary.result(),
    errors: reader.errors,
    errorCount: reader.errorCount,
  };
}
