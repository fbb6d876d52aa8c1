/**
 * Where one pasted description may end at the latest. A description is read only up to the next
 * line that starts another record — a line with a description head that is not an entry of a
 * container, a new log line, or one of lldb's own lines — so a description cut off in the middle
 * (a string without its closing quote, a dictionary without its `}`) cannot swallow the next one.
 */
import type { SourceText } from './description-text';

export class RecordBounds {
  private constructor(
    private readonly starts: readonly number[],
    private readonly textEnd: number,
    private readonly source: SourceText,
  ) {}

  /** `head` finds description heads (a global regex); `continues` says whether a head belongs to the description above it. */
  static of(source: SourceText, head: RegExp, continues: (lineStart: number, headStart: number) => boolean): RecordBounds {
    const starts = new Set<number>(source.noiseBoundaries);
    const text = source.text;
    let lastLine = -1;
    head.lastIndex = 0;
    for (let m = head.exec(text); m; m = head.exec(text)) {
      const lineStart = source.lineStartOf(m.index);
      // Only the first head of a line says whether the line starts a record.
      if (lineStart === lastLine) continue;
      lastLine = lineStart;
      if (!continues(lineStart, m.index)) starts.add(lineStart);
    }
    return new RecordBounds([...starts].sort((a, b) => a - b), text.length, source);
  }

  /** End (exclusive) of the record holding a description that starts at `position`. */
  endOf(position: number): number {
    const after = this.source.lineEndOf(position);
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.starts[lo] ?? this.textEnd;
  }
}
