/**
 * The host's captures besides the live session: files opened as read-only sessions (captures,
 * description text, interrupted journals of earlier runs), and the exports of any session.
 * Everything a page names arrives as an id (a session, a held file, a table export) or as a path
 * this host itself listed (an interrupted journal), and is checked here before it is used.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { LIVE_SESSION } from '../../app/bridge/contract';
import type {
  CapturePage,
  CaptureExportRequest,
  CaptureFileFormat,
  ExportOutcome,
  InterruptedCaptureInfo,
  MessageDetail,
  OpenCaptureRequest,
  OpenCaptureResult,
  SessionInfo,
  TableExportRequest,
} from '../../app/bridge/contract';
import { describeFilterError, parseFilter } from '../../app/filter';
import { captureFilter } from '../capture/event-filter';
import type { EventPredicate } from '../capture/export';
import { findInterruptedCaptures, sealInterruptedCapture } from '../capture/interrupted';
import { importLimits } from '../capture/import-limits';
import { runImportOffThread } from '../import/off-thread';
import { CaptureSession, LISTED_LINE_ERRORS } from './capture-session';
import { captureExportPlan, fileExportPlan, type ExportPlan } from './export-plan';
import { HeldFiles, type HeldFile } from './held-files';
import { NO_FILE_ACCESS, type HostFileAccess } from './host-files';
import type { VisibilityGate } from './event-stream';
import { BridgeArgumentError, show } from './validate';

/** The live session's capture on disk, for exports. */
export interface LiveCapture {
  readonly path: string;
  /** Resolves once every event appended so far is in the file. */
  flush(): Promise<unknown>;
  /** Shows events only once the file holds them, so killing the app loses nothing shown. */
  readonly gate?: VisibilityGate;
}

export interface CaptureLibraryOptions {
  /** Where journals live (interrupted ones are looked for here); none: nothing is offered. */
  readonly capturesDir?: string;
  readonly liveCapture?: LiveCapture;
  readonly liveTitle: string;
}

/** Table exports open at once. */
const MAX_TABLE_EXPORTS = 4;

interface TableExport {
  readonly fileName: string;
  readonly path: string;
  readonly file: WriteStream;
}

export class CaptureLibrary {
  readonly files = new HeldFiles();
  private readonly sessions = new Map<string, CaptureSession>();
  private readonly tables = new Map<string, TableExport>();
  private nextSession = 1;
  private nextTable = 1;
  private access: HostFileAccess = NO_FILE_ACCESS;

  constructor(private readonly options: CaptureLibraryOptions) {}

  /** How this host's transport lets the user pick and receive files. */
  useFileAccess(access: HostFileAccess): void {
    this.access = access;
  }

