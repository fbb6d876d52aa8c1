/**
 * One bound on the unfinished frames of every connection of a server together. Each
 * connection may hold up to its largest frame in pieces; many peers each holding most of one
 * would add up without limit, so past `limitBytes` the largest holders are closed first,
 * until the total is back under the limit.
 */
export interface PartialFrameHolder {
  /** "pid 1234 (/usr/bin/node)", for the reason. */
  readonly peerName: string;
  close(reason: string, error?: Error): void;
}

export class PartialFrameBudget {
  private readonly held = new Map<PartialFrameHolder, number>();
  private total = 0;

  constructor(readonly limitBytes: number) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0) throw new RangeError(`the partial frame budget must be a positive integer, got ${limitBytes}`);
  }

  /** Bytes of unfinished frames held by every connection now. */
  get totalBytes(): number {
    return this.total;
  }

  /** `holder` now holds `bytes` of an unfinished frame. */
  update(holder: PartialFrameHolder, bytes: number): void {
    const before = this.held.get(holder) ?? 0;
    if (bytes === before) return;
    if (bytes === 0) this.held.delete(holder);
    else this.held.set(holder, bytes);
    this.total += bytes - before;
    if (this.total > this.limitBytes) this.shed();
  }

  release(holder: PartialFrameHolder): void {
    this.update(holder, 0);
  }

  private shed(): void {
    const total = this.total;
    const largestFirst = [...this.held].sort((a, b) => b[1] - a[1]);
    for (const [holder, bytes] of largestFirst) {
      if (this.total <= this.limitBytes) return;
      const reason = `${holder.peerName} holds ${bytes} bytes of an unfinished frame while unfinished frames of all connections reached ${total} bytes (limit ${this.limitBytes}); the largest holders are closed first`;
      holder.close(reason, new Error(reason));
      // Closing normally releases the share already; a holder that did not is dropped here.
      const left = this.held.get(holder);
      if (left !== undefined) {
        this.held.delete(holder);
        this.total -= left;
      }
    }
  }
}
