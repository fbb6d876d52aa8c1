/**
 * The native probe's records: what the macOS probe (native-probe/) streams to the broker's
 * probe socket about the process it is loaded into. Each frame body is an XPC dictionary whose
 * "record" key names the record; the other keys are declared here once. native-probe/src/
 * probe_record.c writes exactly these dictionaries; the broker's probe ingest (main/probe)
 * validates them with this table and turns them into the ordinary events of app/events.
 *
 * Every record carries `t`, nanoseconds since the probe started on its own monotonic clock
 * (latencies are measured on it), and `dropped` when records were dropped since the previous
 * one was sent (the probe never blocks the observed app: when its socket is full it counts
 * what it drops and says so in the next record that gets through).
 *
 * `connection` is the observed process's xpc_connection_t (a pointer value, as uint64), which
 * names a connection for as long as it lives. `message` is the probe's own counter of the
 * messages it saw; `request` in a reply names the message it answers.
 */
import { decodeXpcAnyContainer } from '../xpc/container';
import { xpc, type XpcValue } from '../xpc/value';
import { anyValue, bool, int, oneOf, optional, readFields, str, writeFields, type Field, type FieldSpec, type Fields } from './fields';

export const PROBE_RECORD_VERSION = 1;

/** An unsigned 64-bit handle (a pointer value); int64 or uint64 on the wire, non-negative. */
const handle: Field<bigint> & { readonly optional: false } = {
  expected: 'uint64',
  optional: false,
  read: (v) => ((v.type === 'uint64' || v.type === 'int64') && v.value >= 0n ? v.value : undefined),
  write: (n) => xpc.uint64(n),
};

/** A transaction count change: exactly +1 or −1. */
const delta: Field<1 | -1> & { readonly optional: false } = {
  expected: 'int64 1 or -1',
  optional: false,
  read: (v) => (v.type === 'int64' && (v.value === 1n || v.value === -1n) ? (Number(v.value) as 1 | -1) : undefined),
  write: (n) => xpc.int64(n),
};

const common = { t: int, dropped: optional(int) };
/** Where the probe could read them: the connection's name and the pid of its peer. */
const peer = { service: optional(str), peerPid: optional(int) };
/** Serialized XPC bytes, carried as data. */
const serialized: Field<Uint8Array> & { readonly optional: true } = {
  expected: 'data',
  optional: true,
  read: (v) => (v.type === 'data' ? v.value : undefined),
  write: (b) => xpc.data(b),
};

/**
 * A body that could not be serialized is left out, and `bodyError` says why. Instead of `body`, a
 * probe may send the message's own bytes as `bodyBytes`: a libxpc Mach message body ('CPX@') or a
 * RemoteXPC payload, which saves it walking the object. decodeProbeRecord decodes them into `body`.
 */
const body = { body: optional(anyValue), bodyBytes: serialized, bodyError: optional(str) };

export const PROBE_RECORDS = {
  /** First record on every probe connection. `pid` must be what the kernel reports for the socket. */
  hello: { ...common, version: int, pid: int, executable: str, name: optional(str) },
  /**
   * xpc_connection_create(_mach_service / _from_endpoint), xpc_session_create_*, a peer a listener
   * accepted, xpc_main's listener. `listener`: created with XPC_CONNECTION_MACH_SERVICE_LISTENER
   * (or anonymous: xpc_connection_create(NULL)); `endpoint`: made from that endpoint object;
   * `peerOf`: a peer connection of that listener, whose client is `peerPid`; `api`: 'session' for
   * an XPCSession.
   */
  'connection-created': {
    ...common,
    connection: handle,
    service: str,
    privileged: bool,
    listener: optional(bool),
    anonymous: optional(bool),
    api: optional(oneOf('connection', 'session')),
    endpoint: optional(handle),
    peerOf: optional(handle),
    peerPid: optional(int),
  },
  /** xpc_connection_activate / xpc_session_activate. */
  'connection-activated': { ...common, connection: handle },
  /** xpc_connection_resume. */
  'connection-resumed': { ...common, connection: handle },
  'connection-suspended': { ...common, connection: handle },
  /** xpc_connection_send_message(_with_reply(_sync)), xpc_session_send_*. `inReplyTo`: the received message this reply answers. */
  'message-sent': { ...common, connection: handle, message: int, ...peer, expectsReply: bool, sync: bool, inReplyTo: optional(int), ...body },
  /** The connection's event handler received a message (a dictionary). */
  'message-received': { ...common, connection: handle, message: int, ...peer, ...body },
  /** A reply handler (or send_message_with_reply_sync) got its answer: a dictionary, or an error object. */
  'reply-received': { ...common, connection: handle, message: int, request: int, ...peer, ...body, reason: optional(str) },
  /**
   * The event handler received an error: `error` is its XPCErrorDescription, `reason` the
   * invalidation reason. For a session, its cancellation: the rich error and whether a retry helps.
   */
  'connection-error': { ...common, connection: handle, ...peer, error: str, reason: optional(str), retryable: optional(bool) },
  /** xpc_connection_cancel / xpc_session_cancel. */
  'connection-canceled': { ...common, connection: handle },
  /** xpc_endpoint_create: `endpoint` (an object handle) reaches the listener `connection`. */
  'endpoint-created': { ...common, endpoint: handle, connection: handle },
  /** xpc_connection_send_barrier: sent (`ran` false), then its block ran (`ran` true). */
  barrier: { ...common, connection: handle, ran: bool },
  /** xpc_connection_set_peer_*_requirement: its kind and value as text, and whether libxpc accepted it. */
  'requirement-set': { ...common, connection: handle, requirement: str, accepted: bool },
  /** xpc_dictionary_create_reply for the received message `request`. */
  'reply-created': { ...common, request: int },
  /** xpc_transaction_begin (+1) / xpc_transaction_end (−1). */
  transaction: { ...common, delta },
} as const satisfies Readonly<Record<string, FieldSpec>>;

