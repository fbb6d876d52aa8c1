import { expect, test } from 'vitest';
import fc from 'fast-check';
import { RowList } from './row-list';

test('stays sorted and equal to a reference set under pushes, inserts, removes and front trims', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), gap: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('insert' as const), row: fc.integer({ min: 0, max: 400 }) }),
    fc.record({ kind: fc.constant('remove' as const), row: fc.integer({ min: 0, max: 400 }) }),
    fc.record({ kind: fc.constant('trim' as const), row: fc.integer({ min: 0, max: 400 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const list = new RowList(16);
      let reference: number[] = [];
      for (const o of ops) {
        switch (o.kind) {
          case 'push': {
            const row = (reference.at(-1) ?? -1) + o.gap;
            list.push(row);
            reference.push(row);
            break;
          }
          case 'insert':
            expect(list.insert(o.row)).toBe(!reference.includes(o.row));
            if (!reference.includes(o.row)) reference = [...reference, o.row].sort((a, b) => a - b);
            break;
          case 'remove':
            expect(list.remove(o.row)).toBe(reference.includes(o.row));
            reference = reference.filter((r) => r !== o.row);
            break;
          case 'trim':
            expect(list.trimBefore(o.row)).toBe(reference.filter((r) => r < o.row).length);
            reference = reference.filter((r) => r >= o.row);
            break;
        }
      }
      expect(Array.from(list.view())).toEqual(reference);
      for (const row of reference) expect(list.at(list.indexOf(row))).toBe(row);
    }),
  );
});
