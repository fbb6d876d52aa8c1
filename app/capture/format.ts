/**
 * The capture file format (docs/capture-format.md): NDJSON, one JSON document per line.
 *
 *   line 1      the header  {"format":"xpc-inspector-capture","version":1,"startedAtWallMs":…,"source":{…},"createdBy":"…"}
 *   lines 2…    one event each: {"seq":…,"t":…,"kind":"…", then the kind's fields in app/capture/event-fields order}
 *   last line   optional end line {"end":{"events":N,"lastSeq":S}}, written when the capture was closed cleanly
 *
 * Events are WireEvents: InspectorEvents whose XPC `value` is an XPC-JSON tree (app/xpc/json).
 * Writing is deterministic (fixed key order, canonical numbers and strings), so a capture that
 * is read and written again comes out byte-identical.
 */
import type { WireEvent } from '../events/wire-event';
import type { EventKind, InspectorEvent } from '../events/schema';
import { fromXpcJson, isXpcJsonTree, toXpcJson, xpcJsonTreeText, XpcJsonError } from '../xpc/json';
import type { XpcValue } from '../xpc/value';
import { EVENT_FIELDS, fieldsOf, type FieldSpec, type FieldTable } from './event-fields';

export const CAPTURE_FORMAT = 'xpc-inspector-capture';
export const CAPTURE_VERSION = 1;
export const CAPTURE_CREATED_BY = 'xpc-inspector 0.1.0';

/** Where the events of a capture came from. */
export interface CaptureSource {
  /** 'broker': the embedded runtime; 'probe': the native macOS probe; 'description-import': text pasted from lldb or logs. */
  readonly kind: string;
  readonly jobsDir?: string;
  readonly socketPath?: string;
  readonly hostname?: string;
  /** The process that wrote the capture (lets a later start tell a live journal from an interrupted one). */
  readonly pid?: number;
  /** The file the events were read from, for imports. */
  readonly file?: string;
}

export interface CaptureHeader {
  readonly format: typeof CAPTURE_FORMAT;
  readonly version: number;
  /** Wall-clock time (ms since the epoch) of the session start; event `t` values are relative to it. */
  readonly startedAtWallMs: number;
  readonly source: CaptureSource;
  readonly createdBy: string;
}

/** The end line: present only when the writer closed the capture cleanly. */
export interface CaptureEnd {
  readonly events: number;
  /** Seq of the last event (0 for an empty capture). */
  readonly lastSeq: number;
}

/** One rejected line. `message` does not repeat the line number; `toString` style is `line N: message`. */
export interface CaptureLineError {
  readonly line: number;
  readonly message: string;
}

export function formatLineError(error: CaptureLineError): string {
  return `line ${error.line}: ${error.message}`;
}

export function createCaptureHeader(startedAtWallMs: number, source: CaptureSource): CaptureHeader {
  return { format: CAPTURE_FORMAT, version: CAPTURE_VERSION, startedAtWallMs, source, createdBy: CAPTURE_CREATED_BY };
}

// ---- writing ----------------------------------------------------------------------------------------

/** Thrown when an event handed to the writer cannot be written (a programming error upstream). */
export class CaptureWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureWriteError';
  }
}

const SOURCE_FIELDS: FieldTable = {
  kind: { type: 'string' },
  jobsDir: { type: 'string', optional: true },
  socketPath: { type: 'string', optional: true },
  hostname: { type: 'string', optional: true },
  pid: { type: 'uint', optional: true },
  file: { type: 'string', optional: true },
};

const HEADER_FIELDS: FieldTable = {
  format: { type: 'string' },
  version: { type: 'uint' },
  startedAtWallMs: { type: 'number' },
  source: { type: 'object', fields: SOURCE_FIELDS },
  createdBy: { type: 'string' },
};

/** The header line (without the newline). */
export function headerLine(header: CaptureHeader): string {
  return writeHeader(header);
}

/** The end line (without the newline). */
export function endLine(end: CaptureEnd): string {
  checkNumber(end.events, 'end', 'events');
  checkNumber(end.lastSeq, 'end', 'lastSeq');
  return `{"end":{"events":${end.events},"lastSeq":${end.lastSeq}}}`;
}

/** One event as a capture line (without the newline); its value must already be an XPC-JSON tree. */
export function wireEventLine(event: WireEvent): string {
  return writeEvent(event as unknown as Record<string, unknown>, false);
}

