/**
 * RFC 3339 timestamps ⇄ nanoseconds since the Unix epoch (the XPC date value model).
 *
 * JS Date only has millisecond precision, so the calendar arithmetic is done here on integers
 * (days-from-civil / civil-from-days in the proleptic Gregorian calendar) and the nanoseconds
 * are kept in a bigint end to end.
 */
import { INT64_MAX, INT64_MIN } from './value';

export type Rfc3339Result = { ok: true; nanoseconds: bigint } | { ok: false; reason: string };

const NS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Accepts `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`: any offset, 1 to 9 fraction digits.
 * Leap seconds (:60) are rejected because a nanosecond count cannot name them.
 */
export function parseRfc3339(text: string): Rfc3339Result {
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, reason: `${JSON.stringify(text)} is not an RFC 3339 timestamp like 2026-11-22T20:56:41.123456789Z` };
  const [, ys, mos, ds, hs, mis, ss, fraction, zulu, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${mos} is out of range 01–12` };
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays) return { ok: false, reason: `day ${ds} is out of range 01–${monthDays} for ${ys}-${mos}` };
  if (hour > 23) return { ok: false, reason: `hour ${hs} is out of range 00–23` };
  if (minute > 59) return { ok: false, reason: `minute ${mis} is out of range 00–59` };
  if (second === 60) return { ok: false, reason: 'leap second :60 cannot be represented as nanoseconds since the epoch' };
  if (second > 59) return { ok: false, reason: `second ${ss} is out of range 00–59` };
  if (fraction !== undefined && fraction.length > 9) {
    return { ok: false, reason: `${fraction.length} fraction digits; dates have nanosecond precision (at most 9)` };
  }
  let offsetSeconds = 0;
  if (zulu === undefined) {
    const oh = Number(ohs);
    const om = Number(oms);
    if (oh > 23 || om > 59) return { ok: false, reason: `offset ${sign}${ohs}:${oms} is out of range` };
    offsetSeconds = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offsetSeconds;
  const fractionNs = fraction === undefined ? 0n : BigInt(fraction.padEnd(9, '0'));
  const nanoseconds = BigInt(seconds) * NS_PER_SECOND + fractionNs;
  if (nanoseconds < INT64_MIN || nanoseconds > INT64_MAX) {
    return { ok: false, reason: `${text} is outside the date range (1677-09-21T00:12:43.145224192Z … 2262-04-11T23:47:16.854775807Z)` };
  }
  return { ok: true, nanoseconds };
}

/** Canonical form: always UTC, always 9 fraction digits, e.g. 2026-11-22T20:56:41.123456789Z. */
export function formatRfc3339(nanoseconds: bigint): string {
  const f = utcFields(nanoseconds);
  return (
    `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}` +
    `.${f.fractionNs.toString().padStart(9, '0')}Z`
  );
}

/** The calendar fields of a nanosecond timestamp in UTC (used by the description printer too). */
export interface UtcFields {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number; // 1–31
  readonly weekday: number; // 0 = Sunday
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fractionNs: bigint;
}

export function utcFields(nanoseconds: bigint): UtcFields {
  const { days, secondOfDay, fractionNs } = splitNanoseconds(nanoseconds);
  const { year, month, day } = civilFromDays(days);
  // 1970-01-01 was a Thursday (4).
  const weekday = (((days + 4) % 7) + 7) % 7;
  return {
    year,
    month,
    day,
    weekday,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor((secondOfDay % 3600) / 60),
    second: secondOfDay % 60,
    fractionNs,
  };
}

function splitNanoseconds(nanoseconds: bigint): { days: number; secondOfDay: number; fractionNs: bigint } {
  let seconds = nanoseconds / NS_PER_SECOND;
  let fractionNs = nanoseconds % NS_PER_SECOND;
  if (fractionNs < 0n) {
    fractionNs += NS_PER_SECOND;
    seconds -= 1n;
  }
  const secondsNumber = Number(seconds); // |seconds| < 2^34: exact
  const days = Math.floor(secondsNumber / SECONDS_PER_DAY);
  return { days, secondOfDay: secondsNumber - days * SECONDS_PER_DAY, fractionNs };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
