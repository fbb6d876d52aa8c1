/**
 * The capture journal: every event of a session appended to an on-disk capture file as it
 * streams, so that killing the app loses nothing it already showed.
 *
 * How an event reaches the disk:
 *  1. append() checks its seq and queues it; nothing is serialized on the caller's path (the
 *     broker appends from its routing path, and a message should not wait for text).
 *  2. `writeDelayMs` (default 5 ms) after the first queued event, or at once when
 *     `maxQueuedEvents` are queued, the queue is serialized straight into a pending buffer of UTF-8
 *     (in append order), and the buffer is handed to write(2) on libuv's thread pool, so the disk
 *     copy overlaps the serialization of the next events. Gathering a few milliseconds of events
 *     per write keeps a lightly loaded session at a few hundred writes a second, not one per
 *     event-loop turn; under load the queue fills first and writes follow each other without
 *     waiting. A buffer grown past `maxPendingBytes` is written at once. One write is in flight at a
 *     time, in file order; events serialized meanwhile go to a second buffer. When a write
 *     completes its bytes are in the kernel: `written` advances, and they survive the process
 *     being killed (kill -9).
 *  3. Every `fsyncIntervalMs` (default 100 ms) while there are unsynced bytes, fsync(2) runs off
 *     the event loop; when it returns, `acknowledged` advances to the last seq written before it
 *     started. Those events also survive an OS crash or power loss.
 *  4. close() writes what is pending, the end line (the marker that the session closed cleanly),
 *     fsyncs and closes the file.
 *
 * The guarantee: every event with seq ≤ `acknowledged` is durable on disk; every event with
 * seq ≤ `written` survives the death of this process. The UI shows only events up to one of the
 * two watermarks (onWritten / onAcknowledged) to keep "nothing shown is ever lost" true.
 * A crash can leave a torn last line; readers skip it (main/capture/import tolerateTornTail).
 */
import { closeSync, fsync, fsyncSync, openSync, write, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Unsubscribe, WireEvent } from '../../app/bridge/contract';
import {
  createCaptureHeader,
  endLine,
  eventLine,
  headerLine,
  wireEventLine,
  type CaptureHeader,
  type CaptureSource,
} from '../../app/capture/format';
import type { InspectorEvent } from '../../app/events/schema';
import { capturesDirectory, ensureCapturesDirectory } from './data-dir';
import { writeEventLine } from './line-bytes';

export interface JournalOptions {
  /** The exact file to create (it must not exist). Default: a new file in `dir`. */
  readonly path?: string;
  /** Directory for a new journal file; default the per-user captures directory. */
  readonly dir?: string;
  /** Wall-clock start of the session the event times are relative to; default now. */
  readonly startedAtWallMs?: number;
  /** What produces the events; the writing pid and host name are filled in when missing. */
  readonly source: CaptureSource;
  readonly fsyncIntervalMs?: number;
  /** Pending text beyond this is written at once instead of after writeDelayMs. */
  readonly maxPendingBytes?: number;
  /** How long queued events wait to be gathered into one write (default 5 ms). */
  readonly writeDelayMs?: number;
  /** Queued events beyond this are serialized at once (default 1024). */
  readonly maxQueuedEvents?: number;
}


export class JournalError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`capture journal ${path}: ${message}`);
    this.name = 'JournalError';
  }
}

const DEFAULT_FSYNC_INTERVAL_MS = 100;
const DEFAULT_MAX_PENDING_BYTES = 1 << 20;
const DEFAULT_WRITE_DELAY_MS = 5;
const DEFAULT_MAX_QUEUED_EVENTS = 1024;
/** Room past the write threshold, so a typical line never needs a write of its own. */
const PENDING_SLACK_BYTES = 256 * 1024;

export class CaptureJournal {
  readonly path: string;
  readonly header: CaptureHeader;

