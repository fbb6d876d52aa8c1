/**
 * Capture lines written straight into a byte buffer: the same bytes as
 * `Buffer.from(eventLine(event) + '\n')` (app/capture/format), without building the line as a
 * string first. The journal serializes every event of a session this way, so a busy session
 * makes no garbage per event. The plan (key order, member texts) is the string writer's own;
 * any event off the common path — a nested object, a null, a string array, a missing or
 * non-finite field — is written by the string writer, which also raises its exact errors.
 */
import type { WireEvent } from '../../app/bridge/contract';
import { eventLine, eventWritePlan, wireEventLine, Write } from '../../app/capture/format';
import type { InspectorEvent } from '../../app/events/schema';
import { xpcJsonTreeText } from '../../app/xpc/json';
import type { XpcValue } from '../../app/xpc/value';

/** Thrown (and caught below) when the buffer has no room left for the line. */
const FULL = -1;

/**
 * Writes the event's line and its newline at `offset`; returns the offset after it, or -1 when
 * `limit` would be passed (nothing useful was written then: the caller makes room and calls again).
 */
export function writeEventLine(target: Buffer, offset: number, limit: number, event: InspectorEvent | WireEvent, wire: boolean): number {
  const end = writeFast(target, offset, limit, event as unknown as Record<string, unknown>, wire);
  if (end !== SLOW) return end;
  const text = `${wire ? wireEventLine(event as WireEvent) : eventLine(event as InspectorEvent)}\n`;
  if (offset + text.length * 3 > limit && offset + Buffer.byteLength(text) > limit) return FULL;
  return offset + target.write(text, offset);
}

const SLOW = -2;

function writeFast(target: Buffer, offset: number, limit: number, event: Record<string, unknown>, wire: boolean): number {
  const kind = event['kind'];
  const plan = typeof kind === 'string' ? eventWritePlan(kind) : undefined;
  const seq = event['seq'];
  const t = event['t'];
  if (plan === undefined || !isCount(seq) || !isCount(t)) return SLOW;
  let at = ascii(target, offset, limit, '{"seq":');
  at = count(target, at, limit, seq);
  at = ascii(target, at, limit, ',"t":');
  at = count(target, at, limit, t);
  at = ascii(target, at, limit, plan.kindText);
  const fields = plan.fields;
  for (let i = 0; i < fields.length && at >= 0; i++) {
    const field = fields[i]!;
    const value = event[field.name];
    if (value === undefined) {
      if (!field.optional) return SLOW;
      continue;
    }
    switch (field.write) {
      case Write.Number:
        if (typeof value !== 'number' || value - value !== 0) return SLOW;
        at = ascii(target, at, limit, field.member);
        at = isCount(value) ? count(target, at, limit, value) : ascii(target, at, limit, `${value}`);
        break;
      case Write.Bool:
        if (typeof value !== 'boolean') return SLOW;
        at = ascii(target, at, limit, value ? field.whenTrue : field.whenFalse);
        break;
      case Write.Xpc:
        at = ascii(target, at, limit, field.member);
        at = text(target, at, limit, wire ? JSON.stringify(value) : xpcJsonTreeText(value as XpcValue));
        break;
      case Write.Json: {
        const member = field.members?.get(value);
        if (member !== undefined) at = ascii(target, at, limit, member);
        else if (typeof value === 'string') {
          at = ascii(target, at, limit, field.member);
          at = jsonString(target, at, limit, value);
        } else return SLOW;
        break;
      }
      default:
        return SLOW;
    }
  }
  if (at < 0 || at + 2 > limit) return FULL;
  target[at++] = 0x7d; // }
  target[at++] = 0x0a;
  return at;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 0xffffffffffff && Math.floor(value) === value;
}

/** A non-negative integer below 2^48, in decimal (as JS prints it). */
function count(target: Buffer, at: number, limit: number, value: number): number {
  if (at < 0) return at;
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  if (at + digits > limit) return FULL;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = Math.floor(rest / 10);
    target[i] = 48 + rest - next * 10;
    rest = next;
  }
  return at + digits;
}

/** Text known to be ASCII (member names, enum values, numbers). */
function ascii(target: Buffer, at: number, limit: number, text: string): number {
  if (at < 0) return at;
  const length = text.length;
  if (at + length > limit) return FULL;
  for (let i = 0; i < length; i++) target[at + i] = text.charCodeAt(i);
  return at + length;
}

/** JSON text: copied byte for byte while it is ASCII, UTF-8 encoded otherwise. */
function text(target: Buffer, at: number, limit: number, value: string): number {
  if (at < 0) return at;
  const length = value.length;
  if (at + length > limit) return FULL;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return encoded(target, at, limit, value);
    target[at + i] = c;
  }
  return at + length;
}

/** A string as JSON.stringify quotes it: printable ASCII without `"` or `\` is copied as is. */
function jsonString(target: Buffer, at: number, limit: number, value: string): number {
  if (at < 0) return at;
  const length = value.length;
  if (at + length + 2 > limit) return FULL;
  target[at] = 0x22;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return encoded(target, at, limit, JSON.stringify(value));
    target[at + 1 + i] = c;
  }
  target[at + 1 + length] = 0x22;
  return at + length + 2;
}

function encoded(target: Buffer, at: number, limit: number, value: string): number {
  if (at + value.length * 3 > limit && at + Buffer.byteLength(value) > limit) return FULL;
  return at + target.write(value, at);
}