/** One live event as a capture line (without the newline); its XpcValue is written as XPC-JSON. */
export function eventLine(event: InspectorEvent): string {
  return writeEvent(event as unknown as Record<string, unknown>, true);
}

/** The event as it travels on the bridge and in capture files: the XpcValue replaced by its XPC-JSON tree. */
export function toWireEvent(event: InspectorEvent): WireEvent {
  if (event.kind !== 'message-sent' || event.value === undefined) return event as WireEvent;
  return { ...event, value: toXpcJson(event.value) };
}

/** The inverse of toWireEvent. Throws XpcJsonError when the tree is not valid XPC-JSON. */
export function fromWireEvent(event: WireEvent): InspectorEvent {
  if (event.kind !== 'message-sent' || event.value === undefined) return event as InspectorEvent;
  return { ...event, value: fromXpcJson(event.value, '$') };
}

/**
 * The writer walks a per-kind plan (the field table as an array, each key's `"name":` text
 * computed once) and concatenates the line: numbers and booleans as JS prints them, strings and
 * string arrays through JSON.stringify, the XPC value as its canonical tree. Key order is the
 * plan's, whatever order the event object was built in.
 */
export const enum Write {
  Number,
  Bool,
  Json,
  Object,
  Xpc,
}
interface PlannedField {
  readonly name: string;
  /** `"name":` */
  readonly key: string;
  readonly write: Write;
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly nested?: readonly PlannedField[];
}

function plan(table: FieldTable): PlannedField[] {
  return Object.entries(table).map(([name, spec]) => ({
    name,
    key: `${JSON.stringify(name)}:`,
    write:
      spec.type === 'int' || spec.type === 'uint' || spec.type === 'number'
        ? Write.Number
        : spec.type === 'bool'
          ? Write.Bool
          : spec.type === 'object'
            ? Write.Object
            : spec.type === 'xpc'
              ? Write.Xpc
              : Write.Json,
    optional: spec.optional === true,
    nullable: spec.nullable === true,
    ...(spec.type === 'object' ? { nested: plan(spec.fields) } : {}),
  }));
}

const HEADER_PLAN = plan(HEADER_FIELDS);

/**
 * A field of an event as the event writer sees it: the whole member text precomputed where it
 * can be (`,"name":` for every field, `,"name":true` and `,"name":false` for booleans, every
 * `,"name":"value"` of an enumeration), so writing a line mostly appends ready-made strings.
 */
export interface EventField {
  readonly name: string;
  /** `,"name":` */
  readonly member: string;
  readonly write: Write;
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly nested?: readonly PlannedField[];
  readonly whenTrue: string;
  readonly whenFalse: string;
  readonly members?: ReadonlyMap<unknown, string>;
}

function eventFields(table: FieldTable): EventField[] {
  return plan(table)
    .filter((field) => field.name !== 'seq' && field.name !== 't')
    .map((field) => {
      const spec = table[field.name]!;
      const member = `,${field.key}`;
      return {
        ...field,
        member,
        whenTrue: `${member}true`,
        whenFalse: `${member}false`,
        ...(spec.type === 'enum' ? { members: new Map(spec.values.map((value) => [value, `${member}${JSON.stringify(value)}`])) } : {}),
      };
    });
}

/** Per kind: the text `,"kind":"…"` and the fields after seq and t. */
const EVENT_PLANS: ReadonlyMap<string, { readonly kindText: string; readonly fields: readonly EventField[] }> = new Map(
  (Object.keys(EVENT_FIELDS) as EventKind[]).map((kind) => [kind, { kindText: `,"kind":${JSON.stringify(kind)}`, fields: eventFields(fieldsOf(kind)) }]),
);

/** How the writer writes one kind (for writers of bytes that must match eventLine exactly). */
export function eventWritePlan(kind: string): { readonly kindText: string; readonly fields: readonly EventField[] } | undefined {
  return EVENT_PLANS.get(kind);
}

