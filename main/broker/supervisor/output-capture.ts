/**
 * A child's stdout or stderr: every line goes to the callback, and the raw bytes are appended to the
 * job's StandardOutPath/StandardErrorPath when it has one (launchd writes there instead of a pipe;
 * we need both, so the supervisor tees).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter';

export class OutputCapture {
  private readonly splitter = new LineSplitter();
  private readonly log: WriteStream | undefined;
  private finished = false;
  /** Resolves when the stream has ended (the last writer closed it) or failed. */
  readonly ended: Promise<void>;

  /** `logFile.fd` is already open for appending; the capture owns it from here on. */
  constructor(
    private readonly stream: Readable,
    private readonly onLine: (line: string) => void,
    logFile: { readonly path: string; readonly fd: number } | undefined,
  ) {
    this.log = logFile === undefined ? undefined : createWriteStream(logFile.path, { fd: logFile.fd, autoClose: true });
    // A log file that fails (disk full, say) must not take the broker down; lines still flow.
    this.log?.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      this.log?.write(chunk);
      for (const line of this.splitter.push(chunk)) this.onLine(line);
    });
    this.ended = new Promise((resolve) => {
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
    });
  }

  /** Emits an unterminated last line, closes the log file and drops the pipe. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const line of this.splitter.end()) this.onLine(line);
    this.log?.end();
    this.stream.destroy();
  }
}
