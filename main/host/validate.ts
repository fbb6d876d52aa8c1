/**
 * Checks every argument that comes from a renderer before the host acts on it. A renderer is
 * untrusted input (a page over WebSocket, or a compromised window over IPC): wrong types,
 * out-of-range numbers and oversized strings are refused with an error naming the operation,
 * the argument and what was wrong.
 */
import type { CaptureExportRequest, OpenCaptureRequest, SendTestMessageRequest, TableExportRequest } from '../../app/bridge/contract';
import { BRIDGE_METHODS, type BridgeMethod } from '../../app/bridge/contract';
import { MAX_TABLE_CHUNK_CHARS } from '../../app/bridge/protocol';
import { parseXpcJson } from '../../app/xpc/json';
import type { XpcValue } from '../../app/xpc/value';

export class BridgeArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BridgeArgumentError';
  }
}

/** Longest service name or job label accepted (launchd labels are far shorter). */
export const MAX_NAME_LENGTH = 512;
/** Largest composer payload text accepted, in UTF-16 units. */
export const MAX_PAYLOAD_TEXT_LENGTH = 1024 * 1024;
export const MAX_TEST_TIMEOUT_MS = 120_000;
export const DEFAULT_TEST_TIMEOUT_MS = 5_000;

const SEND_MODES = ['send', 'send-with-reply', 'sync'] as const;
const PROCESS_TYPES = ['app', 'background'] as const;
const REQUEST_KEYS = new Set(['service', 'privileged', 'mode', 'payload', 'processType', 'timeoutMs']);

/** A send request whose payload has been parsed: what the composer's client actually sends. */
export interface CheckedTestMessage {
  readonly service: string;
  readonly privileged: boolean;
  readonly mode: SendTestMessageRequest['mode'];
  readonly payload: XpcValue;
  readonly processType: SendTestMessageRequest['processType'];
  readonly timeoutMs: number;
}

export function isBridgeMethod(value: unknown): value is BridgeMethod {
  return typeof value === 'string' && (BRIDGE_METHODS as readonly string[]).includes(value);
}

export function checkMessageId(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new BridgeArgumentError(`${where}: message id must be a positive integer, got ${show(value)}`);
  }
  return value;
}