function writeEvent(event: Record<string, unknown>, liveValues: boolean): string {
  const kind = event['kind'];
  const planned = typeof kind === 'string' ? EVENT_PLANS.get(kind) : undefined;
  if (!planned) throw new CaptureWriteError(`cannot write event seq ${String(event['seq'])}: unknown kind ${JSON.stringify(kind)}`);
  const seq = event['seq'];
  const t = event['t'];
  if (typeof seq !== 'number' || seq - seq !== 0) checkNumber(seq, `event (${kind})`, 'seq');
  if (typeof t !== 'number' || t - t !== 0) checkNumber(t, `event seq ${String(seq)} (${kind})`, 't');
  let out = `{"seq":${seq as number},"t":${t as number}${planned.kindText}`;
  const fields = planned.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = event[field.name];
    if (value === undefined) {
      if (!field.optional) throw new CaptureWriteError(`cannot write ${describeWhere(event, kind as string)}: field "${field.name}" is missing`);
      continue;
    }
    if (value === null && field.nullable) {
      out += `${field.member}null`;
      continue;
    }
    switch (field.write) {
      case Write.Number:
        // JSON has no NaN or Infinity; a non-number here would change the field's type.
        if (typeof value !== 'number' || value - value !== 0) checkNumber(value, describeWhere(event, kind as string), field.name);
        out += field.member + (value as number);
        break;
      case Write.Bool:
        out += value === true ? field.whenTrue : field.whenFalse;
        break;
      case Write.Object:
        out += `${field.member}{${writeFields(value as Record<string, unknown>, field.nested!, liveValues, `${kind as string}.${field.name}`, false)}}`;
        break;
      case Write.Xpc:
        out += field.member + (liveValues ? xpcJsonTreeText(value as XpcValue) : JSON.stringify(value));
        break;
      default:
        out += field.members?.get(value) ?? field.member + JSON.stringify(value);
    }
  }
  return `${out}}`;
}

/** The members of an object after the first `,` (or `{` when `continued` is false), in plan order. */
function writeFields(source: Record<string, unknown>, fields: readonly PlannedField[], liveValues: boolean, where: string, continued: boolean): string {
  let out = '';
  let first = !continued;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = source[field.name];
    if (value === undefined) {
      if (!field.optional) throw new CaptureWriteError(`cannot write ${describeWhere(source, where)}: field "${field.name}" is missing`);
      continue;
    }
    let text: string;
    if (value === null && field.nullable) text = 'null';
    else {
      switch (field.write) {
        case Write.Number:
          // JSON has no NaN or Infinity; a non-number here would change the field's type.
          if (typeof value !== 'number' || value - value !== 0) checkNumber(value, describeWhere(source, where), field.name);
          text = `${value as number}`;
          break;
        case Write.Bool:
          text = value === true ? 'true' : 'false';
          break;
        case Write.Object:
          text = `{${writeFields(value as Record<string, unknown>, field.nested!, liveValues, `${where}.${field.name}`, false)}}`;
          break;
        case Write.Xpc:
          text = liveValues ? xpcJsonTreeText(value as XpcValue) : JSON.stringify(value);
          break;
        default:
          text = JSON.stringify(value);
      }
    }
    out += (first ? '' : ',') + field.key + text;
    first = false;
  }
  return out;
}

/** The header line (without the newline). */
function writeHeader(header: CaptureHeader): string {
  return `{${writeFields(header as unknown as Record<string, unknown>, HEADER_PLAN, false, 'header', false)}}`;
}

function describeWhere(source: Record<string, unknown>, where: string): string {
  return source['seq'] !== undefined ? `event seq ${String(source['seq'])} (${where})` : where;
}

function checkNumber(value: unknown, where: string, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CaptureWriteError(`cannot write ${where}: field "${field}" must be a finite number, got ${describeJson(value)}`);
  }
}

// ---- reading ----------------------------------------------------------------------------------------

export type HeaderResult = { ok: true; header: CaptureHeader } | { ok: false; message: string };

