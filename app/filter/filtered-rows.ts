/**
 * The rows a filter selects, kept up to date incrementally as the model grows: new rows are
 * tested once, rows that left the store are trimmed, and rows the model changed after the
 * fact (a reply arrived, a request failed) are re-tested, so `is:unanswered` drops a request the
 * moment its reply comes in.
 */
import type { Mutations } from '../model/inspector-model';
import type { FilterContext, SlotPredicate } from './compile';
import type { CompiledFilter } from './filter';
import { RowList } from './row-list';

export class FilteredRows {
  readonly rows = new RowList();
  private predicate: SlotPredicate;
  /** The next absolute row not yet tested. */
  private scanned: number;

  constructor(
    private readonly context: FilterContext,
    private filterValue: CompiledFilter,
  ) {
    this.predicate = filterValue.bind(context);
    this.scanned = context.rows.first;
    this.catchUp();
  }

  get filter(): CompiledFilter {
    return this.filterValue;
  }

  /** Replaces the filter and re-tests every held row. */
  setFilter(filter: CompiledFilter): void {
    this.filterValue = filter;
    this.predicate = filter.bind(this.context);
    this.rows.clear();
    this.scanned = this.context.rows.first;
    this.catchUp();
  }

  /**
   * Brings the selection up to date with the store: trims rows that left it, re-tests changed
   * rows, tests new ones. Returns true when the selection changed.
   */
  update(mutations?: Mutations): boolean {
    const store = this.context.rows;
    const before = this.rows.length;
    let changed = false;
    if (mutations?.overflow) {
      this.rows.clear();
      this.scanned = store.first;
      changed = true;
    } else if (mutations !== undefined && mutations.rows.length > 0) {
      // Rebinding picks up names that changed since (process names, services seen later).
      this.predicate = this.filterValue.bind(this.context);
      for (const row of mutations.rows) {
        if (row >= this.scanned || !store.has(row)) continue;
        const matches = this.predicate(store.slot(row));
        changed = (matches ? this.rows.insert(row) : this.rows.remove(row)) || changed;
      }
    }
    if (this.rows.trimBefore(store.first) > 0) changed = true;
    if (this.scanned < store.first) this.scanned = store.first;
    const appended = this.catchUp();
    return changed || appended > 0 || this.rows.length !== before;
  }

  /** Tests every row not tested yet; returns how many matched. */
  private catchUp(): number {
    const store = this.context.rows;
    const end = store.end;
    const predicate = this.predicate;
    const capacity = store.capacity;
    const list = this.rows;
    let matched = 0;
    let slot = this.scanned % capacity;
    for (let row = this.scanned; row < end; row++) {
      if (predicate(slot)) {
        list.push(row);
        matched++;
      }
      if (++slot === capacity) slot = 0;
    }
    this.scanned = end;
    return matched;
  }
}
