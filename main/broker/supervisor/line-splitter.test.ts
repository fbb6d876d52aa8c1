import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter';

function splitAll(chunks: readonly Buffer[], max?: number): string[] {
  const splitter = new LineSplitter(max);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

/** Cuts `bytes` at the given positions (sorted, deduplicated, inside the buffer). */
function cut(bytes: Buffer, positions: number[]): Buffer[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** The lines of a whole text, written the obvious way. */
function referenceLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

describe('LineSplitter', () => {
  it('yields the lines of the text however the bytes are chunked, multi-byte characters included', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', ' ', '\r'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 10 }), (lines, trailingNewline, positions) => {
        const text = lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : '');
        const bytes = Buffer.from(text, 'utf8');
        expect(splitAll(cut(bytes, positions))).toEqual(referenceLines(text));
      }),
    );
  });

  it('treats \\r\\n and \\n as line ends and keeps an unterminated last line', () => {
    expect(splitAll([Buffer.from('a\r\nb\nc')])).toEqual(['a', 'b', 'c']);
    expect(splitAll([Buffer.from('a\r'), Buffer.from('\nb\n')])).toEqual(['a', 'b']);
    expect(splitAll([Buffer.from('\n\n')])).toEqual(['', '']);
    expect(splitAll([])).toEqual([]);
  });

  it('emits a line longer than the cap in pieces instead of buffering it whole', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push(Buffer.from('abcdefghij'))).toEqual(['abcd', 'efgh']);
    expect(splitter.push(Buffer.from('k\nxy'))).toEqual(['ijk']);
    expect(splitter.end()).toEqual(['xy']);
    expect(splitAll([Buffer.from('abcdefghi\n')], 4)).toEqual(['abcd', 'efgh', 'i']);
  });
});
