/**
 * How browser mode's WebSocket carries an event batch: one binary frame, cheap to decode in
 * the page. Events are not sent as JSON objects with their keys repeated on every event;
 * every event becomes a kind code and its fields, in a fixed order per kind:
 *
 *   offset 0   u32  BATCH_FRAME_MAGIC
 *          4   u32  subscription
 *          8   f64  lastSeq
 *         16   u32  events
 *         20   u32  numbers (f64 count)
 *         24   u32  bytes of the text part
 *         28   u32  0
 *         32   f64 × numbers: every event's numeric fields, booleans (0/1), string and JSON indices
 *              u8 × events: kind codes (0: the whole event is a JSON value in the text part)
 *              UTF-8 JSON text `[strings, values]`: the batch's distinct strings, and the values
 *              that are not flat (XPC-JSON payloads, job descriptions, whole odd events)
 *
 * A kind with optional fields writes a presence mask (one bit per optional field) before its
 * fields. An event that does not fit its kind's layout exactly (a field of another type, a key
 * the layout does not know) travels whole as JSON, so decoding always gives back what was
 * encoded, as JSON would (fields holding undefined are left out).
 */
import type { EventBatch, WireEvent } from './contract';
import { EVENT_KINDS, type EventKind } from '../events/schema';

export const BATCH_FRAME_MAGIC = 0x58504231;

const HEADER_BYTES = 32;

/** n: number, s: string, b: boolean, j: any JSON value; a trailing ? marks an optional field. */
type FieldType = 'n' | 's' | 'b' | 'j' | 'n?' | 's?' | 'b?' | 'j?';

