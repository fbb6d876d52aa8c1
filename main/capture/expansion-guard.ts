/**
 * Stops a gzip stream that expands too far: a few kilobytes of deflate data can stand for
 * gigabytes of text, and reading them all costs time even when every byte is thrown away.
 */
import { EXPANSION_RATIO_FLOOR_BYTES, formatBytes, IMPORT_LIMIT_ENV, type ImportLimits } from './import-limits';

export class ExpansionGuard {
  private expanded = 0;

  constructor(private readonly limits: Pick<ImportLimits, 'maxExpansionRatio' | 'maxExpandedBytes'>) {}

  /**
   * Counts `bytes` more decompressed bytes after `compressed` bytes of input were consumed;
   * returns why reading must stop, or undefined.
   */
  add(bytes: number, compressed: number): string | undefined {
    this.expanded += bytes;
    const { maxExpansionRatio, maxExpandedBytes } = this.limits;
    const progress = `${formatBytes(compressed)} → ${formatBytes(this.expanded)} so far`;
    if (this.expanded > EXPANSION_RATIO_FLOOR_BYTES && this.expanded > maxExpansionRatio * Math.max(compressed, 1)) {
      return `the gzip data expands more than ${maxExpansionRatio}× (${progress}); stopped (${IMPORT_LIMIT_ENV.maxExpansionRatio} raises the bound)`;
    }
    if (this.expanded > maxExpandedBytes) {
      return `the gzip data expands to more than ${formatBytes(maxExpandedBytes)} (${progress}); stopped (${IMPORT_LIMIT_ENV.maxExpandedBytes} raises the bound)`;
    }
    return undefined;
  }
}
