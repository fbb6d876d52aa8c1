/**
 * Hostile capture files, generated where they are needed (tests, bench) and never committed:
 * small on disk, huge or pathological once read.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createCaptureHeader, headerLine } from '../../../app/capture/format';

const MiB = 1024 * 1024;

export interface HostileFile {
  readonly name: string;
  readonly path: string;
  /** What reading it must stop with. */
  readonly expected: RegExp;
}

const header = (): string => `${headerLine(createCaptureHeader(1_795_000_000_000, { kind: 'broker' }))}\n`;

/** A valid header, then 100 MiB of one-character bad lines in one gzip stream (~100 KB on disk). */
export function newlineBomb(dir: string): HostileFile {
  const path = join(dir, 'newline-bomb.ndjson.gz');
  writeFileSync(path, Buffer.concat([gzipSync(header()), gzipSync(Buffer.alloc(100 * MiB, 'x\n'), { level: 9 })]));
  // Whichever bound comes first: the bad-line count (by default) or the expansion ratio.
  return { name: 'gzip bomb, 100 MiB of one-character lines', path, expected: /the gzip data expands more than \d+× \(.+ → .+ so far\); stopped|bad lines so far: this is not a damaged capture; stopped/ };
}

/** A valid header, then 2 GiB without a newline: 128 gzip members of 16 MiB each (~2 MB on disk). */
export function newlineFreeBomb(dir: string): HostileFile {
  const path = join(dir, 'newline-free-bomb.ndjson.gz');
  const member = gzipSync(Buffer.alloc(16 * MiB, 'x'), { level: 9 });
  writeFileSync(path, Buffer.concat([gzipSync(header()), ...Array<Buffer>(128).fill(member)]));
  return { name: 'gzip bomb, 2 GiB without a newline', path, expected: /the gzip data expands more than \d+× \(.+ → .+ so far\); stopped/ };
}

/** One line of 100 MiB, no newline, plain text. */
export function oneLineFile(dir: string): HostileFile {
  const path = join(dir, 'one-line.ndjson');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MiB, 'x');
  for (let i = 0; i < 100; i++) writeSync(fd, chunk);
  closeSync(fd);
  return { name: 'plain file, one 100 MiB line', path, expected: /the line is longer than 16 MiB, the most a capture line may hold/ };
}

/** A valid header, then more malformed JSON object lines than any capture is allowed (~4 MB on disk). */
export function badLinesFile(dir: string, lines = 1_000_000): HostileFile {
  const path = join(dir, 'bad-lines.ndjson');
  writeFileSync(path, header() + '{x}\n'.repeat(lines));
  return { name: `plain file, ${lines} malformed lines`, path, expected: /bad lines so far: this is not a damaged capture; stopped/ };
}

/** A small good capture: the baseline the hostile files are compared with. */
export function goodFile(dir: string): string {
  const path = join(dir, 'good.ndjson');
  writeFileSync(path, header());
  return path;
}