/** Parses and checks the first line of a capture. */
export function parseHeaderLine(text: string): HeaderResult {
  const line = stripCr(text);
  const fail = (message: string): HeaderResult => ({ ok: false, message });
  if (line.trim() === '') return fail('not an XPC Inspector capture: the first line is empty; a capture starts with its header line');
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return fail(`not an XPC Inspector capture: the first line is not JSON (it starts ${JSON.stringify(line.slice(0, 40))}); a capture starts with {"format":"${CAPTURE_FORMAT}",…}`);
  }
  if (!isRecord(parsed)) return fail(`not an XPC Inspector capture: the first line is ${describeJson(parsed)}, expected the header object {"format":"${CAPTURE_FORMAT}",…}`);
  if (parsed['format'] !== CAPTURE_FORMAT) {
    return fail(
      parsed['format'] === undefined
        ? `not an XPC Inspector capture: the first line has no "format" field (expected "${CAPTURE_FORMAT}")`
        : `not an XPC Inspector capture: format is ${describeJson(parsed['format'])}, expected "${CAPTURE_FORMAT}"`,
    );
  }
  const version = parsed['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    return fail(`capture header: field "version" must be a positive integer, got ${describeJson(version)}`);
  }
  if (version > CAPTURE_VERSION) {
    return fail(`capture format version ${version} is newer than this XPC Inspector reads (version ${CAPTURE_VERSION}); update XPC Inspector to open it`);
  }
  for (const field of ['startedAtWallMs', 'createdBy'] as const) {
    const reason = checkValue(parsed[field], HEADER_FIELDS[field]!, field, false);
    if (reason !== undefined) return fail(`capture header: ${reason}`);
  }
  const source = parsed['source'];
  if (!isRecord(source)) return fail(`capture header: field "source" must be an object, got ${describeJson(source)}`);
  // Unknown source fields are tolerated (and not kept): they only describe, never change meaning.
  const known: Record<string, unknown> = {};
  for (const field in SOURCE_FIELDS) {
    const reason = checkValue(source[field], SOURCE_FIELDS[field]!, `source.${field}`, false);
    if (reason !== undefined) return fail(`capture header: ${reason}`);
    if (source[field] !== undefined) known[field] = source[field];
  }
  return {
    ok: true,
    header: {
      format: CAPTURE_FORMAT,
      version,
      startedAtWallMs: parsed['startedAtWallMs'] as number,
      source: known as unknown as CaptureSource,
      createdBy: parsed['createdBy'] as string,
    },
  };
}

export type EventResult = { ok: true; event: WireEvent } | { ok: false; message: string };

export interface ParseEventOptions {
  /** Check that `value` trees are valid XPC-JSON (default true). */
  readonly validateValues?: boolean;
}

/** Parses and validates one event line; the message says which kind and field was wrong. */
export function parseEventLine(text: string, options?: ParseEventOptions): EventResult {
  return parseEventWith(text, options?.validateValues ?? true, undefined);
}

function parseEventWith(text: string, validateValues: boolean, interner: StringInterner | undefined): EventResult {
  // JSON.parse spends microseconds building its error: a file of junk lines must not cost that per line.
  const first = text.charCodeAt(0);
  if (first !== 0x7b && first !== 0x20 && first !== 0x09) return { ok: false, message: 'not valid JSON (a capture line is one JSON object, starting with "{")' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  return validateEventWith(parsed, validateValues, interner);
}

/** Validates a parsed event object: kind known, every required field present with the right type, no unknown field. */
export function validateEvent(parsed: unknown, options?: ParseEventOptions): EventResult {
  return validateEventWith(parsed, options?.validateValues ?? true, undefined);
}

function validateEventWith(parsed: unknown, validateValues: boolean, interner: StringInterner | undefined): EventResult {
  if (isRecord(parsed)) {
    const kind = parsed['kind'];
    const check = typeof kind === 'string' ? KIND_CHECKS.get(kind) : undefined;
    if (check !== undefined && fastCheck(parsed, check, validateValues, interner)) {
      parsed['kind'] = check.kind;
      return { ok: true, event: parsed as unknown as WireEvent };
    }
  }
  return explainEvent(parsed, validateValues);
}

/**
 * The check of a good line: one pass over the keys the line has (in its own order), each looked
 * up in its kind's table and tested by its precompiled check, XPC values by the non-allocating
 * tree check. Enumerations are replaced by the table's own strings and names that repeat (service,
 * job, reasons) by the first copy seen, so a million imported events share them. Any doubt
 * returns false, and explainEvent then walks the table for the exact reason.
 */
function fastCheck(parsed: Record<string, unknown>, check: KindCheck, validateValues: boolean, interner: StringInterner | undefined): boolean {
  let required = 0;
  for (const key in parsed) {
    if (key === 'kind') continue;
    const field = check.byName.get(key);
    if (field === undefined) return false;
    const value = parsed[key];
    if (!field.quick(value)) return false;
    switch (field.store) {
      case Store.Xpc:
        if (validateValues && !isXpcJsonTree(value)) return false;
        break;
      case Store.Enum:
        parsed[key] = field.values![field.values!.indexOf(value as string | number)];
        break;
      case Store.Intern:
        if (interner !== undefined && typeof value === 'string') parsed[key] = interner.get(value);
        break;
    }
    if (field.required) required++;
  }
  return required === check.required;
}

/** Why an event object is not valid, checked in table order (or ok when it is). */
function explainEvent(parsed: unknown, validateValues: boolean): EventResult {
  if (!isRecord(parsed)) return { ok: false, message: `expected an event object {"seq":…,"t":…,"kind":…}, got ${describeJson(parsed)}` };
  const kind = parsed['kind'];
  if (kind === undefined) return { ok: false, message: 'event has no "kind" field' };
  const fields = typeof kind === 'string' ? CHECKS.get(kind) : undefined;
  if (!fields) return { ok: false, message: `unknown event kind ${describeJson(kind)}` };
  let present = 1; // kind
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = parsed[field.name];
    if (value === undefined) {
      if (!field.spec.optional) return { ok: false, message: `event kind "${kind}": missing field "${field.name}"` };
      continue;
    }
    present++;
    // The quick test says yes or no; only a no pays for the reason.
    if (field.quick(value) && (field.spec.type !== 'xpc' || !validateValues || checkValue(value, field.spec, field.name, true) === undefined)) continue;
    const reason = checkValue(value, field.spec, field.name, validateValues);
    if (reason !== undefined) return { ok: false, message: `event kind "${kind}": ${reason}` };
  }
  let keys = 0;
  for (const key in parsed) if (key !== undefined) keys++;
  if (keys !== present) {
    const unknown = Object.keys(parsed).find((key) => key !== 'kind' && !fields.some((f) => f.name === key));
    return { ok: false, message: `event kind "${kind}": unknown field ${JSON.stringify(unknown)}` };
  }
  return { ok: true, event: parsed as unknown as WireEvent };
}

