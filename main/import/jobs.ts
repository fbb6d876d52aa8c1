/**
 * The reading jobs that run in the import worker: each reads a whole file from outside, so it
 * runs off the event loop that serves the broker and the pages (off-thread.ts).
 */
import { captureReport, type CaptureReport } from '../capture/capture-report';
import type { ImportLimits } from '../capture/import-limits';
import { checkCaptureFile, type CaptureCheck } from '../host/capture-session';
import { descriptionsToCapture, type DescriptionCapture } from '../host/description-capture';

interface Jobs {
  /** Opening a capture: every line checked, the bad ones collected. */
  'check-capture': { request: { readonly path: string; readonly fileName: string }; result: CaptureCheck };
  /** Opening description text: converted into a capture at `output`. */
  'convert-descriptions': { request: { readonly input: string; readonly output: string; readonly fileName: string }; result: DescriptionCapture };
  /** `xpc-inspector import`: the summary of a capture. */
  'report-capture': { request: { readonly path: string }; result: CaptureReport };
}

export type ImportJobKind = keyof Jobs;
export type ImportJobRequest<K extends ImportJobKind> = Jobs[K]['request'];
export type ImportJobResult<K extends ImportJobKind> = Jobs[K]['result'];

export interface ImportJob<K extends ImportJobKind = ImportJobKind> {
  readonly kind: K;
  readonly request: ImportJobRequest<K>;
  readonly limits: ImportLimits;
}

/** Runs a job in the calling thread. */
export async function runImportJob<K extends ImportJobKind>(job: ImportJob<K>): Promise<ImportJobResult<K>> {
  // The casts only restate K: each branch builds the result of its own kind.
  const { request, limits } = job as ImportJob;
  switch (job.kind) {
    case 'check-capture': {
      const { path, fileName } = request as ImportJobRequest<'check-capture'>;
      return (await checkCaptureFile({ path, fileName }, limits)) as ImportJobResult<K>;
    }
    case 'convert-descriptions': {
      const { input, output, fileName } = request as ImportJobRequest<'convert-descriptions'>;
      return (await descriptionsToCapture(input, output, fileName, limits.maxListedErrors)) as ImportJobResult<K>;
    }
    case 'report-capture':
      return (await captureReport((request as ImportJobRequest<'report-capture'>).path, limits)) as ImportJobResult<K>;
    default:
      throw new Error(`unknown import job ${String(job.kind)}`);
  }
}

/** An error as it crosses from the worker: CaptureImportError keeps its file and line. */
export interface ImportJobFailure {
  readonly name: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly reason?: string;
}

export type ImportWorkerReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ImportJobFailure };
