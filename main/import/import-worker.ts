/**
 * The import worker's entry (bundled as out/main/import-worker.mjs): runs one job sent by
 * off-thread.ts and posts its result or its error back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureImportError } from '../capture/import';
import { runImportJob, type ImportJob, type ImportJobFailure, type ImportWorkerReply } from './jobs';

// Rejected lines raise errors by the million in a hostile file; their stacks are never shown.
Error.stackTraceLimit = 0;

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('import-worker runs as a worker thread only');
  let reply: ImportWorkerReply;
  try {
    reply = { ok: true, result: await runImportJob(workerData as ImportJob) };
  } catch (error) {
    reply = { ok: false, error: failure(error) };
  }
  port.postMessage(reply);
}

function failure(error: unknown): ImportJobFailure {
  if (error instanceof CaptureImportError) return { name: error.name, message: error.message, file: error.file, line: error.line, reason: error.reason };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

void main();
