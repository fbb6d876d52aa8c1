/**
 * The field table of every event kind: which fields an event has, in which order they are
 * written to a capture file, and what type each must have. The serializer and the validator are
 * both driven by this one table, so what is written is exactly what is accepted.
 *
 * The types below make the compiler check the table against app/events/schema.ts: every field of
 * every kind is listed, no field is invented, and `optional` / `nullable` match the schema.
 */
import type { WireEvent } from '../events/wire-event';
import type { EventKind, JobSummary, PeerRequirement, ProcessIdentity } from '../events/schema';

/** What a field holds. Integers are JS numbers that must be safe integers. */
export type FieldType =
  | { readonly type: 'int' } // any safe integer
  | { readonly type: 'uint' } // a safe integer ≥ 0
  | { readonly type: 'number' } // any finite number
  | { readonly type: 'string' }
  | { readonly type: 'bool' }
  | { readonly type: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly type: 'strings' } // an array of strings
  | { readonly type: 'object'; readonly fields: FieldTable }
  | { readonly type: 'xpc' }; // an XPC-JSON tree (app/xpc/json)

export type FieldSpec = FieldType & { readonly optional?: boolean; readonly nullable?: boolean };

/** Field name → spec, in serialization order (object literal order is kept by JS for these keys). */
export type FieldTable = { readonly [field: string]: FieldSpec };

// ---- compile-time agreement with the schema ---------------------------------------------------

type IsOptional<T, F extends keyof T> = {} extends Pick<T, F> ? true : false;
type SpecFor<T, F extends keyof T> = FieldType &
  (IsOptional<T, F> extends true ? { readonly optional: true } : { readonly optional?: false }) &
  // `value` is typed unknown on the wire (an XPC-JSON tree, validated by app/xpc/json), never null.
  (unknown extends T[F] ? { readonly nullable?: false } : null extends T[F] ? { readonly nullable: true } : { readonly nullable?: false });
type TableOf<T> = { readonly [F in keyof T]-?: SpecFor<T, F> };

type WireOfKind<K extends EventKind> = Extract<WireEvent, { kind: K }>;
type EventTableOf<K extends EventKind> = TableOf<Omit<WireOfKind<K>, 'kind'>>;

// ---- building blocks ------------------------------------------------------------------------------

const INT = { type: 'int' } as const;
const UINT = { type: 'uint' } as const;
const NUMBER = { type: 'number' } as const;
const STRING = { type: 'string' } as const;
const BOOL = { type: 'bool' } as const;
const STRINGS = { type: 'strings' } as const;
const XPC = { type: 'xpc' } as const;
const DELTA = { type: 'enum', values: [1, -1] } as const;

function oneOf(...values: readonly string[]): { readonly type: 'enum'; readonly values: readonly string[] } {
  return { type: 'enum', values };
}
function optional<T extends FieldType>(spec: T): T & { readonly optional: true } {
  return { ...spec, optional: true };
}
function nullable<T extends FieldType>(spec: T): T & { readonly nullable: true } {
  return { ...spec, nullable: true };
}
function object<T>(fields: TableOf<T>): { readonly type: 'object'; readonly fields: FieldTable } {
  return { type: 'object', fields: fields as FieldTable };
}

const SERVICE_KIND = oneOf('xpc-service', 'launch-agent', 'launch-daemon');
const PROCESS_TYPE = oneOf('app', 'background');
const CONNECTION_STATE = oneOf('inactive', 'active', 'suspended', 'canceled', 'invalidated', 'interrupted');
const MESSAGE_KIND = oneOf('message', 'reply', 'error');
const TRANSACTION_CAUSE = oneOf(
  'delivery',
  'handler-returned',
  'reply-created',
  'reply-sent',
  'reply-dropped',
  'explicit-begin',
  'explicit-end',
  'process-exit',
);
const BOOST_CAUSE = oneOf('message', 'reply-transfer', 'reply-sent', 'handled', 'process-exit');
const EXIT_REASON = oneOf('exited', 'crashed', 'idle-exit', 'terminated', 'client-exited', 'launch-failed');
/** The ProbeMark fields, last on the kinds the native probe produces (so older captures read and write unchanged). */
const PROBE_MARK = { observedBy: optional(oneOf('probe')), probeRecordsLost: optional(UINT) };

const JOB_SUMMARY = object<JobSummary>({
  label: STRING,
  kind: SERVICE_KIND,
  machServices: STRINGS,
  program: STRING,
  arguments: STRINGS,
  keepAlive: BOOL,
  runAtLoad: BOOL,
  throttleIntervalSec: NUMBER,
  pressuredExit: BOOL,
  adaptive: BOOL,
  file: STRING,
});

const PROCESS_IDENTITY = object<ProcessIdentity>({
  pid: UINT,
  uid: UINT,
  gid: UINT,
  name: STRING,
  executable: optional(STRING),
});