/**
 * Strings that repeat across a capture (service and job names, reasons), kept once: the first
 * copy seen stands for every later equal one. Bounded, so a capture of unique strings costs a
 * fixed table, not a growing one.
 */
export class StringInterner {
  private readonly table = new Map<string, string>();
  constructor(
    private readonly maxEntries = 4096,
    private readonly maxLength = 96,
  ) {}

  get(text: string): string {
    if (text.length > this.maxLength) return text;
    const known = this.table.get(text);
    if (known !== undefined) return known;
    if (this.table.size < this.maxEntries) this.table.set(text, text);
    return text;
  }
}

/** Fields whose strings repeat from event to event. */
const INTERNED_FIELDS: ReadonlySet<string> = new Set(['service', 'job', 'reason', 'error', 'signal']);

const enum Store {
  Plain,
  Xpc,
  Enum,
  Intern,
}

interface FastField {
  readonly required: boolean;
  readonly quick: (value: unknown) => boolean;
  readonly store: Store;
  readonly values?: readonly (string | number)[];
}

interface KindCheck {
  /** The kind, as the table spells it. */
  readonly kind: string;
  readonly byName: ReadonlyMap<string, FastField>;
  /** How many fields are required (seq and t included). */
  readonly required: number;
}

interface CheckedField {
  readonly name: string;
  readonly spec: FieldSpec;
  /** True when the value fits (XPC values are checked separately). */
  readonly quick: (value: unknown) => boolean;
}

