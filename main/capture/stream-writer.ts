/**
 * Live events written as a capture to a stream (stdout of `xpc-inspector broker`): the header
 * at once, events coalesced into one write per turn of the event loop, the end line on close.
 * For a file, use the journal instead: it is crash-safe.
 */
import type { Writable } from 'node:stream';
import { endLine, eventLine, headerLine, type CaptureHeader } from '../../app/capture/format';
import type { InspectorEvent } from '../../app/events/schema';

export class CaptureStreamWriter {
  private pending = '';
  private scheduled = false;
  private count = 0;
  private lastSeq = 0;
  private closed = false;

  constructor(
    private readonly stream: Writable,
    readonly header: CaptureHeader,
  ) {
    stream.write(`${headerLine(header)}\n`);
  }

  append(events: readonly InspectorEvent[]): void {
    if (this.closed) return;
    for (const event of events) {
      this.pending += `${eventLine(event)}\n`;
      this.count++;
      this.lastSeq = event.seq;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.writePending());
    }
  }

  /** Writes what is pending and the end line; resolves once the stream has taken them. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.writePending();
    this.closed = true;
    return new Promise((resolve) => this.stream.write(`${endLine({ events: this.count, lastSeq: this.lastSeq })}\n`, () => resolve()));
  }

  private writePending(): void {
    this.scheduled = false;
    if (!this.pending || this.closed) return;
    this.stream.write(this.pending);
    this.pending = '';
  }
}