export function checkFromSeq(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BridgeArgumentError(`${where}: fromSeq must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(value: unknown, where: string, name: string): boolean {
  if (typeof value !== 'boolean') throw new BridgeArgumentError(`${where}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

export function checkName(value: unknown, where: string, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new BridgeArgumentError(`${where}: ${name} must be a non-empty string, got ${show(value)}`);
  if (value.length > MAX_NAME_LENGTH) throw new BridgeArgumentError(`${where}: ${name} is ${value.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
  if (/[\0-\x1f\x7f]/.test(value)) throw new BridgeArgumentError(`${where}: ${name} ${show(value)} contains a control character`);
  return value;
}

/** Validates a composer request and parses its XPC-JSON payload. */
export function checkTestMessage(value: unknown): CheckedTestMessage {
  const where = 'sendTestMessage';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BridgeArgumentError(`${where}: the request must be an object, got ${show(value)}`);
  }
  const request = value as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!REQUEST_KEYS.has(key)) throw new BridgeArgumentError(`${where}: unknown field ${show(key)} in the request`);
  }
  const service = checkName(request.service, where, 'service');
  const privileged = checkBoolean(request.privileged, where, 'privileged');
  const mode = checkChoice(request.mode, SEND_MODES, where, 'mode');
  const processType = checkChoice(request.processType, PROCESS_TYPES, where, 'processType');
  const timeoutMs = checkTimeout(request.timeoutMs, where);
  if (typeof request.payload !== 'string') throw new BridgeArgumentError(`${where}: payload must be XPC-JSON text, got ${show(request.payload)}`);
  if (request.payload.length > MAX_PAYLOAD_TEXT_LENGTH) {
    throw new BridgeArgumentError(`${where}: payload is ${request.payload.length} characters long; the limit is ${MAX_PAYLOAD_TEXT_LENGTH}`);
  }
  const parsed = parseXpcJson(request.payload);
  if (!parsed.ok) throw new BridgeArgumentError(`${where}: payload is not valid XPC-JSON: ${parsed.error.message}`);
  if (parsed.value.type !== 'dictionary') {
    throw new BridgeArgumentError(`${where}: payload must be an XPC dictionary (a JSON object), got ${parsed.value.type}`);
  }
  return { service, privileged, mode, payload: parsed.value, processType, timeoutMs };
}

function checkChoice<T extends string>(value: unknown, choices: readonly T[], where: string, name: string): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new BridgeArgumentError(`${where}: ${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

function checkTimeout(value: unknown, where: string): number {
  if (value === undefined || value === null) return DEFAULT_TEST_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TEST_TIMEOUT_MS) {
    throw new BridgeArgumentError(`${where}: timeoutMs must be an integer from 1 to ${MAX_TEST_TIMEOUT_MS}, got ${show(value)}`);
  }
  return value;
}

/** Longest session, file or export id accepted (the host's own ids are far shorter). */
export const MAX_ID_LENGTH = 64;
/** Longest filter text accepted for an export. */
export const MAX_EXPORT_FILTER_LENGTH = 4096;
/** Longest file name a page may suggest for an export. */
export const MAX_FILE_NAME_LENGTH = 200;
const MAX_PATH_LENGTH = 4096;

/** A session, held-file or export id: the host's own ids are letters, digits, '-' and '_'. */
export function checkId(value: unknown, where: string, name: string): string {
  if (typeof value !== 'string' || !/^[\w-]{1,64}$/.test(value)) {
    throw new BridgeArgumentError(`${where}: ${name} must be an id of up to ${MAX_ID_LENGTH} letters, digits, '-' or '_', got ${show(value)}`);
  }
  return value;
}

export function checkPath(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PATH_LENGTH || value.includes('\0')) {
    throw new BridgeArgumentError(`${where}: path must be a non-empty string of up to ${MAX_PATH_LENGTH} characters, got ${show(value)}`);
  }
  return value;
}

export function checkOpenCaptureRequest(value: unknown): OpenCaptureRequest {
  const where = 'openCapture';
  const request = checkObject(value, where, ['format', 'file', 'keepGood']);
  const format = checkChoice(request.format, ['capture', 'description'] as const, where, 'format');
  const file = request.file === undefined ? undefined : checkId(request.file, where, 'file');
  const keepGood = request.keepGood === undefined ? undefined : checkBoolean(request.keepGood, where, 'keepGood');
  return { format, file, keepGood };
}

export function checkCaptureExportRequest(value: unknown): CaptureExportRequest {
  const where = 'exportCapture';
  const request = checkObject(value, where, ['session', 'filter', 'gzip']);
  const session = checkId(request.session, where, 'session');
  const gzip = checkBoolean(request.gzip, where, 'gzip');
  if (request.filter !== undefined && typeof request.filter !== 'string') throw new BridgeArgumentError(`${where}: filter must be a string, got ${show(request.filter)}`);
  if (typeof request.filter === 'string' && request.filter.length > MAX_EXPORT_FILTER_LENGTH) {
    throw new BridgeArgumentError(`${where}: filter is ${request.filter.length} characters long; the limit is ${MAX_EXPORT_FILTER_LENGTH}`);
  }
  return { session, gzip, filter: request.filter as string | undefined };
}

export function checkTableExportRequest(value: unknown): TableExportRequest {
  const where = 'beginTableExport';
  const request = checkObject(value, where, ['session', 'fileName']);
  const session = checkId(request.session, where, 'session');
  const fileName = request.fileName;
  if (typeof fileName !== 'string' || fileName.length === 0 || fileName.length > MAX_FILE_NAME_LENGTH) {
    throw new BridgeArgumentError(`${where}: fileName must be a string of 1 to ${MAX_FILE_NAME_LENGTH} characters, got ${show(fileName)}`);
  }
  if (/[\0-\x1f\x7f/\\"]/.test(fileName) || fileName.startsWith('.')) {
    throw new BridgeArgumentError(`${where}: fileName ${show(fileName)} must be a plain file name (no '/', '\\', quotes, control characters or leading '.')`);
  }
  return { session, fileName };
}

export function checkTableText(value: unknown): string {
  if (typeof value !== 'string') throw new BridgeArgumentError(`appendTableExport: text must be a string, got ${show(value)}`);
  if (value.length > MAX_TABLE_CHUNK_CHARS) throw new BridgeArgumentError(`appendTableExport: text is ${value.length} characters long; the limit is ${MAX_TABLE_CHUNK_CHARS} per call`);
  return value;
}

function checkObject(value: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BridgeArgumentError(`${where}: the request must be an object, got ${show(value)}`);
  const request = value as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!keys.includes(key)) throw new BridgeArgumentError(`${where}: unknown field ${show(key)} in the request`);
  }
  return request;
}

/** A short, safe rendering of an offending value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
