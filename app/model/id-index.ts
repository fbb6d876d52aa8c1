/**
 * message id → absolute row, as an open-addressing hash table in two Float64Arrays (linear
 * probing, backward-shift deletion). A JS Map of a million numeric entries costs tens of MB of
 * heap and long rehash pauses as it grows; this table is allocated once and sized for the
 * rows the store can hold.
 */
const EMPTY = -1;

export class IdIndex {
  private keys: Float64Array;
  private values: Float64Array;
  private mask: number;
  private used = 0;

  constructor(expectedEntries: number) {
    // Load factor ≤ 0.5 keeps probe sequences short.
    let capacity = 16;
    while (capacity < expectedEntries * 2) capacity *= 2;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used;
  }

  get(key: number): number | undefined {
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) return this.values[i];
      if (k === EMPTY) return undefined;
    }
  }

  set(key: number, value: number): void {
    if (key < 0 || !Number.isFinite(key)) return;
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) {
        this.values[i] = value;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.values[i] = value;
        this.used++;
        return;
      }
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === EMPTY) return false;
      if (k === key) break;
    }
    // Backward-shift: move later entries of the same probe run into the hole.
    let hole = i;
    for (let j = (hole + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(keys[j]!);
      const distanceFromHome = (j - home) & mask;
      const distanceToHole = (j - hole) & mask;
      if (distanceFromHome >= distanceToHole) {
        keys[hole] = keys[j]!;
        this.values[hole] = this.values[j]!;
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.used--;
    return true;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.used = 0;
  }

  /** Ids are mostly consecutive integers; a multiplicative hash spreads them over the table. */
  private home(key: number): number {
    const low = key >>> 0;
    const high = Math.floor(key / 4294967296) >>> 0;
    return (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & this.mask;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Float64Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.used = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i]!, oldValues[i]!);
    }
  }
}