  sessionInfos(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  async open(request: OpenCaptureRequest): Promise<OpenCaptureResult> {
    let file: HeldFile;
    if (request.file !== undefined) file = this.files.get(request.file, 'openCapture');
    else {
      const path = await this.access.chooseFileToOpen(request.format);
      if (path === undefined) return { status: 'cancelled' };
      file = this.files.hold(path, { temporary: false });
    }
    return this.openHeld(file, request.format, request.keepGood === true);
  }

  read(session: string, fromSeq: number): Promise<CapturePage> {
    return this.session(session, 'readCapture').read(fromSeq);
  }

  message(session: string, message: number): MessageDetail | undefined {
    return this.session(session, 'getMessage').message(message);
  }

  async close(session: string): Promise<void> {
    const found = this.session(session, 'closeCapture');
    found.close();
    this.sessions.delete(session);
    await this.files.release(found.file.id);
  }

  async exportCapture(request: CaptureExportRequest): Promise<ExportOutcome> {
    const { input, name } = await this.exportSource(request.session);
    const filter = request.filter?.trim() ? await this.filterFor(input, request.filter) : undefined;
    const fileName = `${name}${filter ? '-filtered' : ''}.ndjson${request.gzip ? '.gz' : ''}`;
    return this.deliver(captureExportPlan(input, { fileName, gzip: request.gzip, filter }));
  }

  beginTable(request: TableExportRequest): string {
    if (request.session !== LIVE_SESSION) this.session(request.session, 'beginTableExport');
    if (this.tables.size >= MAX_TABLE_EXPORTS) throw new BridgeArgumentError(`beginTableExport: ${this.tables.size} table exports are already open; finish one first`);
    const id = `table-${this.nextTable++}`;
    const path = this.files.scratchPath('.csv');
    const file = createWriteStream(path, { mode: 0o600 });
    file.on('error', () => undefined);
    this.tables.set(id, { fileName: request.fileName, path, file });
    return id;
  }

  async appendTable(id: string, text: string): Promise<void> {
    const table = this.table(id, 'appendTableExport');
    if (!table.file.write(text)) await new Promise<void>((resolve) => table.file.once('drain', resolve));
  }

  async finishTable(id: string): Promise<ExportOutcome> {
    const table = this.table(id, 'finishTableExport');
    this.tables.delete(id);
    await new Promise<void>((resolve, reject) => table.file.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return this.deliver(fileExportPlan(table.path, { fileName: table.fileName, contentType: 'text/csv; charset=utf-8' }));
  }

  async interrupted(): Promise<InterruptedCaptureInfo[]> {
    if (this.options.capturesDir === undefined) return [];
    const found = await findInterruptedCaptures(this.options.capturesDir);
    return found
      .filter((capture) => capture.path !== this.options.liveCapture?.path)
      .map((capture) => ({
        path: capture.path,
        fileName: basename(capture.path),
        startedAtWallMs: capture.header.startedAtWallMs,
        modifiedAtMs: capture.modifiedAtMs,
        sizeBytes: capture.sizeBytes,
        lastSeq: capture.lastSeq,
      }));
  }

  async openInterrupted(path: string): Promise<OpenCaptureResult> {
    await this.checkInterrupted(path, 'openInterruptedCapture');
    // An interrupted journal ends with a torn line by nature: what was written is what there is.
    return this.openHeld(this.files.hold(path, { temporary: false }), 'capture', true);
  }

  async dismissInterrupted(path: string): Promise<void> {
    await this.checkInterrupted(path, 'dismissInterruptedCapture');
    await sealInterruptedCapture(path);
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    for (const table of this.tables.values()) table.file.destroy();
    this.tables.clear();
    this.files.dispose();
  }

  private async openHeld(file: HeldFile, format: CaptureFileFormat, keepGood: boolean): Promise<OpenCaptureResult> {
    let capture = file;
    if (format === 'description') {
      const converted = this.files.hold(this.files.scratchPath('.ndjson'), { fileName: file.fileName, temporary: true });
      const job = { input: file.path, output: converted.path, fileName: file.fileName };
      const result = await runImportOffThread({ kind: 'convert-descriptions', request: job, limits: importLimits() }, file.fileName);
      if (result.errorCount > 0 && !keepGood) {
        await this.files.release(converted.id);
        return {
          status: 'invalid',
          file: file.id,
          fileName: file.fileName,
          errors: result.errors.slice(0, LISTED_LINE_ERRORS),
          errorCount: result.errorCount,
          goodEvents: result.messages,
          canKeepGood: result.messages > 0,
        };
      }
      await this.files.release(file.id);
      capture = converted;
    }
    const request = { path: capture.path, fileName: capture.fileName };
    const check = await runImportOffThread({ kind: 'check-capture', request, limits: importLimits() }, capture.fileName);
    if (check.header === undefined || check.summary === undefined || (check.errorCount > 0 && !keepGood)) {
      return {
        status: 'invalid',
        file: capture.id,
        fileName: capture.fileName,
        errors: check.errors,
        errorCount: check.errorCount,
        goodEvents: check.goodEvents,
        canKeepGood: check.header !== undefined,
      };
    }
    const session = new CaptureSession(`capture-${this.nextSession++}`, capture, check.header, check.summary);
    this.sessions.set(session.id, session);
    this.files.pin(capture.id);
    return { status: 'opened', session: session.info() };
  }

  private async exportSource(session: string): Promise<{ input: string; name: string }> {
    if (session === LIVE_SESSION) {
      const live = this.options.liveCapture;
      if (live === undefined) throw new Error('exportCapture: the live session is not journaled to disk, so there is nothing to export');
      await live.flush();
      return { input: live.path, name: `${this.options.liveTitle}-${timestamp(new Date())}` };
    }
    const found = this.session(session, 'exportCapture');
    return { input: found.file.path, name: found.file.fileName.replace(/\.ndjson(\.gz)?$|\.(txt|log)$/i, '') };
  }

  private async filterFor(input: string, text: string): Promise<EventPredicate> {
    const parsed = parseFilter(text);
    if (!parsed.ok) throw new BridgeArgumentError(`exportCapture: filter ${JSON.stringify(text)}: ${describeFilterError(parsed.error)}`);
    return captureFilter(input, text, { strict: false, tolerateTornTail: true });
  }

  private async deliver(plan: ExportPlan): Promise<ExportOutcome> {
    try {
      const outcome = await this.access.deliver(plan);
      if (outcome.status !== 'download') await plan.dispose();
      return outcome;
    } catch (error) {
      await plan.dispose();
      throw error;
    }
  }

  private session(id: unknown, where: string): CaptureSession {
    const session = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (session === undefined) throw new BridgeArgumentError(`${where}: no opened capture ${show(id)}`);
    return session;
  }

  private table(id: unknown, where: string): TableExport {
    const table = typeof id === 'string' ? this.tables.get(id) : undefined;
    if (table === undefined) throw new BridgeArgumentError(`${where}: no table export ${show(id)} in progress`);
    return table;
  }

  private async checkInterrupted(path: unknown, where: string): Promise<void> {
    const listed = await this.interrupted();
    if (typeof path !== 'string' || !listed.some((capture) => capture.path === path)) {
      throw new BridgeArgumentError(`${where}: ${show(path)} is not an interrupted capture of this host`);
    }
  }
}

/** 2026-12-01T18-31-10 (safe in file names). */
function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}