  private fd: number;
  /** Appended events not serialized yet, and whether each is in wire form; in append order. */
  private queued: (InspectorEvent | WireEvent)[] = [];
  private queuedWire: boolean[] = [];
  /** Serialized events not yet handed to write(2), UTF-8 encoded; grows while a write is slow. */
  private active: Buffer;
  private activeLength = 0;
  private activeLastSeq = 0;
  /** The other buffer: being written (when `inFlight`), else spare. */
  private spare: Buffer;
  private inFlight: { readonly buffer: Buffer; readonly length: number; readonly position: number; readonly seq: number } | undefined;
  private writeDone: Promise<void> | undefined;
  /** File offset where the next write goes (after the header and everything written). */
  private offset: number;
  private appendedSeq = 0;
  private appendedCount = 0;
  private writtenSeq = 0;
  private durableSeq = 0;
  private writeScheduled: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncInFlight: Promise<void> | undefined;
  private failure: JournalError | undefined;
  private closed = false;
  private fdClosed = false;
  private readonly fsyncIntervalMs: number;
  private readonly maxPendingBytes: number;
  private readonly writeDelayMs: number;
  private readonly maxQueuedEvents: number;
  private readonly acknowledgedListeners = new Set<(seq: number) => void>();
  private readonly writtenListeners = new Set<(seq: number) => void>();
  private readonly errorListeners = new Set<(error: JournalError) => void>();

  private constructor(path: string, fd: number, header: CaptureHeader, offset: number, options: JournalOptions) {
    this.path = path;
    this.fd = fd;
    this.header = header;
    this.offset = offset;
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.writeDelayMs = options.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS;
    this.maxQueuedEvents = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS;
    const size = Math.max(this.maxPendingBytes, 64 * 1024) + PENDING_SLACK_BYTES;
    this.active = Buffer.allocUnsafe(size);
    this.spare = Buffer.allocUnsafe(size);
  }

  /** Creates the journal file and makes its header durable before returning. */
  static open(options: JournalOptions): CaptureJournal {
    const startedAtWallMs = options.startedAtWallMs ?? Date.now();
    const source: CaptureSource = { ...options.source, hostname: options.source.hostname ?? hostname(), pid: options.source.pid ?? process.pid };
    const header = createCaptureHeader(startedAtWallMs, source);
    const { path, fd } = options.path !== undefined ? createExclusive(options.path) : createInDirectory(options.dir ?? capturesDirectory(), startedAtWallMs);
    const headerBytes = Buffer.from(`${headerLine(header)}\n`);
    try {
      writeFully(fd, headerBytes, 0);
      fsyncSync(fd);
      syncDirectory(path);
    } catch (error) {
      closeSync(fd);
      throw new JournalError(path, `cannot write the header: ${(error as Error).message}`);
    }
    return new CaptureJournal(path, fd, header, headerBytes.length, options);
  }

  /** Highest seq whose bytes the kernel holds (survives a kill of this process). */
  get written(): number {
    return this.writtenSeq;
  }

  /** Highest seq fsynced to disk (survives an OS crash too). */
  get acknowledged(): number {
    return this.durableSeq;
  }

  /** Highest seq handed to append(). */
  get appended(): number {
    return this.appendedSeq;
  }

  get error(): JournalError | undefined {
    return this.failure;
  }

  onAcknowledged(listener: (seq: number) => void): Unsubscribe {
    this.acknowledgedListeners.add(listener);
    return () => this.acknowledgedListeners.delete(listener);
  }

  onWritten(listener: (seq: number) => void): Unsubscribe {
    this.writtenListeners.add(listener);
    return () => this.writtenListeners.delete(listener);
  }

