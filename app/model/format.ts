/**
 * Short human forms of the quantities the inspector shows: durations (the schema keeps ns),
 * byte sizes and session-relative times.
 */

/** 850 ns, 12.3 µs, 4.56 ms, 1.23 s, 2m 05s. Negative or non-finite input gives '—'. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns) || ns < 0) return '—';
  if (ns < 1_000) return `${Math.round(ns)} ns`;
  if (ns < 1_000_000) return `${threeDigits(ns / 1_000)} µs`;
  if (ns < 1_000_000_000) return `${threeDigits(ns / 1_000_000)} ms`;
  const seconds = ns / 1_000_000_000;
  if (seconds < 60) return `${threeDigits(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds - minutes * 60);
  if (minutes < 60) return `${minutes}m ${String(rest).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes - hours * 60).padStart(2, '0')}m`;
}

/** Three significant digits, without trailing noise: 1.23, 12.3, 123. */
function threeDigits(value: number): string {
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return trimZeros(value.toFixed(1));
  return trimZeros(value.toFixed(2));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 512 B, 1.5 KiB, 3.2 MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${threeDigits(bytes / 1024)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${threeDigits(bytes / (1024 * 1024))} MiB`;
  return `${threeDigits(bytes / (1024 * 1024 * 1024))} GiB`;
}

/** Session-relative seconds with microsecond precision: 12.345678. */
export function formatSessionTime(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  const negative = ns < 0;
  const us = Math.round(Math.abs(ns) / 1_000);
  const seconds = Math.floor(us / 1_000_000);
  const fraction = String(us - seconds * 1_000_000).padStart(6, '0');
  return `${negative ? '-' : ''}${seconds}.${fraction}`;
}

/** Wall-clock time of day (local) with milliseconds for a session-relative time. */
export function formatWallTime(ns: number, startedAtWallMs: number): string {
  const date = new Date(startedAtWallMs + ns / 1_000_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** 1,234,567 (grouping with thin commas, independent of the host locale). */
export function formatCount(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