type Records = typeof PROBE_RECORDS;
export type ProbeRecordName = keyof Records;
export type ProbeRecord = { [K in ProbeRecordName]: { readonly record: K } & Fields<Records[K]> }[ProbeRecordName];
export type ProbeRecordOf<K extends ProbeRecordName> = Extract<ProbeRecord, { record: K }>;

export type ProbeRecordResult = { readonly ok: true; readonly record: ProbeRecord } | { readonly ok: false; readonly error: string };

/** Validates one frame body from a probe. Unknown keys are ignored, so newer probes can add fields. */
export function decodeProbeRecord(value: XpcValue | undefined): ProbeRecordResult {
  if (value === undefined) return { ok: false, error: 'empty frame: every probe frame must carry a record dictionary' };
  if (value.type !== 'dictionary') return { ok: false, error: `the frame body is ${value.type}, not a record dictionary` };
  const name = value.entries.get('record');
  if (name === undefined) return { ok: false, error: "the record dictionary has no 'record' key" };
  if (name.type !== 'string') return { ok: false, error: `key 'record' must be string, got ${name.type}` };
  const spec: FieldSpec | undefined = Object.hasOwn(PROBE_RECORDS, name.value) ? PROBE_RECORDS[name.value as ProbeRecordName] : undefined;
  if (spec === undefined) return { ok: false, error: `unknown record ${JSON.stringify(name.value)}` };
  const fields = readFields(spec, value);
  if (!fields.ok) return { ok: false, error: `record '${name.value}': ${fields.error}` };
  const decoded = bodyFromBytes(fields.value);
  if (!decoded.ok) return { ok: false, error: `record '${name.value}': ${decoded.error}` };
  return { ok: true, record: { record: name.value, ...decoded.fields } as ProbeRecord };
}

/** Replaces `bodyBytes` by the `body` they decode to; bytes that do not decode refuse the record. */
function bodyFromBytes(fields: Readonly<Record<string, unknown>>): { ok: true; fields: Readonly<Record<string, unknown>> } | { ok: false; error: string } {
  const bytes = fields['bodyBytes'];
  if (!(bytes instanceof Uint8Array)) return { ok: true, fields };
  if (fields['body'] !== undefined) return { ok: false, error: "keys 'body' and 'bodyBytes' exclude each other" };
  const decoded = decodeXpcAnyContainer(bytes);
  if (!decoded.ok) return { ok: false, error: `key 'bodyBytes' does not decode: ${decoded.error.message} (${decoded.error.code})` };
  const { bodyBytes: _bytes, ...rest } = fields;
  return { ok: true, fields: { ...rest, body: decoded.value } };
}

/** The dictionary of a record, "record" first (what probe_record.c writes; for tests and tools). */
export function encodeProbeRecord(record: ProbeRecord): XpcValue {
  const spec: FieldSpec = PROBE_RECORDS[record.record];
  return writeFields(spec, record as never, [['record', xpc.string(record.record)]]);
}