const PEER_REQUIREMENT = object<PeerRequirement>({
  uid: optional(UINT),
  executablePath: optional(STRING),
  executableSha256: optional(STRING),
});

// ---- the table ------------------------------------------------------------------------------------

/** Every event starts with seq and t; then `kind`; then the fields below in this order. */
export const EVENT_FIELDS: { readonly [K in EventKind]: EventTableOf<K> } = {
  'job-loaded': { seq: UINT, t: UINT, job: JOB_SUMMARY, warnings: STRINGS },
  'job-failed': { seq: UINT, t: UINT, file: STRING, key: optional(STRING), error: STRING },
  'process-launched': {
    seq: UINT,
    t: UINT,
    job: STRING,
    pid: UINT,
    forClientPid: optional(UINT),
    reason: oneOf('on-demand', 'run-at-load', 'keep-alive', 'relaunch'),
    boosted: BOOL,
    triggerMessageId: optional(UINT),
  },
  'process-exited': {
    seq: UINT,
    t: UINT,
    job: optional(STRING),
    pid: UINT,
    code: nullable(INT),
    signal: nullable(STRING),
    reason: EXIT_REASON,
    description: STRING,
    transactionsHeld: INT,
  },
  'process-attached': { seq: UINT, t: UINT, process: PROCESS_IDENTITY, processType: PROCESS_TYPE, job: optional(STRING), ...PROBE_MARK },
  'process-detached': { seq: UINT, t: UINT, pid: UINT, reason: STRING, ...PROBE_MARK },
  'process-output': { seq: UINT, t: UINT, pid: UINT, job: STRING, stream: oneOf('stdout', 'stderr'), text: STRING },
  'launch-throttled': { seq: UINT, t: UINT, job: STRING, delayNs: UINT },
  'connection-opened': {
    seq: UINT,
    t: UINT,
    connection: UINT,
    clientPid: UINT,
    service: STRING,
    privileged: BOOL,
    api: oneOf('connection', 'session'),
    viaEndpoint: BOOL,
    ...PROBE_MARK,
  },
  'connection-state': {
    seq: UINT,
    t: UINT,
    connection: UINT,
    state: CONNECTION_STATE,
    suspendCount: INT,
    reason: optional(STRING),
    retryable: optional(BOOL),
    ...PROBE_MARK,
  },
  'connection-bound': { seq: UINT, t: UINT, connection: UINT, servicePid: UINT, job: STRING },
  'peer-rejected': { seq: UINT, t: UINT, connection: UINT, clientPid: UINT, requirement: PEER_REQUIREMENT, reason: STRING },
  'message-sent': {
    seq: UINT,
    t: UINT,
    message: UINT,
    connection: UINT,
    messageKind: MESSAGE_KIND,
    fromPid: UINT,
    toPid: optional(UINT),
    service: STRING,
    expectsReply: BOOL,
    sync: BOOL,
    inReplyTo: optional(UINT),
    size: UINT,
    boosting: BOOL,
    value: optional(XPC),
    summary: STRING,
    ...PROBE_MARK,
  },
  'message-delivered': { seq: UINT, t: UINT, message: UINT, toPid: UINT, ...PROBE_MARK },
  'message-handled': { seq: UINT, t: UINT, message: UINT, pid: UINT, durationNs: UINT },
  'reply-created': { seq: UINT, t: UINT, request: UINT, pid: UINT, ...PROBE_MARK },
  'reply-received': { seq: UINT, t: UINT, request: UINT, reply: UINT, toPid: UINT, latencyNs: UINT, ...PROBE_MARK },
  'reply-failed': { seq: UINT, t: UINT, request: UINT, toPid: UINT, error: STRING, reason: STRING, latencyNs: UINT, ...PROBE_MARK },
  'message-dropped': { seq: UINT, t: UINT, message: UINT, reason: STRING, ...PROBE_MARK },
  transaction: {
    seq: UINT,
    t: UINT,
    pid: UINT,
    job: optional(STRING),
    delta: DELTA,
    count: INT,
    cause: TRANSACTION_CAUSE,
    message: optional(UINT),
    ...PROBE_MARK,
  },
  idle: { seq: UINT, t: UINT, pid: UINT, job: STRING },
  'transaction-long-held': { seq: UINT, t: UINT, pid: UINT, job: optional(STRING), count: INT, heldNs: UINT, oldestCause: optional(TRANSACTION_CAUSE), message: optional(UINT) },
  'termination-imminent': { seq: UINT, t: UINT, pid: UINT, job: STRING, transactionsHeld: INT },
  boost: {
    seq: UINT,
    t: UINT,
    pid: UINT,
    job: optional(STRING),
    delta: DELTA,
    count: INT,
    cause: BOOST_CAUSE,
    message: optional(UINT),
  },
};

/** The field table of one kind, seen as a plain table (for the table-driven writer and reader). */
export function fieldsOf(kind: EventKind): FieldTable {
  return EVENT_FIELDS[kind] as unknown as FieldTable;
}
