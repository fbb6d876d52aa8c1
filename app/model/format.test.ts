import { expect, test } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatSessionTime } from './format';

test('durations pick the unit that keeps three significant digits', () => {
  expect(formatDuration(850)).toBe('850 ns');
  expect(formatDuration(12_345)).toBe('12.3 µs');
  expect(formatDuration(4_560_000)).toBe('4.56 ms');
  expect(formatDuration(1_000_000_000)).toBe('1 s');
  expect(formatDuration(125_000_000_000)).toBe('2m 05s');
  expect(formatDuration(-1)).toBe('—');
});

test('sizes, counts and session times', () => {
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatCount(1234567)).toBe('1,234,567');
  expect(formatSessionTime(12_345_678_901)).toBe('12.345679');
  expect(formatSessionTime(0)).toBe('0.000000');
});