  /** Write or fsync failures; after one, append() throws. */
  onError(listener: (error: JournalError) => void): Unsubscribe {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Appends live events (XpcValues are written as XPC-JSON). Seqs must increase. */
  append(events: readonly InspectorEvent[]): void {
    this.checkOpen();
    for (const event of events) this.enqueue(event, false);
    this.scheduleWrite();
  }

  /** Appends events already in wire form (values as XPC-JSON trees). Seqs must increase. */
  appendWire(events: readonly WireEvent[]): void {
    this.checkOpen();
    for (const event of events) this.enqueue(event, true);
    this.scheduleWrite();
  }

  /** Writes what is pending and fsyncs; resolves with `acknowledged`, which then covers every appended event. */
  async flush(): Promise<number> {
    this.checkOpen();
    await this.drain();
    if (this.failure) throw this.failure;
    while (this.syncInFlight) await this.syncInFlight;
    if (this.durableSeq < this.writtenSeq) await this.syncNow();
    if (this.failure) throw this.failure;
    return this.durableSeq;
  }

  /** Writes the rest and the end line, fsyncs and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelTimers();
    if (!this.failure) await this.drain();
    while (this.syncInFlight) await this.syncInFlight;
    this.closeSync();
  }

  /**
   * The synchronous close, for process exit handlers. A write still in flight is written again
   * at its own offset (the same bytes), so the file is complete whether or not it finishes.
   */
  closeSync(): void {
    if (this.closed) return;
    this.cancelTimers();
    if (this.writeScheduled) clearTimeout(this.writeScheduled);
    this.writeScheduled = undefined;
    if (!this.failure) this.serializeQueued();
    this.closed = true;
    const busy = this.inFlight !== undefined || this.syncInFlight !== undefined;
    if (this.failure) {
      this.releaseIfClosed();
      throw this.failure;
    }
    try {
      const flight = this.inFlight;
      if (flight) writeFully(this.fd, flight.buffer.subarray(0, flight.length), flight.position);
      const rest = this.active.subarray(0, this.activeLength);
      writeFully(this.fd, rest, this.offset);
      const end = Buffer.from(`${endLine({ events: this.appendedCount, lastSeq: this.appendedSeq })}\n`);
      writeFully(this.fd, end, this.offset + rest.length);
      fsyncSync(this.fd);
      // A write or fsync still running on the thread pool owns the descriptor until it returns.
      if (!busy) this.releaseIfClosed();
    } catch (error) {
      throw this.fail(`cannot close: ${(error as Error).message}`);
    }
    this.activeLength = 0;
    this.setWritten(this.appendedSeq);
    this.setDurable(this.appendedSeq);
  }

  // ---- internals ----

  private enqueue(event: InspectorEvent | WireEvent, wire: boolean): void {
    const seq = event.seq;
    if (!(seq > this.appendedSeq)) throw new JournalError(this.path, `event seq ${seq} does not follow seq ${this.appendedSeq}; seqs must increase`);
    this.queued.push(event);
    this.queuedWire.push(wire);
    this.appendedSeq = seq;
    this.appendedCount++;
  }

  /** Writes the queued events' lines into the pending buffer (starting writes as it fills). */
  private serializeQueued(): void {
    const events = this.queued;
    const wire = this.queuedWire;
    if (events.length === 0) return;
    this.queued = [];
    this.queuedWire = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      // Straight into the buffer, byte for byte what eventLine would give (main/capture/line-bytes).
      let end = writeEventLine(this.active, this.activeLength, this.active.length, event, wire[i]!);
      if (end < 0) {
        this.startWrite();
        end = writeEventLine(this.active, this.activeLength, this.active.length, event, wire[i]!);
        if (end < 0) {
          const line = wire[i] ? wireEventLine(event as WireEvent) : eventLine(event as InspectorEvent);
          this.grow(Buffer.byteLength(line) + 1);
          end = writeEventLine(this.active, this.activeLength, this.active.length, event, wire[i]!);
        }
      }
      this.activeLength = end;
      this.activeLastSeq = event.seq;
    }
  }

