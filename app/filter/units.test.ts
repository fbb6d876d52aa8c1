import { expect, test } from 'vitest';
import { parseDuration, parseSize } from './units';

test('durations convert every unit to nanoseconds, fractions included', () => {
  expect(parseDuration('800ns')).toEqual({ ok: true, value: 800 });
  expect(parseDuration('250us')).toEqual({ ok: true, value: 250_000 });
  expect(parseDuration('250µs')).toEqual({ ok: true, value: 250_000 });
  expect(parseDuration('5ms')).toEqual({ ok: true, value: 5_000_000 });
  expect(parseDuration('1.5s')).toEqual({ ok: true, value: 1_500_000_000 });
  expect(parseDuration('.5MS')).toEqual({ ok: true, value: 500_000 });
});

test('a duration needs a number and a known unit', () => {
  expect(parseDuration('5').ok).toBe(false);
  expect(parseDuration('ms').ok).toBe(false);
  expect(parseDuration('5 ms').ok).toBe(false);
  expect(parseDuration('5d').ok).toBe(false);
});

test('sizes are bytes by default and take binary units', () => {
  expect(parseSize('512')).toEqual({ ok: true, value: 512 });
  expect(parseSize('4kb')).toEqual({ ok: true, value: 4096 });
  expect(parseSize('1.5MiB')).toEqual({ ok: true, value: 1_572_864 });
  expect(parseSize('4x').ok).toBe(false);
});
