import { expect, test } from 'vitest';
import fc from 'fast-check';
import { IdIndex } from './id-index';

test('behaves like a Map under any sequence of sets and deletes, including growth and probe-run deletes', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 300 }), value: fc.integer() }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 300 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const index = new IdIndex(4);
      const reference = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          index.set(o.key, o.value);
          reference.set(o.key, o.value);
        } else {
          expect(index.delete(o.key)).toBe(reference.delete(o.key));
        }
      }
      expect(index.size).toBe(reference.size);
      for (let key = 0; key <= 300; key++) expect(index.get(key)).toBe(reference.get(key));
    }),
  );
});

test('holds ids beyond 2^32 apart from their low bits', () => {
  const index = new IdIndex(16);
  index.set(5, 1);
  index.set(5 + 2 ** 32, 2);
  expect(index.get(5)).toBe(1);
  expect(index.get(5 + 2 ** 32)).toBe(2);
});
