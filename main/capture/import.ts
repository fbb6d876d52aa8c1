/**
 * Opening a capture file (.ndjson or .ndjson.gz) as a stream: every line is validated by the
 * capture decoder, errors carry the line number, and the caller chooses between keeping the good
 * lines (errors collected, reading goes on) and strict reading (the first error stops it).
 */
import { stat } from 'node:fs/promises';
import type { WireEvent } from '../../app/bridge/contract';
import { CaptureDecoder, formatLineError, type CaptureEnd, type CaptureHeader, type CaptureLineError } from '../../app/capture/format';
import { formatBytes, formatCount, IMPORT_LIMIT_ENV, importLimits, type ImportLimits } from './import-limits';
import { LineSource, type SourceLine } from './read-lines';

export interface CaptureReadOptions {
  /** Stop at the first bad line with a CaptureImportError (default false: keep the good lines). */
  readonly strict?: boolean;
  /**
   * In strict mode, still accept a torn last line (what a crash leaves at the end of a journal):
   * it is reported in `errors` and sets `truncated`, but does not stop the read.
   */
  readonly tolerateTornTail?: boolean;
  /** Check every `value` tree is valid XPC-JSON (default true). */
  readonly validateValues?: boolean;
  /** Bounds on lines, bad lines and gzip expansion (default: importLimits(), the environment's). */
  readonly limits?: ImportLimits;
}

/** Most lines checked between two batches. */
const SLICE_LINES = 4096;

export class CaptureImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}: line ${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'CaptureImportError';
  }
}

/** Streams the events of one capture file; the summary fields are final once iteration ends. */
export class CaptureReader {
  header: CaptureHeader | undefined;
  /** The first bad lines (limits.maxListedErrors of them); `errorCount` counts them all. */
  readonly errors: CaptureLineError[] = [];
  errorCount = 0;
  /** The line of the last bad line (0: none). */
  lastErrorLine = 0;
  /** The file stopped early: a truncated gzip stream or a torn last line. */
  truncated = false;
  gzip = false;
  /** Lines read, including the header. */
  lines = 0;
  lastSeq = 0;
  eventCount = 0;

  private readonly decoder: CaptureDecoder;
  private readonly limits: ImportLimits;

  /** The end line, when the capture has one (it was closed cleanly). */
  get end(): CaptureEnd | undefined {
    return this.decoder.end;
  }

  constructor(
    readonly path: string,
    private readonly options: CaptureReadOptions = {},
  ) {
    this.decoder = new CaptureDecoder({ validateValues: options.validateValues ?? true });
    this.limits = options.limits ?? importLimits();
  }

  /** Events in file order, a batch per chunk read (or per slice of one). Throws CaptureImportError for an unreadable file or header. */
  async *batches(): AsyncGenerator<WireEvent[]> {
    await this.checkFile();
    const source = new LineSource(this.path, this.limits);
    let lineNumber = 0;
    for await (const lines of source.batches()) {
      this.gzip = source.gzip;
      let events: WireEvent[] = [];
      for (let i = 0; i < lines.length; i++) {
        this.take(lines[i]!, ++lineNumber, events, false);
        // A chunk of short bad lines takes long to check: a slice at a time lets a reader on the
        // event loop give other work a turn between slices (the batch may then be empty).
        if ((i + 1) % SLICE_LINES === 0 && i + 1 < lines.length) {
          this.lines = lineNumber;
          yield events;
          events = [];
        }
      }
      this.lines = lineNumber;
      if (events.length) yield events;
    }
    this.gzip = source.gzip;
    const events: WireEvent[] = [];
    if (source.failure?.kind === 'expansion') throw new CaptureImportError(this.path, 0, source.failure.message);
    if (source.failure) {
      this.truncated = true;
      const message = `${source.failure.message}; the ${lineNumber} complete lines before it were read`;
      if (lineNumber === 0) throw new CaptureImportError(this.path, 0, source.failure.message);
      // A truncated .gz is what a crash while writing one leaves: a torn tail like any other.
      const tolerated = this.options.tolerateTornTail === true && source.failure.kind === 'truncated-gzip';
      this.report({ line: lineNumber + 1, message }, this.options.strict === true && !tolerated);
    } else if (source.tailOversized) {
      this.take(source.tail, ++lineNumber, events, false, true);
    } else if (source.tail !== '') {
      // A last line without its newline: fine if it reads, a torn line if it does not.
      this.take(source.tail, ++lineNumber, events, true);
    }
    this.lines = lineNumber;
    if (lineNumber === 0) throw new CaptureImportError(this.path, 0, 'the file is empty; a capture starts with its header line');
    if (events.length) yield events;
  }