  /** The disk is behind (a write is in flight): keep taking events in a larger buffer. */
  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.active.length * 2, this.activeLength + need));
    this.active.copy(bigger, 0, 0, this.activeLength);
    this.active = bigger;
  }

  private scheduleWrite(): void {
    if (this.queued.length >= this.maxQueuedEvents) {
      // Busy: there is plenty to write, so waiting to gather more would only add lag.
      this.serializeQueued();
      this.startWrite();
    }
    if (!this.writeScheduled && (this.queued.length > 0 || this.activeLength > 0)) {
      this.writeScheduled = setTimeout(() => {
        this.writeScheduled = undefined;
        if (this.closed || this.failure) return;
        this.serializeQueued();
        this.startWrite();
      }, this.writeDelayMs);
    }
  }

  /** Hands the active buffer to write(2) unless a write is already in flight (it chains on). */
  private startWrite(): void {
    if (this.inFlight || this.activeLength === 0 || this.failure || this.closed) return;
    const flight = { buffer: this.active, length: this.activeLength, position: this.offset, seq: this.activeLastSeq };
    this.inFlight = flight;
    this.offset += flight.length;
    this.active = this.spare.length >= this.maxPendingBytes ? this.spare : Buffer.allocUnsafe(flight.buffer.length);
    this.activeLength = 0;
    this.writeDone = new Promise<void>((resolve) => {
      const finish = (error: Error | null): void => {
        this.inFlight = undefined;
        this.spare = flight.buffer;
        if (error) this.fail(`write failed after seq ${this.writtenSeq}: ${error.message}`);
        else {
          this.setWritten(flight.seq);
          this.scheduleSync();
          // Events appended while this write ran go next, without waiting for another turn.
          this.startWrite();
        }
        this.releaseIfClosed();
        resolve();
      };
      writeAll(this.fd, flight.buffer, flight.length, flight.position, finish);
    });
  }

  /** Resolves when everything appended so far has been written (or writing failed). */
  private async drain(): Promise<void> {
    if (this.writeScheduled) clearTimeout(this.writeScheduled);
    this.writeScheduled = undefined;
    if (!this.failure) this.serializeQueued();
    for (;;) {
      if (this.inFlight) await this.writeDone;
      else if (this.activeLength > 0 && !this.failure) this.startWrite();
      else return;
    }
  }

  private setWritten(seq: number): void {
    if (seq <= this.writtenSeq) return;
    this.writtenSeq = seq;
    for (const listener of this.writtenListeners) listener(seq);
  }

  private scheduleSync(): void {
    if (this.syncTimer || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.syncNow();
    }, this.fsyncIntervalMs);
    // The journal alone does not keep a process alive; written bytes already survive a kill.
    this.syncTimer.unref();
  }

  private syncNow(): Promise<void> {
    if (this.syncInFlight) return this.syncInFlight;
    if (this.failure) return Promise.resolve();
    const target = this.writtenSeq;
    this.syncInFlight = new Promise<void>((resolve) => {
      fsync(this.fd, (error) => {
        this.syncInFlight = undefined;
        if (error) this.fail(`fsync failed: ${error.message}`);
        else {
          this.setDurable(target);
          if (this.writtenSeq > target) this.scheduleSync();
        }
        this.releaseIfClosed();
        resolve();
      });
    });
    return this.syncInFlight;
  }

  /** After closeSync left the descriptor to work still running on the thread pool. */
  private releaseIfClosed(): void {
    if (this.closed && !this.inFlight && !this.syncInFlight && !this.fdClosed) {
      this.fdClosed = true;
      closeQuietly(this.fd);
    }
  }

  private setDurable(seq: number): void {
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    for (const listener of this.acknowledgedListeners) listener(seq);
  }

  private fail(message: string): JournalError {
    const error = this.failure ?? new JournalError(this.path, message);
    if (!this.failure) {
      this.failure = error;
      this.cancelTimers();
      for (const listener of this.errorListeners) listener(error);
    }
    return error;
  }

  private cancelTimers(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new JournalError(this.path, 'the journal is closed');
  }
}

/** Positional write of all `length` bytes on the thread pool (write(2) may write less). */
function writeAll(fd: number, buffer: Buffer, length: number, position: number, done: (error: Error | null) => void): void {
  let offset = 0;
  const next = (): void => {
    write(fd, buffer, offset, length - offset, position + offset, (error, bytes) => {
      if (error) return done(error);
      offset += bytes;
      if (offset < length) next();
      else done(null);
    });
  };
  if (length === 0) done(null);
  else next();
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, position + offset);
}

function createExclusive(path: string): { path: string; fd: number } {
  try {
    return { path, fd: openSync(path, 'wx', 0o600) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new JournalError(path, code === 'EEXIST' ? 'the file already exists; a journal is never appended to an older file' : `cannot create: ${(error as Error).message}`);
  }
}

/** A new file named after the session start, e.g. capture-2026-11-22T10-00-00.123Z-4242.ndjson. */
function createInDirectory(dir: string, startedAtWallMs: number): { path: string; fd: number } {
  ensureCapturesDirectory(dir);
  const stamp = new Date(startedAtWallMs).toISOString().replace(/:/g, '-');
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `capture-${stamp}-${process.pid}${attempt ? `-${attempt}` : ''}.ndjson`);
    try {
      return { path, fd: openSync(path, 'wx', 0o600) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST' || attempt > 1000) throw new JournalError(path, `cannot create: ${(error as Error).message}`);
    }
  }
}

/** fsync of the directory makes the new file's name durable, not just its contents. */
function syncDirectory(path: string): void {
  const dir = join(path, '..');
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the contents are still synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
