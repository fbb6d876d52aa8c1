/**
 * Opening a capture file (.ndjson or .ndjson.gz) as a stream: every line is validated by the
 * capture decoder, errors carry the line number, and the caller chooses between keeping the good
 * lines (errors collected, reading goes on) and strict reading (the first error stops it).
 */
import { stat } from 'node:fs/promises';
import type { WireEvent } from '../../app/bridge/contract';
import { CaptureDecoder, formatLineError, type CaptureEnd, type CaptureHeader, type CaptureLineError } from '../../app/capture/format';
import { LineSource } from './read-lines';

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
}

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
  readonly errors: CaptureLineError[] = [];
  /** The file stopped early: a truncated gzip stream or a torn last line. */
  truncated = false;
  gzip = false;
  /** Lines read, including the header. */
  lines = 0;
  lastSeq = 0;
  eventCount = 0;

  private readonly decoder: CaptureDecoder;

  /** The end line, when the capture has one (it was closed cleanly). */
  get end(): CaptureEnd | undefined {
    return this.decoder.end;
  }

  constructor(
    readonly path: string,
    private readonly options: CaptureReadOptions = {},
  ) {
    this.decoder = new CaptureDecoder({ validateValues: options.validateValues ?? true });
  }

  /** Events in file order, a batch per chunk read. Throws CaptureImportError for an unreadable file or header. */
  async *batches(): AsyncGenerator<WireEvent[]> {
    await this.checkFile();
    const source = new LineSource(this.path);
    let lineNumber = 0;
    for await (const lines of source.batches()) {
      this.gzip = source.gzip;
      const events: WireEvent[] = [];
      for (const text of lines) this.take(text, ++lineNumber, events, false);
      this.lines = lineNumber;
      if (events.length) yield events;
    }
    this.gzip = source.gzip;
    const events: WireEvent[] = [];
    if (source.failure) {
      this.truncated = true;
      const message = `${source.failure.message}; the ${lineNumber} complete lines before it were read`;
      if (lineNumber === 0) throw new CaptureImportError(this.path, 0, source.failure.message);
      // A truncated .gz is what a crash while writing one leaves: a torn tail like any other.
      const tolerated = this.options.tolerateTornTail === true && source.failure.kind === 'truncated-gzip';
      this.report({ line: lineNumber + 1, message }, this.options.strict === true && !tolerated);
    } else if (source.tail !== '') {
      // A last line without its newline: fine if it reads, a torn line if it does not.
      this.take(source.tail, ++lineNumber, events, true);
    }
    this.lines = lineNumber;
    if (lineNumber === 0) throw new CaptureImportError(this.path, 0, 'the file is empty; a capture starts with its header line');
    if (events.length) yield events;
  }

  private take(text: string, lineNumber: number, events: WireEvent[], isTail: boolean): void {
    const decoded = this.decoder.line(text, lineNumber);
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

  private report(error: CaptureLineError, fatal: boolean): void {
    this.errors.push(error);
    if (fatal) throw new CaptureImportError(this.path, error.line, error.message);
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
  readonly errors: readonly CaptureLineError[];
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
    truncated: reader.truncated,
    end: reader.end,
    gzip: reader.gzip,
    lines: reader.lines,
  };
}

export { formatLineError };