  private take(line: SourceLine, lineNumber: number, events: WireEvent[], isTail: boolean, oversized = false): void {
    if (typeof line !== 'string' || oversized) {
      this.oversized(lineNumber);
      return;
    }
    const decoded = this.decoder.line(line, lineNumber);
    switch (decoded.type) {
      case 'header':
        this.header = decoded.header;
        return;
      case 'event':
        events.push(decoded.event);
        this.lastSeq = decoded.event.seq;
        this.eventCount++;
        return;
      case 'end':
        return;
      case 'error': {
        if (decoded.fatal) throw new CaptureImportError(this.path, decoded.error.line, decoded.error.message);
        if (isTail) {
          this.truncated = true;
          const error = {
            line: lineNumber,
            message: `the file ends in the middle of a line (a torn last line, as a crash leaves it): ${decoded.error.message}`,
          };
          this.report(error, this.options.strict === true && !this.options.tolerateTornTail);
          return;
        }
        this.report(decoded.error, this.options.strict === true);
      }
    }
  }

  /** A line over the limit: its bytes were never read into memory, so it cannot be decoded. */
  private oversized(lineNumber: number): void {
    const message = `the line is longer than ${formatBytes(this.limits.maxLineBytes)}, the most a capture line may hold (${IMPORT_LIMIT_ENV.maxLineBytes})`;
    // Without its header a file is not a capture at all.
    if (lineNumber === 1) throw new CaptureImportError(this.path, 1, `${message}; a capture starts with its header line`);
    this.report({ line: lineNumber, message: `${message}; skipped` }, this.options.strict === true);
  }

  private report(error: CaptureLineError, fatal: boolean): void {
    this.errorCount++;
    this.lastErrorLine = error.line;
    if (this.errors.length < this.limits.maxListedErrors) this.errors.push(error);
    if (fatal) throw new CaptureImportError(this.path, error.line, error.message);
    if (this.errorCount >= this.limits.maxBadLines) {
      throw new CaptureImportError(
        this.path,
        error.line,
        `${formatCount(this.errorCount)} bad lines so far: this is not a damaged capture; stopped (${IMPORT_LIMIT_ENV.maxBadLines} raises the bound)`,
      );
    }
  }

  private async checkFile(): Promise<void> {
    let info;
    try {
      info = await stat(this.path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new CaptureImportError(this.path, 0, code === 'ENOENT' ? 'no such file' : `cannot open: ${(error as Error).message}`);
    }
    if (!info.isFile()) throw new CaptureImportError(this.path, 0, 'not a regular file');
  }
}

export interface CaptureImport {
  readonly file: string;
  readonly header: CaptureHeader;
  readonly events: WireEvent[];
  /** The first bad lines; `errorCount` counts them all. */
  readonly errors: readonly CaptureLineError[];
  readonly errorCount: number;
  /** The file stopped early (truncated gzip, torn last line); `events` holds what came before. */
  readonly truncated: boolean;
  /** The end line, when the writer closed the capture cleanly. */
  readonly end: CaptureEnd | undefined;
  readonly gzip: boolean;
  readonly lines: number;
}

/** Reads a whole capture into memory. */
export async function importCapture(path: string, options?: CaptureReadOptions): Promise<CaptureImport> {
  const reader = new CaptureReader(path, options);
  const events: WireEvent[] = [];
  for await (const batch of reader.batches()) for (const event of batch) events.push(event);
  return {
    file: path,
    header: reader.header!,
    events,
    errors: reader.errors,
    errorCount: reader.errorCount,
    truncated: reader.truncated,
    end: reader.end,
    gzip: reader.gzip,
    lines: reader.lines,
  };
}

export { formatLineError };