/** Each kind's fields after seq and t, in the order they are written. */
const LAYOUTS: Record<EventKind, readonly (readonly [string, FieldType])[]> = {
  'job-loaded': [['job', 'j'], ['warnings', 'j']],
  'job-failed': [['file', 's'], ['key', 's?'], ['error', 's']],
  'process-launched': [['job', 's'], ['pid', 'n'], ['forClientPid', 'n?'], ['reason', 's'], ['boosted', 'b'], ['triggerMessageId', 'n?']],
  'process-exited': [['job', 's?'], ['pid', 'n'], ['code', 'j'], ['signal', 'j'], ['reason', 's'], ['description', 's'], ['transactionsHeld', 'n']],
  'process-attached': [['process', 'j'], ['processType', 's'], ['job', 's?'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  'process-detached': [['pid', 'n'], ['reason', 's'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  'process-output': [['pid', 'n'], ['job', 's'], ['stream', 's'], ['text', 's']],
  'launch-throttled': [['job', 's'], ['delayNs', 'n']],
  'connection-opened': [
    ['connection', 'n'],
    ['clientPid', 'n'],
    ['service', 's'],
    ['privileged', 'b'],
    ['api', 's'],
    ['viaEndpoint', 'b'],
    ['observedBy', 's?'],
    ['probeRecordsLost', 'n?'],
  ],
  'connection-state': [
    ['connection', 'n'],
    ['state', 's'],
    ['suspendCount', 'n'],
    ['reason', 's?'],
    ['retryable', 'b?'],
    ['observedBy', 's?'],
    ['probeRecordsLost', 'n?'],
  ],
  'connection-bound': [['connection', 'n'], ['servicePid', 'n'], ['job', 's']],
  'peer-rejected': [['connection', 'n'], ['clientPid', 'n'], ['requirement', 'j'], ['reason', 's']],
  'message-sent': [
    ['message', 'n'],
    ['connection', 'n'],
    ['messageKind', 's'],
    ['fromPid', 'n'],
    ['toPid', 'n?'],
    ['service', 's'],
    ['expectsReply', 'b'],
    ['sync', 'b'],
    ['inReplyTo', 'n?'],
    ['size', 'n'],
    ['boosting', 'b'],
    ['value', 'j?'],
    ['summary', 's'],
    ['observedBy', 's?'],
    ['probeRecordsLost', 'n?'],
  ],
  'message-delivered': [['message', 'n'], ['toPid', 'n'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  'message-handled': [['message', 'n'], ['pid', 'n'], ['durationNs', 'n']],
  'reply-created': [['request', 'n'], ['pid', 'n'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  'reply-received': [['request', 'n'], ['reply', 'n'], ['toPid', 'n'], ['latencyNs', 'n'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  'reply-failed': [
    ['request', 'n'],
    ['toPid', 'n'],
    ['error', 's'],
    ['reason', 's'],
    ['latencyNs', 'n'],
    ['observedBy', 's?'],
    ['probeRecordsLost', 'n?'],
  ],
  'message-dropped': [['message', 'n'], ['reason', 's'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  transaction: [['pid', 'n'], ['job', 's?'], ['delta', 'n'], ['count', 'n'], ['cause', 's'], ['message', 'n?'], ['observedBy', 's?'], ['probeRecordsLost', 'n?']],
  idle: [['pid', 'n'], ['job', 's']],
  'transaction-long-held': [['pid', 'n'], ['job', 's?'], ['count', 'n'], ['heldNs', 'n'], ['oldestCause', 's?'], ['message', 'n?']],
  'termination-imminent': [['pid', 'n'], ['job', 's'], ['transactionsHeld', 'n']],
  boost: [['pid', 'n'], ['job', 's?'], ['delta', 'n'], ['count', 'n'], ['cause', 's'], ['message', 'n?']],
};

const enum Type {
  number = 0,
  string = 1,
  boolean = 2,
  json = 3,
}

interface CompiledLayout {
  readonly kind: EventKind;
  readonly names: readonly string[];
  readonly types: readonly Type[];
  /** Bit of each optional field in the presence mask, 0 for required fields. */
  readonly bits: readonly number[];
  readonly hasOptional: boolean;
  readonly required: number;
}

const TYPE_OF: Record<string, Type> = { n: Type.number, s: Type.string, b: Type.boolean, j: Type.json };

/** Index = kind code; code 0 is a whole event as JSON. */
const COMPILED: readonly (CompiledLayout | undefined)[] = [
  undefined,
  ...EVENT_KINDS.map((kind): CompiledLayout => {
    const fields = LAYOUTS[kind];
    let bit = 1;
    const bits = fields.map(([, type]) => {
      if (!type.endsWith('?')) return 0;
      const b = bit;
      bit *= 2;
      return b;
    });
    return {
      kind,
      names: fields.map(([name]) => name),
      types: fields.map(([, type]) => TYPE_OF[type[0]!]!),
      bits,
      hasOptional: bits.some((b) => b !== 0),
      required: bits.filter((b) => b === 0).length,
    };
  }),
];

const CODE_OF_KIND = new Map<string, number>(EVENT_KINDS.map((kind, i) => [kind, i + 1]));

export interface DecodedBatchFrame {
  readonly subscription: number;
  readonly batch: EventBatch;
}

/** Appends numbers to a growing Float64Array (no boxing, one copy per doubling). */
class NumberSink {
  values = new Float64Array(4096);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** One binary frame for a pushed batch (layout above). */
export function encodeBatchFrame(subscription: number, batch: EventBatch): Uint8Array {
  const events = batch.events;
  const nums = new NumberSink();
  const kinds = new Uint8Array(events.length);
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const values: unknown[] = [];
  const stringRef = (text: string): number => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = strings.length;
      strings.push(text);
      stringIndex.set(text, index);
    }
    return index;
  };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const code = CODE_OF_KIND.get(event.kind) ?? 0;
    const layout = COMPILED[code];
    if (layout === undefined || !fits(event as unknown as Record<string, unknown>, layout)) {
      kinds[i] = 0;
      nums.push(values.length);
      values.push(event);
      continue;
    }
    kinds[i] = code;
    const record = event as unknown as Record<string, unknown>;
    nums.push(event.seq);
    nums.push(event.t);
    if (layout.hasOptional) {
      let mask = 0;
      for (let f = 0; f < layout.names.length; f++) if (layout.bits[f]! !== 0 && record[layout.names[f]!] !== undefined) mask |= layout.bits[f]!;
      nums.push(mask);
    }
    for (let f = 0; f < layout.names.length; f++) {
      const value = record[layout.names[f]!];
      if (value === undefined) continue;
      switch (layout.types[f]!) {
        case Type.number:
          nums.push(value as number);
          break;
        case Type.string:
          nums.push(stringRef(value as string));
          break;
        case Type.boolean:
          nums.push(value ? 1 : 0);
          break;
        case Type.json:
          nums.push(values.length);
          values.push(value);
          break;
      }
    }
  }
  const text = utf8Encoder.encode(JSON.stringify([strings, values]));
  const numberBytes = nums.length * 8;
  const frame = new Uint8Array(HEADER_BYTES + numberBytes + events.length + text.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, BATCH_FRAME_MAGIC, true);
  view.setUint32(4, subscription, true);
  view.setFloat64(8, batch.lastSeq, true);
  view.setUint32(16, events.length, true);
  view.setUint32(20, nums.length, true);
  view.setUint32(24, text.length, true);
  frame.set(new Uint8Array(nums.values.buffer, 0, numberBytes), HEADER_BYTES);
  frame.set(kinds, HEADER_BYTES + numberBytes);
  frame.set(text, HEADER_BYTES + numberBytes + events.length);
  return frame;
}

/** Whether the event is exactly its kind's layout: every field of the right type, no other key. */
function fits(event: Record<string, unknown>, layout: CompiledLayout): boolean {
  if (typeof event.seq !== 'number' || typeof event.t !== 'number') return false;
  let present = 0;
  for (let f = 0; f < layout.names.length; f++) {
    const value = event[layout.names[f]!];
    if (value === undefined) {
      if (layout.bits[f] === 0) return false;
      continue;
    }
    present++;
    switch (layout.types[f]!) {
      case Type.number:
        if (typeof value !== 'number') return false;
        break;
      case Type.string:
        if (typeof value !== 'string') return false;
        break;
      case Type.boolean:
        if (typeof value !== 'boolean') return false;
        break;
      case Type.json:
        break;
    }
  }
  let keys = 0;
  for (const key in event) if (event[key] !== undefined) keys++;
  // seq, t and kind besides the layout's fields.
  return keys === present + 3;
}

export class BatchFrameError extends Error {}

/** The batch of one binary frame; throws BatchFrameError when the frame is not one. */
export function decodeBatchFrame(data: ArrayBuffer | Uint8Array): DecodedBatchFrame {
  let bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < HEADER_BYTES) throw new BatchFrameError(`a batch frame has at least ${HEADER_BYTES} bytes, got ${bytes.byteLength}`);
  // The numbers are read in place, which needs them 8-byte aligned.
  // (A copy: Node's Buffer.slice would only make another view.)
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== BATCH_FRAME_MAGIC) throw new BatchFrameError('not a batch frame (bad magic)');
  const subscription = view.getUint32(4, true);
  const lastSeq = view.getFloat64(8, true);
  const count = view.getUint32(16, true);
  const numberCount = view.getUint32(20, true);
  const textBytes = view.getUint32(24, true);
  const numbersEnd = HEADER_BYTES + numberCount * 8;
  if (numbersEnd + count + textBytes !== bytes.byteLength) throw new BatchFrameError('batch frame sizes do not add up');
  const nums = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, numberCount);
  const kinds = bytes.subarray(numbersEnd, numbersEnd + count);
  const [strings, values] = JSON.parse(utf8Decoder.decode(bytes.subarray(numbersEnd + count))) as [string[], unknown[]];
  const events: WireEvent[] = new Array(count);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const code = kinds[i]!;
    const layout = COMPILED[code];
    if (code === 0 || layout === undefined) {
      if (code !== 0) throw new BatchFrameError(`unknown kind code ${code}`);
      events[i] = values[nums[p++]!] as WireEvent;
      continue;
    }
    const event: Record<string, unknown> = { seq: nums[p++], t: nums[p++], kind: layout.kind };
    const mask = layout.hasOptional ? nums[p++]! : 0;
    const names = layout.names;
    for (let f = 0; f < names.length; f++) {
      const bit = layout.bits[f]!;
      if (bit !== 0 && (mask & bit) === 0) continue;
      const n = nums[p++]!;
      switch (layout.types[f]!) {
        case Type.number:
          event[names[f]!] = n;
          break;
        case Type.string:
          event[names[f]!] = strings[n];
          break;
        case Type.boolean:
          event[names[f]!] = n !== 0;
          break;
        case Type.json:
          event[names[f]!] = values[n];
          break;
      }
    }
    events[i] = event as unknown as WireEvent;
  }
  if (p !== numberCount) throw new BatchFrameError('batch frame numbers do not match its events');
  return { subscription, batch: { events, lastSeq } };
}