function quickCheck(spec: FieldSpec): (value: unknown) => boolean {
  const base = ((): ((value: unknown) => boolean) => {
    switch (spec.type) {
      case 'int':
        return (v) => typeof v === 'number' && Number.isSafeInteger(v);
      case 'uint':
        return (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
      case 'number':
        return (v) => typeof v === 'number' && v - v === 0;
      case 'string':
        return (v) => typeof v === 'string';
      case 'bool':
        return (v) => typeof v === 'boolean';
      case 'enum': {
        const values = spec.values as readonly unknown[];
        return (v) => values.includes(v);
      }
      case 'strings':
        return (v) => Array.isArray(v) && v.every((item) => typeof item === 'string');
      case 'object': {
        const nested = Object.entries(spec.fields).map(([name, fieldSpec]) => ({ name, optional: fieldSpec.optional === true, quick: quickCheck(fieldSpec) }));
        return (v) => {
          if (!isRecord(v)) return false;
          let present = 0;
          for (const field of nested) {
            const item = v[field.name];
            if (item === undefined) {
              if (!field.optional) return false;
              continue;
            }
            present++;
            if (!field.quick(item)) return false;
          }
          return Object.keys(v).length === present;
        };
      }
      case 'xpc':
        return () => true;
    }
  })();
  return spec.nullable ? (v) => v === null || base(v) : base;
}

/** Per kind, its fields with their quick checks. */
const CHECKS: ReadonlyMap<string, readonly CheckedField[]> = new Map(
  (Object.keys(EVENT_FIELDS) as EventKind[]).map((kind) => [
    kind,
    Object.entries(fieldsOf(kind)).map(([name, spec]) => ({ name, spec, quick: quickCheck(spec) })),
  ]),
);

const KIND_CHECKS: ReadonlyMap<string, KindCheck> = new Map(
  (Object.keys(EVENT_FIELDS) as EventKind[]).map((kind) => {
    const fields = CHECKS.get(kind)!;
    const byName = new Map<string, FastField>(
      fields.map((field) => {
        const spec = field.spec;
        const store =
          spec.type === 'xpc' ? Store.Xpc : spec.type === 'enum' && !spec.nullable ? Store.Enum : spec.type === 'string' && INTERNED_FIELDS.has(field.name) ? Store.Intern : Store.Plain;
        return [field.name, { required: spec.optional !== true, quick: field.quick, store, ...(spec.type === 'enum' ? { values: spec.values } : {}) }];
      }),
    );
    return [kind, { kind, byName, required: fields.filter((field) => field.spec.optional !== true).length }];
  }),
);

export type EndResult = { ok: true; end: CaptureEnd } | { ok: false; message: string };

/** True when the line is an end line (it may still be malformed; parseEndLine says). */
export function isEndLine(text: string): boolean {
  return text.startsWith('{"end":');
}

export function parseEndLine(text: string): EndResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `end line is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const end = isRecord(parsed) ? parsed['end'] : undefined;
  if (!isRecord(end)) return { ok: false, message: 'end line must be {"end":{"events":N,"lastSeq":S}}' };
  for (const field of ['events', 'lastSeq'] as const) {
    const reason = checkValue(end[field], { type: 'uint' }, `end.${field}`, false);
    if (reason !== undefined) return { ok: false, message: `end line: ${reason}` };
  }
  return { ok: true, end: { events: end['events'] as number, lastSeq: end['lastSeq'] as number } };
}

/** Returns why `value` does not fit `spec`, or undefined when it does. `path` names the field. */
function checkValue(value: unknown, spec: FieldSpec, path: string, validateValues: boolean): string | undefined {
  if (value === undefined) return spec.optional ? undefined : `missing field "${path}"`;
  // (An XPC-JSON tree may itself be null: the XPC null value.)
  if (value === null && spec.type !== 'xpc') return spec.nullable ? undefined : `field "${path}" must be ${expectation(spec)}, got null`;
  switch (spec.type) {
    case 'int':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return undefined;
      break;
    case 'uint':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return undefined;
      break;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return undefined;
      break;
    case 'string':
      if (typeof value === 'string') return undefined;
      break;
    case 'bool':
      if (typeof value === 'boolean') return undefined;
      break;
    case 'enum':
      if ((spec.values as readonly unknown[]).includes(value)) return undefined;
      break;
    case 'strings':
      if (Array.isArray(value)) {
        const bad = value.findIndex((item) => typeof item !== 'string');
        if (bad < 0) return undefined;
        return `field "${path}[${bad}]" must be a string, got ${describeJson(value[bad])}`;
      }
      break;
    case 'object': {
      if (!isRecord(value)) break;
      let present = 0;
      for (const field in spec.fields) {
        const item = value[field];
        if (item !== undefined) present++;
        const reason = checkValue(item, spec.fields[field]!, `${path}.${field}`, validateValues);
        if (reason !== undefined) return reason;
      }
      if (countKeys(value) !== present) {
        const unknown = Object.keys(value).find((key) => !Object.hasOwn(spec.fields, key));
        return `unknown field ${JSON.stringify(`${path}.${unknown}`)}`;
      }
      return undefined;
    }
    case 'xpc':
      if (!validateValues) return undefined;
      try {
        fromXpcJson(value, '$');
        return undefined;
      } catch (error) {
        if (error instanceof XpcJsonError) return `field "${path}" is not valid XPC-JSON: ${error.message}`;
        throw error;
      }
  }
  return `field "${path}" must be ${expectation(spec)}, got ${describeJson(value)}`;
}

function expectation(spec: FieldSpec): string {
  const base = (() => {
    switch (spec.type) {
      case 'int':
        return 'a number (an integer)';
      case 'uint':
        return 'a number (a non-negative integer)';
      case 'number':
        return 'a number';
      case 'string':
        return 'a string';
      case 'bool':
        return 'true or false';
      case 'enum':
        return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'strings':
        return 'an array of strings';
      case 'object':
        return 'an object';
      case 'xpc':
        return 'an XPC-JSON value';
    }
  })();
  return spec.nullable ? `${base} or null` : base;
}

function countKeys(object: object): number {
  let n = 0;
  for (const key in object) if (key !== undefined) n++;
  return n;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, quoted rendering of a JSON value for error messages. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const type = Array.isArray(value) ? 'array' : typeof value;
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  if (text.length > 40) text = `${text.slice(0, 37)}...`;
  return `${type} ${text}`;
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

// ---- a whole capture, line by line ------------------------------------------------------------------

export type DecodedLine =
  | { readonly type: 'header'; readonly header: CaptureHeader }
  | { readonly type: 'event'; readonly event: WireEvent }
  | { readonly type: 'end'; readonly end: CaptureEnd }
  /** `fatal`: nothing after this line can be read (a bad header). */
  | { readonly type: 'error'; readonly error: CaptureLineError; readonly fatal: boolean };

/**
 * Reads a capture one line at a time: the header first, then events (seq must increase), then an
 * optional end line whose counts must agree with what came before. Pure: the caller does the I/O
 * (main/capture/import streams files through it; a renderer could feed it a dropped file).
 */
export class CaptureDecoder {
  private headerValue: CaptureHeader | undefined;
  private endValue: CaptureEnd | undefined;
  private endAt = 0;
  private lastSeqValue = 0;
  private accepted = 0;
  private rejectedEvents = 0;
  private failed = false;
  private readonly validateValues: boolean;
  private readonly interner = new StringInterner();

  constructor(options: ParseEventOptions = {}) {
    this.validateValues = options.validateValues ?? true;
  }

  get header(): CaptureHeader | undefined {
    return this.headerValue;
  }
  /** The end line, when the capture had one (it was closed cleanly). */
  get end(): CaptureEnd | undefined {
    return this.endValue;
  }
  get lastSeq(): number {
    return this.lastSeqValue;
  }
  get eventCount(): number {
    return this.accepted;
  }

  line(raw: string, lineNumber: number): DecodedLine {
    const text = stripCr(raw);
    const error = (message: string, fatal = false): DecodedLine => ({ type: 'error', error: { line: lineNumber, message }, fatal });
    if (this.failed) return error('not read: the header was not valid', true);
    if (!this.headerValue) {
      const result = parseHeaderLine(text);
      if (!result.ok) {
        this.failed = true;
        return error(result.message, true);
      }
      this.headerValue = result.header;
      return { type: 'header', header: result.header };
    }
    if (this.endValue) return error(`nothing may follow the end line (line ${this.endAt})`);
    if (text === '') {
      this.rejectedEvents++;
      return error('empty line (every line of a capture is one JSON event)');
    }
    if (isEndLine(text)) return this.endOf(text, lineNumber, error);
    const result = parseEventWith(text, this.validateValues, this.interner);
    if (!result.ok) {
      this.rejectedEvents++;
      return error(result.message);
    }
    const seq = result.event.seq;
    if (seq <= this.lastSeqValue) {
      this.rejectedEvents++;
      return error(`event kind "${result.event.kind}": seq ${seq} does not follow seq ${this.lastSeqValue}; seq must increase`);
    }
    this.lastSeqValue = seq;
    this.accepted++;
    return { type: 'event', event: result.event };
  }

  private endOf(text: string, lineNumber: number, error: (message: string) => DecodedLine): DecodedLine {
    const result = parseEndLine(text);
    if (!result.ok) return error(result.message);
    this.endValue = result.end;
    this.endAt = lineNumber;
    const seen = this.accepted + this.rejectedEvents;
    if (result.end.events !== seen) {
      return error(`end line says ${result.end.events} events but the capture holds ${seen} event lines`);
    }
    if (this.rejectedEvents === 0 && result.end.lastSeq !== this.lastSeqValue) {
      return error(`end line says the last seq is ${result.end.lastSeq} but the last event has seq ${this.lastSeqValue}`);
    }
    return { type: 'end', end: result.end };
  }
}
