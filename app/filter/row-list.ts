/**
 * An ascending list of absolute row numbers in one growable Float64Array: what a filter
 * selected. Appends are amortised O(1), trimming the front is O(1), lookups are binary searches;
 * the rare insert or removal (a row that started or stopped matching) moves the tail.
 */
export class RowList {
  private data: Float64Array;
  private head = 0;
  private tail = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** The i-th selected row (0 = oldest). */
  at(i: number): number {
    return this.data[this.head + i]!;
  }

  /** The underlying rows as a view (valid until the next change). */
  view(): Float64Array {
    return this.data.subarray(this.head, this.tail);
  }

  push(row: number): void {
    if (this.tail === this.data.length) this.makeRoom(1);
    this.data[this.tail++] = row;
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
  }

  /** Index of the first element ≥ row (length when none). */
  lowerBound(row: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.data[mid]! < row) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  indexOf(row: number): number {
    const i = this.lowerBound(row);
    return i < this.length && this.at(i) === row ? i : -1;
  }

  /** Adds `row` in order; false when it was already there. */
  insert(row: number): boolean {
    const i = this.lowerBound(row);
    if (i < this.length && this.at(i) === row) return false;
    if (i === this.length) {
      this.push(row);
      return true;
    }
    if (this.tail === this.data.length) this.makeRoom(1);
    const at = this.head + i;
    this.data.copyWithin(at + 1, at, this.tail);
    this.data[at] = row;
    this.tail++;
    return true;
  }

  /** Removes `row`; false when it was not there. */
  remove(row: number): boolean {
    const i = this.indexOf(row);
    if (i < 0) return false;
    const at = this.head + i;
    this.data.copyWithin(at, at + 1, this.tail);
    this.tail--;
    return true;
  }

  /** Drops every row below `row` (rows that left the store). Returns how many were dropped. */
  trimBefore(row: number): number {
    const i = this.lowerBound(row);
    this.head += i;
    if (this.head === this.tail) this.clear();
    return i;
  }

  private makeRoom(extra: number): void {
    const length = this.length;
    // Reclaim the trimmed front first; grow only when the list is genuinely full.
    if (this.head > 0 && this.head >= this.data.length / 2) {
      this.data.copyWithin(0, this.head, this.tail);
    } else {
      const grown = new Float64Array(Math.max(this.data.length * 2, length + extra));
      grown.set(this.data.subarray(this.head, this.tail));
      this.data = grown;
    }
    this.head = 0;
    this.tail = length;
  }
}
