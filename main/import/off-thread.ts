/**
 * Runs import jobs in worker threads, so reading a file — however large or hostile — never
 * holds up the event loop that serves the broker's clients, the pages and their WebSockets.
 * Each job gets a fresh worker with a capped heap; a few run at once, the rest wait their turn.
 */
import { Worker } from 'node:worker_threads';
import { CaptureImportError } from '../capture/import';
import type { ImportJob, ImportJobFailure, ImportJobKind, ImportJobResult, ImportWorkerReply } from './jobs';
import { importWorkerScript } from './worker-script';

/** Jobs running at once (each is one thread reading one file). */
export const MAX_IMPORT_WORKERS = 2;
/** Heap of one import worker: a file that needs more is stopped, the app goes on. */
export const IMPORT_WORKER_HEAP_MB = 1024;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `job` in a worker thread; rejects with the job's own error (CaptureImportError kept). */
export async function runImportOffThread<K extends ImportJobKind>(job: ImportJob<K>, what: string): Promise<ImportJobResult<K>> {
  const script = await importWorkerScript();
  if (running >= MAX_IMPORT_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return (await runWorker(script, job, what)) as ImportJobResult<K>;
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runWorker(script: string, job: ImportJob, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: IMPORT_WORKER_HEAP_MB } });
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };
    worker.on('message', (reply: ImportWorkerReply) => settle(() => (reply.ok ? resolve(reply.result) : reject(rebuild(reply.error)))));
    worker.on('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new Error(`${what}: reading it needed more than ${IMPORT_WORKER_HEAP_MB} MB of memory; stopped`)
            : new Error(`${what}: the import worker failed: ${error.message}`),
        ),
      ),
    );
    worker.on('exit', (code) => settle(() => reject(new Error(`${what}: the import worker stopped (exit code ${code}) before it finished`))));
  });
}

function rebuild(error: ImportJobFailure): Error {
  if (error.name === 'CaptureImportError' && error.file !== undefined && error.line !== undefined && error.reason !== undefined) {
    return new CaptureImportError(error.file, error.line, error.reason);
  }
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
