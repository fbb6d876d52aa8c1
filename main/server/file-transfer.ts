/**
 * Browser mode's file transfers, outside the WebSocket: uploads of files to open (streamed to a
 * private temporary file, never held in memory) and one-time downloads of exports (streamed from
 * disk with Content-Disposition: attachment). Both need the session cookie and pass the same
 * Host/Origin checks as every other request (inspector-server.ts). A download link is a random
 * id, good once and for DOWNLOAD_TTL_MS; it holds no session secret, and without the cookie it
 * is refused.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportOutcome } from '../../app/bridge/contract';
import { DOWNLOAD_PATH_PREFIX, MAX_UPLOAD_BYTES, type UploadResult } from '../../app/bridge/protocol';
import type { ExportPlan } from '../host/export-plan';
import type { HeldFiles } from '../host/held-files';
import type { HostFileAccess } from '../host/host-files';

/** How long a download link stays valid if nobody fetches it. */
export const DOWNLOAD_TTL_MS = 5 * 60_000;
/** Longest upload file name kept (it is only shown). */
const MAX_UPLOAD_NAME = 200;

interface Ticket {
  readonly plan: ExportPlan;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Exports waiting to be fetched, each at most once. */
export class DownloadTickets {
  private readonly tickets = new Map<string, Ticket>();

  /** The HostFileAccess of browser mode: no open dialog (the page uploads), exports become downloads. */
  fileAccess(): HostFileAccess {
    return {
      chooseFileToOpen: () => Promise.reject(new Error('in browser mode the page uploads the file to open; openCapture needs its `file`')),
      deliver: async (plan): Promise<ExportOutcome> => {
        const id = randomBytes(18).toString('base64url');
        const timer = setTimeout(() => void this.take(id)?.dispose(), DOWNLOAD_TTL_MS);
        timer.unref();
        this.tickets.set(id, { plan, timer });
        return { status: 'download', url: `${DOWNLOAD_PATH_PREFIX}${id}`, fileName: plan.fileName };
      },
    };
  }

  /** Streams the export behind `id` to the response; 404 when there is none (or it was fetched already). */
  async serve(id: string, response: ServerResponse, log: (line: string) => void): Promise<void> {
    const plan = this.take(id);
    if (plan === undefined) {
      plainReply(response, 404, 'this download link was used already or has expired; export again');
      return;
    }
    response.writeHead(200, { 'Content-Type': plan.contentType, 'Content-Disposition': contentDisposition(plan.fileName) });
    try {
      await pipeline(plan.open(), response);
    } catch (error) {
      log(`download of ${plan.fileName} failed: ${(error as Error).message}`);
      response.destroy();
    } finally {
      await plan.dispose();
    }
  }

  dispose(): void {
    for (const id of [...this.tickets.keys()]) void this.take(id)?.dispose();
  }

  private take(id: string): ExportPlan | undefined {
    const ticket = this.tickets.get(id);
    if (ticket === undefined) return undefined;
    this.tickets.delete(id);
    clearTimeout(ticket.timer);
    return ticket.plan;
  }
}

/** Streams the request body into a new temporary file held for the page; answers UploadResult JSON. */
export async function receiveUpload(request: IncomingMessage, response: ServerResponse, files: HeldFiles, name: string | null): Promise<void> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES) {
    request.resume();
    plainReply(response, 413, `the file is ${declared} bytes; browser mode accepts uploads of up to ${MAX_UPLOAD_BYTES} bytes`);
    return;
  }
  const fileName = uploadName(name);
  const path = files.scratchPath('.upload');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > MAX_UPLOAD_BYTES) done(new Error(`the upload exceeds ${MAX_UPLOAD_BYTES} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(request, limit, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    if (!response.headersSent) plainReply(response, bytes > MAX_UPLOAD_BYTES ? 413 : 400, `upload of ${fileName} failed: ${(error as Error).message}`);
    return;
  }
  const held = files.hold(path, { fileName, temporary: true });
  const result: UploadResult = { file: held.id, fileName, bytes };
  const body = JSON.stringify(result);
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/** The name the page gave, reduced to a plain file name for display. */
function uploadName(name: string | null): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').slice(0, MAX_UPLOAD_NAME);
  return clean === '' ? 'upload' : clean;
}

/** attachment; filename="…" (ASCII fallback) and filename*=UTF-8''… */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function plainReply(response: ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
