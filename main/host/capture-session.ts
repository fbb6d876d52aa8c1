/**
 * An opened capture: a read-only session whose events come from a capture file. Opening reads
 * the whole file once to check it (every bad line with its number); the page then reads the
 * events a page at a time (readCapture), streamed from the file again, so the host never holds
 * more than one page plus the recent messages the detail view can show.
 */
import type { CaptureFileSummary, CapturePage, MessageDetail, SessionInfo, WireEvent } from '../../app/bridge/contract';
import type { CaptureHeader, CaptureLineError } from '../../app/capture/format';
import { describeXpc } from '../../app/xpc/describe';
import { fromXpcJson } from '../../app/xpc/json';
import { CaptureImportError, CaptureReader } from '../capture/import';
import type { ImportLimits } from '../capture/import-limits';
import type { HeldFile } from './held-files';
import { MessageIndex } from './message-index';

/** Events in one page of readCapture (a page stays well under the bridge's message limits). */
export const CAPTURE_PAGE_EVENTS = 5000;
/** Bad lines listed in an 'invalid' answer (all are counted). */
export const LISTED_LINE_ERRORS = 20;

export interface CaptureCheck {
  readonly header: CaptureHeader | undefined;
  readonly errors: readonly CaptureLineError[];
  readonly errorCount: number;
  readonly goodEvents: number;
  readonly summary: CaptureFileSummary | undefined;
}

/** Reads `file` through, collecting what is wrong with it (run off the event loop: see main/import). */
export async function checkCaptureFile(file: Pick<HeldFile, 'path' | 'fileName'>, limits?: ImportLimits): Promise<CaptureCheck> {
  const reader = new CaptureReader(file.path, { strict: false, limits });
  try {
    for await (const batch of reader.batches()) void batch;
  } catch (error) {
    if (!(error instanceof CaptureImportError)) throw error;
    // The header (or the file itself) cannot be read: nothing after it can be.
    const line = { line: error.line > 0 ? error.line : 1, message: error.reason };
    return { header: undefined, errors: [line], errorCount: 1, goodEvents: 0, summary: undefined };
  }
  const header = reader.header!;
  return {
    header,
    errors: reader.errors.slice(0, LISTED_LINE_ERRORS),
    errorCount: reader.errorCount,
    goodEvents: reader.eventCount,
    summary: {
      fileName: file.fileName,
      sourceKind: header.source.kind,
      events: reader.eventCount,
      skippedLines: reader.errorCount,
      complete: reader.end !== undefined,
      truncated: reader.truncated,
      gzip: reader.gzip,
    },
  };
}

interface Cursor {
  readonly batches: AsyncGenerator<WireEvent[]>;
  /** Events read from the file but not handed out yet. */
  buffer: WireEvent[];
  /** The seq the next page starts at (the first unread event's, or one past the last). */
  nextSeq: number;
  finished: boolean;
}

export class CaptureSession {
  private cursor: Cursor | undefined;
  private readonly messages = new MessageIndex<WireEvent>();
  /** Page reads run one after another (they share the cursor). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly file: HeldFile,
    readonly header: CaptureHeader,
    readonly summary: CaptureFileSummary,
  ) {}

  info(): SessionInfo {
    return {
      id: this.id,
      mode: 'capture',
      title: this.file.fileName,
      startedAtWallMs: this.header.startedAtWallMs,
      jobsDir: this.header.source.jobsDir,
      capturePath: this.file.temporary ? this.file.fileName : this.file.path,
      paused: false,
      capture: this.summary,
    };
  }

  /** The events from `fromSeq` on, at most CAPTURE_PAGE_EVENTS of them. */
  read(fromSeq: number): Promise<CapturePage> {
    const page = this.queue.then(() => this.readNow(fromSeq));
    this.queue = page.catch(() => undefined);
    return page;
  }

  message(id: number): MessageDetail | undefined {
    const record = this.messages.get(id);
    if (record === undefined) return undefined;
    const { sent } = record;
    // The file was checked when it was opened: its values are valid XPC-JSON.
    const value = sent.value !== undefined ? fromXpcJson(sent.value, '$') : undefined;
    return {
      message: id,
      value: sent.value,
      description: value !== undefined ? describeXpc(value) : `${sent.summary} (the capture holds no payload for this ${sent.size}-byte message)`,
      inReplyTo: sent.inReplyTo,
      reply: record.reply,
    };
  }

  private async readNow(fromSeq: number): Promise<CapturePage> {
    let cursor = this.cursor;
    if (cursor === undefined || fromSeq < cursor.nextSeq) cursor = this.restart();
    const events: WireEvent[] = [];
    while (events.length < CAPTURE_PAGE_EVENTS) {
      if (cursor.buffer.length === 0) {
        if (cursor.finished) break;
        const next = await cursor.batches.next();
        // Pages are read on the event loop that serves the broker: let it take a turn per batch.
        await new Promise((resolve) => setImmediate(resolve));
        if (next.done) {
          cursor.finished = true;
          break;
        }
        cursor.buffer = next.value;
      }
      const take = cursor.buffer.splice(0, CAPTURE_PAGE_EVENTS - events.length);
      for (const event of take) {
        if (event.seq < fromSeq) continue;
        events.push(event);
        if (event.kind === 'message-sent' || event.kind === 'reply-received') this.messages.observe(event);
      }
    }
    const last = events[events.length - 1];
    cursor.nextSeq = last !== undefined ? last.seq + 1 : Math.max(cursor.nextSeq, fromSeq);
    return { events, nextSeq: cursor.nextSeq, done: cursor.finished && cursor.buffer.length === 0 };
  }

  private restart(): Cursor {
    void this.cursor?.batches.return(undefined);
    // Opening checked every line: when all were good, reading again only needs to parse them;
    // otherwise the same checks must skip the same lines.
    const reader = new CaptureReader(this.file.path, { strict: false, validateValues: this.summary.skippedLines > 0 });
    this.cursor = { batches: reader.batches(), buffer: [], nextSeq: 0, finished: false };
    return this.cursor;
  }

  close(): void {
    void this.cursor?.batches.return(undefined);
    this.cursor = undefined;
  }
}
