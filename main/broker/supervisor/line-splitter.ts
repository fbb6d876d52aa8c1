/**
 * Cuts a byte stream into text lines. UTF-8 sequences split across chunks are kept whole, "\r\n"
 * counts as one line end, and a line longer than the cap is emitted in pieces so a process that
 * never prints a newline cannot make the broker buffer without bound.
 */
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE_CHARS = 64 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  /** The complete lines this chunk finishes (without their line ends). */
  push(chunk: Buffer): string[] {
    return this.take(this.pending + this.decoder.write(chunk));
  }

  /** Whatever is left once the stream has ended (an unterminated last line). */
  end(): string[] {
    const lines = this.take(this.pending + this.decoder.end());
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') lines.push(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    return lines;
  }

  private take(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.pushCapped(lines, text.slice(start, end));
      start = nl + 1;
    }
    let rest = text.slice(start);
    while (rest.length > this.maxLineChars) {
      lines.push(rest.slice(0, this.maxLineChars));
      rest = rest.slice(this.maxLineChars);
    }
    this.pending = rest;
    return lines;
  }

  private pushCapped(lines: string[], line: string): void {
    if (line.length <= this.maxLineChars) {
      lines.push(line);
      return;
    }
    for (let i = 0; i < line.length; i += this.maxLineChars) lines.push(line.slice(i, i + this.maxLineChars));
  }
}
