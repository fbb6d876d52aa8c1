/**
 * Orders the selected timeline rows by a column. Keys are pulled out of the columns once, then
 * an index permutation is sorted, with the row number breaking ties so the order is stable.
 */
import { NONE, type InspectorModel } from '../../../app/model';
import { serviceName } from './row-facts';

export type SortKey = 'seq' | 'from' | 'to' | 'service' | 'kind' | 'conn' | 'msg' | 'summary' | 'size' | 'latency' | 'tx' | 'handler';

export function sortRows(model: InspectorModel, rows: Float64Array, key: SortKey, descending: boolean): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n);
  if (key === 'seq') {
    for (let i = 0; i < n; i++) out[i] = descending ? rows[n - 1 - i]! : rows[i]!;
    return out;
  }
  const store = model.rows;
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  const sign = descending ? -1 : 1;
  const numeric = numericColumn(model, key);
  if (numeric !== undefined) {
    // Rows without a value (-1) go last in either direction.
    const missing = descending ? -Infinity : Infinity;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = numeric[store.slot(rows[i]!)]!;
      keys[i] = value === NONE ? missing : value;
    }
    index.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      return x === y ? a - b : x < y ? -sign : sign;
    });
  } else {
    const keys: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) keys[i] = stringKey(model, store.slot(rows[i]!), key);
    index.sort((a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      return x < y ? -sign : x > y ? sign : a - b;
    });
  }
  for (let i = 0; i < n; i++) out[i] = rows[index[i]!]!;
  return out;
}

function numericColumn(model: InspectorModel, key: SortKey): ArrayLike<number> | undefined {
  const rows = model.rows;
  switch (key) {
    case 'kind':
      return rows.kind;
    case 'conn':
      return rows.connection;
    case 'msg':
      return rows.message;
    case 'size':
      return rows.size;
    case 'latency':
      return rows.latency;
    case 'tx':
      return rows.tx;
    case 'handler':
      return rows.handlerNs;
    default:
      return undefined;
  }
}

function stringKey(model: InspectorModel, slot: number, key: SortKey): string {
  switch (key) {
    case 'from':
      return model.processName(model.rows.fromPid[slot]!).toLowerCase();
    case 'to':
      return model.processName(model.rows.toPid[slot]!).toLowerCase();
    case 'service':
      return serviceName(model, slot);
    default:
      return model.rows.summary[slot]!;
  }
}
