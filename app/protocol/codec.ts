/**
 * Turning protocol ops into XPC dictionaries and back. Decoding is total: anything a peer
 * sends yields either a typed op or an error sentence naming the op, the sender and the key
 * ("op 'send' from pid 123: key 'connection' must be int64, got string \"x\"").
 */
import { xpc, type XpcValue } from '../xpc/value';
import { readFields, writeFields, type FieldSpec } from './fields';
import { BROKER_OPS, PROCESS_OPS, type BrokerOp, type ProcessOp } from './ops';

export type OpResult<T> = { readonly ok: true; readonly op: T } | { readonly ok: false; readonly error: string };

type Table = Readonly<Record<string, FieldSpec>>;

function encodeWith(table: Table, op: { readonly op: string }): XpcValue {
  const spec = table[op.op];
  if (spec === undefined) throw new Error(`unknown protocol op '${op.op}'`);
  return writeFields(spec, op as never, [['op', xpc.string(op.op)]]);
}

function decodeWith<T>(table: Table, value: XpcValue | undefined, from: string): OpResult<T> {
  const sender = from ? ` from ${from}` : '';
  if (value === undefined) return { ok: false, error: `empty frame${sender}: every frame must carry an op dictionary` };
  if (value.type !== 'dictionary') return { ok: false, error: `frame${sender} is ${value.type}, not an op dictionary` };
  const name = value.entries.get('op');
  if (name === undefined) return { ok: false, error: `frame${sender} has no 'op' key` };
  if (name.type !== 'string') return { ok: false, error: `frame${sender}: key 'op' must be string, got ${name.type}` };
  const spec = Object.hasOwn(table, name.value) ? table[name.value] : undefined;
  if (spec === undefined) return { ok: false, error: `unknown op ${JSON.stringify(name.value)}${sender}` };
  const fields = readFields(spec, value);
  if (!fields.ok) return { ok: false, error: `op '${name.value}'${sender}: ${fields.error}` };
  return { ok: true, op: { op: name.value, ...fields.value } as T };
}

export function encodeProcessOp(op: ProcessOp): XpcValue {
  return encodeWith(PROCESS_OPS, op);
}

export function encodeBrokerOp(op: BrokerOp): XpcValue {
  return encodeWith(BROKER_OPS, op);
}

/** Validates a frame a process sent; `from` names the sender in errors ("pid 123"). */
export function decodeProcessOp(value: XpcValue | undefined, from = ''): OpResult<ProcessOp> {
  return decodeWith<ProcessOp>(PROCESS_OPS, value, from);
}

/** Validates a frame the broker sent. */
export function decodeBrokerOp(value: XpcValue | undefined, from = ''): OpResult<BrokerOp> {
  return decodeWith<BrokerOp>(BROKER_OPS, value, from);
}
