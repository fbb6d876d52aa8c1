/**
 * Apple's XPC serialization format (the bytes libxpc puts in a message, and RemoteXPC puts in
 * a frame body): encoder, total decoder and exact size computation. docs/wire-format.md has the
 * byte layouts. The encoder writes RemoteXPC payloads; the decoder also reads libxpc's Mach
 * message bodies (decodeXpcAs, XpcContainer; app/xpc/container.ts picks one by magic).
 *
 * All integers are little-endian and every object starts on a 4-byte boundary:
 *
 *   payload    = u32 magic 0x42133742 (libxpc: 0x40585043), u32 version 5, object
 *   object     = u32 type code, body
 *   cstring    = u32 length (bytes + the NUL), UTF-8 bytes, NUL, zero padding to 4
 *   container  = u32 byte count of what follows, u32 entry count, entries
 *
 * Apple moves fd, shmem and endpoint objects out of line as Mach port rights, and keeps only a
 * placeholder in the bytes. A socket cannot carry port rights, so this codec gives them inline
 * bodies of its own (the values a peer needs to re-create them):
 *   fd 0xb000        cstring: the path the descriptor was opened from
 *   shmem 0xc000     u64: the region's size in bytes
 *   endpoint 0x12000 cstring: the name of the service the endpoint leads to
 *   error 0x10000    dictionary body with "XPCErrorDescription" => string (other keys are ignored)
 *
 * Strings are C strings in XPC (xpc_string_create takes a `const char *`), so a string, key,
 * path or service name containing NUL cannot be represented; neither can lone UTF-16 surrogates,
 * which have no UTF-8 form. The encoder rejects both instead of altering the text.
 */
import { appendJsonPath } from './json-syntax';
import { INT64_MAX, INT64_MIN, UINT64_MAX, xpc, type XpcType, type XpcValue } from './value';

export const XPC_PAYLOAD_MAGIC = 0x42133742;
/** The magic libxpc writes in front of the body of its Mach messages ('CPX@' as bytes on disk). */
export const LIBXPC_MESSAGE_MAGIC = 0x40585043;
export const XPC_PAYLOAD_VERSION = 5;
/** Magic and version in front of the root object. */
export const XPC_PAYLOAD_HEADER_SIZE = 8;
/**
 * Which serialization wraps the root object. Both have the same version and object layout;
 * they differ in the magic, in what may follow the root object, and in the fd body:
 *   remotexpc  magic 0x42133742; nothing may follow the root; fd carries its path (ours)
 *   libxpc     magic 0x40585043 ('CPX@'); zero bytes may follow the root, because libxpc pads an
 *              out-of-line region to the page size; fd is the bare type code, since the
 *              descriptor travels as a Mach port right (decoded as an fd with an empty path)
 */
export type XpcContainer = 'remotexpc' | 'libxpc';

/** The one key of an error object's dictionary body. */
export const XPC_ERROR_DESCRIPTION_KEY = 'XPCErrorDescription';

const T_NULL = 0x1000;
const T_BOOL = 0x2000;
const T_INT64 = 0x3000;
const T_UINT64 = 0x4000;
const T_DOUBLE = 0x5000;
const T_DATE = 0x7000;
const T_DATA = 0x8000;
const T_STRING = 0x9000;
const T_UUID = 0xa000;
const T_FD = 0xb000;
const T_SHMEM = 0xc000;
const T_ARRAY = 0xe000;
const T_DICTIONARY = 0xf000;
const T_ERROR = 0x10000;
const T_ENDPOINT = 0x12000;

/** The type code written in front of each object. */
export const XPC_TYPE_CODES: Readonly<Record<XpcType, number>> = Object.freeze({
  null: T_NULL,
  bool: T_BOOL,
  int64: T_INT64,
  uint64: T_UINT64,
  double: T_DOUBLE,
  date: T_DATE,
  data: T_DATA,
  string: T_STRING,
  uuid: T_UUID,
  fd: T_FD,
  shmem: T_SHMEM,
  array: T_ARRAY,
  dictionary: T_DICTIONARY,
  error: T_ERROR,
  endpoint: T_ENDPOINT,
});

const U32_MAX = 0xffff_ffff;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the string, not a marker to strip.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** n rounded up to a multiple of 4 (arithmetic, not `& ~3`, so lengths past 2^31 stay right). */
function pad4(n: number): number {
  return n + ((4 - (n & 3)) & 3);
}

// ---- limits and errors ---------------------------------------------------------------------

export interface DecodeLimits {
  /** Largest payload accepted, in bytes. */
  maxBytes: number;
  /** Deepest container nesting (the root container is depth 1). */
  maxDepth: number;
  /** Total container entries (array items + dictionary entries) in one payload. */
  maxElements: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 1_000_000,
});

/** The decoder recurses once per container level; this keeps any configured depth well inside the JS stack. */
export const MAX_SUPPORTED_DEPTH = 1024;

export type XpcDecodeErrorCode =
  /** The input ends before a field the format requires. */
  | 'truncated'
  /** The input is longer than maxBytes (or a frame's body longer than maxFrameBytes). */
  | 'too-large'
  | 'bad-magic'
  | 'bad-version'
  | 'unknown-type'
  /** A declared length or entry count does not fit, or does not match, its container. */
  | 'bad-length'
  | 'bad-utf8'
  /** A string, fd path or endpoint name is not NUL-terminated exactly at its declared length. */
  | 'bad-string'
  /** A dictionary key has no NUL terminator inside its dictionary. */
  | 'bad-key'
  /** A bool body other than 0 or 1. */
  | 'bad-bool'
  /** Alignment padding that is not zero. */
  | 'bad-padding'
  | 'duplicate-key'
  | 'too-deep'
  | 'too-many-elements'
  /** A shmem size beyond 2^53-1 bytes. */
  | 'out-of-range'
  /** An error object without an XPCErrorDescription string. */
  | 'bad-error'
  /** Bytes left over after the root object (in a libxpc body: a non-zero byte after it). */
  | 'trailing-bytes';

/** Why bytes are not a valid XPC payload, and the byte offset where that was found. */
export class XpcDecodeError extends Error {
  readonly code: XpcDecodeErrorCode;
  readonly offset: number;
  /** The message without the offset prefix. */
  readonly detail: string;
  constructor(code: XpcDecodeErrorCode, offset: number, detail: string, where = 'byte') {
    super(`at ${where} ${offset}: ${detail}`);
    this.name = 'XpcDecodeError';
    this.code = code;
    this.offset = offset;
    this.detail = detail;
  }
}

export type DecodeResult = { ok: true; value: XpcValue } | { ok: false; error: XpcDecodeError };

/**
 * A value the format cannot carry. `path` is the JSONPath of the offending value
 * (`$`, `$.items[3]`, `$["a key"]`).
 */
export class XpcEncodeError extends RangeError {
  readonly path: string;
  readonly reason: string;
  constructor(reason: string, path = '$') {
    super(`cannot encode ${path}: ${reason}`);
    this.name = 'XpcEncodeError';
    this.reason = reason;
    this.path = path;
  }
}

// ---- encoder -------------------------------------------------------------------------------

/** Encodes a value as a complete payload (magic, version, root object). Throws XpcEncodeError (a RangeError). */
export function encodeXpc(value: XpcValue): Uint8Array {
  return encodeXpcWithPrefix(value, 0);
}

/**
 * One entry of a root dictionary given as its encoded object (type code and body, as
 * decodeXpcLocating found it in a received payload): the encoder copies these bytes instead of
 * encoding the entry's value again. The bytes must be an encoding of exactly that value.
 */
export interface VerbatimEntry {
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** The exact length of encodeXpc(value), computed without encoding. Throws XpcEncodeError like encodeXpc. */
export function encodedSize(value: XpcValue, verbatim?: VerbatimEntry): number {
  if (verbatim !== undefined && value.type === 'dictionary' && value.entries.has(verbatim.key)) {
    return XPC_PAYLOAD_HEADER_SIZE + sizeOfRootWithVerbatim(value.entries, verbatim);
  }
  return XPC_PAYLOAD_HEADER_SIZE + sizeOfValue(value);
}

/**
 * Writes the payload of `value` at `offset` of `target`, whose bytes there must be zero (padding
 * is not written); `size` is encodedSize(value, verbatim). Returns the offset after the payload.
 * For callers that gather many frames into one buffer.
 */
export function encodeXpcInto(value: XpcValue, target: Uint8Array, offset: number, size: number, verbatim?: VerbatimEntry): number {
  const writer = new PayloadWriter(target, offset);
  writer.u32(XPC_PAYLOAD_MAGIC);
  writer.u32(XPC_PAYLOAD_VERSION);
  if (verbatim !== undefined && value.type === 'dictionary' && value.entries.has(verbatim.key)) writer.rootWithVerbatim(value.entries, verbatim);
  else writer.value(value);
  if (writer.pos !== offset + size) throw new Error(`XPC encoder wrote ${writer.pos - offset} bytes, expected ${size}`);
  return writer.pos;
}

function sizeOfRootWithVerbatim(entries: ReadonlyMap<string, XpcValue>, verbatim: VerbatimEntry): number {
  let size = 12;
  for (const [key, item] of entries) {
    size += keySize(key);
    size += key === verbatim.key ? verbatim.bytes.length : sizeOfValue(item);
  }
  checkContainerSize(size, entries.size, 'dictionary');
  return size;
}

/**
 * Encodes a payload after `prefixBytes` zero bytes that the caller fills in (a frame header),
 * so that header and payload share one allocation.
 */
export function encodeXpcWithPrefix(value: XpcValue, prefixBytes: number): Uint8Array {
  const size = prefixBytes + encodedSize(value);
  const bytes = new Uint8Array(size);
  const writer = new PayloadWriter(bytes, prefixBytes);
  writer.u32(XPC_PAYLOAD_MAGIC);
  writer.u32(XPC_PAYLOAD_VERSION);
  writer.value(value);
  // The size pass and the write pass read the same immutable value; a mismatch is a codec bug.
  if (writer.pos !== size) throw new Error(`XPC encoder wrote ${writer.pos - prefixBytes} bytes, expected ${size - prefixBytes}`);
  return bytes;
}

/** "XPCErrorDescription" + NUL, padded. */
const ERROR_KEY_SIZE = pad4(XPC_ERROR_DESCRIPTION_KEY.length + 1);

/** Byte size of one object (type code included); validates everything the write pass relies on. */
function sizeOfValue(v: XpcValue): number {
  switch (v.type) {
    case 'null':
      return 4;
    case 'bool':
      return 8;
    case 'double':
      return 12;
    case 'int64':
    case 'date':
      checkBigInt(v.value, INT64_MIN, INT64_MAX, v.type);
      return 12;
    case 'uint64':
      checkBigInt(v.value, 0n, UINT64_MAX, 'uint64');
      return 12;
    case 'shmem':
      if (!Number.isSafeInteger(v.size) || v.size < 0) throw new XpcEncodeError(`shmem size must be a non-negative safe integer, got ${v.size}`);
      return 12;
    case 'data':
      if (v.value.length > U32_MAX) throw new XpcEncodeError(`data of ${v.value.length} bytes exceeds the u32 length field`);
      return 8 + pad4(v.value.length);
    case 'uuid':
      if (v.value.length !== 16) throw new XpcEncodeError(`uuid must be 16 bytes, got ${v.value.length}`);
      return 20;
    case 'string':
      return 4 + sizeOfCString(v.value, 'string');
    case 'fd':
      return 4 + sizeOfCString(v.path, 'fd path');
    case 'endpoint':
      return 4 + sizeOfCString(v.service, 'endpoint service name');
    case 'error':
      return 12 + ERROR_KEY_SIZE + 4 + sizeOfCString(v.description, 'error description');
    case 'array': {
      let size = 12;
      const items = v.items;
      for (let i = 0; i < items.length; i++) {
        try {
          size += sizeOfValue(items[i]!);
        } catch (error) {
          throw withPathSegment(error, i);
        }
      }
      checkContainerSize(size, items.length, 'array');
      return size;
    }
    case 'dictionary': {
      let size = 12;
      for (const [key, item] of v.entries) {
        size += keySize(key);
        try {
          size += sizeOfValue(item);
        } catch (error) {
          throw withPathSegment(error, key);
        }
      }
      checkContainerSize(size, v.entries.size, 'dictionary');
      return size;
    }
    default:
      throw new XpcEncodeError(`unknown XPC type ${JSON.stringify((v as { type: unknown }).type)}`);
  }
}

function checkBigInt(value: bigint, min: bigint, max: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < min || value > max) throw new XpcEncodeError(`${what} out of range: ${String(value)}`);
}

function checkContainerSize(size: number, count: number, what: string): void {
  if (size - 8 > U32_MAX || count > U32_MAX) throw new XpcEncodeError(`${what} of ${size} bytes exceeds the u32 byte count`);
}

/** Length field + bytes + NUL + padding. */
function sizeOfCString(text: string, what: string): number {
  const length = cStringUtf8Length(text, what) + 1;
  if (length > U32_MAX) throw new XpcEncodeError(`${what} of ${length} bytes exceeds the u32 length field`);
  return 4 + pad4(length);
}

function keySize(key: string): number {
  return pad4(cStringUtf8Length(key, 'dictionary key') + 1);
}

/** UTF-8 length of text, rejecting what a NUL-terminated UTF-8 string cannot hold. */
function cStringUtf8Length(text: string, what: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw new XpcEncodeError(`${what} ${JSON.stringify(text)} contains NUL at index ${i}; XPC strings are NUL-terminated`);
    } else if (c < 0x800) {
      length += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) {
        throw new XpcEncodeError(`${what} ${JSON.stringify(text)} has a lone surrogate at index ${i}, which has no UTF-8 form`);
      }
      length += 2; // the pair is 2 UTF-16 units and 4 UTF-8 bytes
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}

function withPathSegment(error: unknown, segment: string | number): unknown {
  if (!(error instanceof XpcEncodeError)) return error;
  const path = appendJsonPath('$', segment) + error.path.slice(1);
  return new XpcEncodeError(error.reason, path);
}

/** Strings up to this many UTF-16 units are written by a plain loop when they are ASCII. */
const SHORT_STRING = 48;

/** Writes into a zero-filled buffer sized by sizeOfValue, so padding needs no writes. */
class PayloadWriter {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(n: number): void {
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  value(v: XpcValue): void {
    const view = this.view;
    switch (v.type) {
      case 'null':
        this.u32(T_NULL);
        return;
      case 'bool':
        this.u32(T_BOOL);
        this.u32(v.value ? 1 : 0);
        return;
      case 'int64':
      case 'date':
        this.u32(v.type === 'int64' ? T_INT64 : T_DATE);
        view.setBigInt64(this.pos, v.value, true);
        this.pos += 8;
        return;
      case 'uint64':
        this.u32(T_UINT64);
        view.setBigUint64(this.pos, v.value, true);
        this.pos += 8;
        return;
      case 'shmem':
        this.u32(T_SHMEM);
        view.setBigUint64(this.pos, BigInt(v.size), true);
        this.pos += 8;
        return;
      case 'double':
        this.u32(T_DOUBLE);
        view.setFloat64(this.pos, v.value, true);
        this.pos += 8;
        return;
      case 'data':
        this.u32(T_DATA);
        this.u32(v.value.length);
        this.bytes.set(v.value, this.pos);
        this.pos += pad4(v.value.length);
        return;
      case 'uuid':
        this.u32(T_UUID);
        this.bytes.set(v.value, this.pos);
        this.pos += 16;
        return;
      case 'string':
        this.u32(T_STRING);
        this.cString(v.value);
        return;
      case 'fd':
        this.u32(T_FD);
        this.cString(v.path);
        return;
      case 'endpoint':
        this.u32(T_ENDPOINT);
        this.cString(v.service);
        return;
      case 'error': {
        this.u32(T_ERROR);
        const countPos = this.containerStart();
        this.u32(1);
        this.key(XPC_ERROR_DESCRIPTION_KEY);
        this.u32(T_STRING);
        this.cString(v.description);
        this.containerEnd(countPos);
        return;
      }
      case 'array': {
        this.u32(T_ARRAY);
        const countPos = this.containerStart();
        this.u32(v.items.length);
        for (const item of v.items) this.value(item);
        this.containerEnd(countPos);
        return;
      }
      case 'dictionary': {
        this.u32(T_DICTIONARY);
        const countPos = this.containerStart();
        this.u32(v.entries.size);
        for (const [key, item] of v.entries) {
          this.key(key);
          this.value(item);
        }
        this.containerEnd(countPos);
        return;
      }
    }
  }

  /** The root dictionary, one of whose entries is copied from already-encoded bytes. */
  rootWithVerbatim(entries: ReadonlyMap<string, XpcValue>, verbatim: VerbatimEntry): void {
    this.u32(T_DICTIONARY);
    const countPos = this.containerStart();
    this.u32(entries.size);
    for (const [key, item] of entries) {
      this.key(key);
      if (key === verbatim.key) {
        this.bytes.set(verbatim.bytes, this.pos);
        this.pos += verbatim.bytes.length;
      } else this.value(item);
    }
    this.containerEnd(countPos);
  }

  /** Reserves the byte count; returns where the counted bytes start. */
  private containerStart(): number {
    this.pos += 4;
    return this.pos;
  }

  private containerEnd(start: number): void {
    this.view.setUint32(start - 4, this.pos - start, true);
  }

  private cString(text: string): void {
    const lengthPos = this.pos;
    const written = this.utf8(text, lengthPos + 4);
    this.view.setUint32(lengthPos, written + 1, true);
    this.pos = lengthPos + 4 + pad4(written + 1);
  }

  private key(text: string): void {
    const written = this.utf8(text, this.pos);
    this.pos += pad4(written + 1);
  }

  /** Writes text's UTF-8 at `at` (the NUL after it is already zero); returns the byte count. */
  private utf8(text: string, at: number): number {
    const bytes = this.bytes;
    if (text.length <= SHORT_STRING) {
      let i = 0;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
      }
      if (i === text.length) return i;
    }
    return utf8Encoder.encodeInto(text, bytes.subarray(at)).written;
  }
}

// ---- decoder -------------------------------------------------------------------------------

/**
 * Decodes a payload. Total: for any input it returns a value or an XpcDecodeError naming the
 * byte offset, and it allocates no more than the input's size. Throws only RangeError for
 * invalid limits, which is a programming error rather than bad input.
 */
export function decodeXpc(bytes: Uint8Array, limits?: Partial<DecodeLimits>): DecodeResult {
  const resolved = resolveLimits(limits);
  try {
    return { ok: true, value: decodePayload(bytes, resolved) };
  } catch (error) {
    if (error instanceof XpcDecodeError) return { ok: false, error };
    throw error;
  }
}

export type LocatingDecodeResult =
  | { ok: true; value: XpcValue; /** The encoded object of the root dictionary's entry `key`, a view of the input; undefined if absent. */ located: Uint8Array | undefined }
  | { ok: false; error: XpcDecodeError };

/**
 * decodeXpc that also returns where the root dictionary's entry `key` lies in the input (its
 * type code and body), so that a router can forward that entry without encoding it again
 * (see VerbatimEntry). With `key` undefined it is decodeXpc.
 */
export function decodeXpcLocating(bytes: Uint8Array, key: string | undefined, limits?: Partial<DecodeLimits>): LocatingDecodeResult {
  const resolved = resolveLimits(limits);
  try {
    const reader = new PayloadReader(bytes, resolved, key);
    const value = decodeWith(reader, bytes, resolved);
    const located = reader.locatedStart >= 0 ? bytes.subarray(reader.locatedStart, reader.locatedEnd) : undefined;
    return { ok: true, value, located };
  } catch (error) {
    if (error instanceof XpcDecodeError) return { ok: false, error };
    throw error;
  }
}

/**
 * decodeXpc for either serialization: `container` says which magic is expected and which fd
 * body and trailing bytes are allowed (see XpcContainer). Total like decodeXpc.
 */
export function decodeXpcAs(bytes: Uint8Array, container: XpcContainer, limits?: Partial<DecodeLimits>): DecodeResult {
  const resolved = resolveLimits(limits);
  try {
    return { ok: true, value: decodeWith(new PayloadReader(bytes, resolved, undefined, container), bytes, resolved, container) };
  } catch (error) {
    if (error instanceof XpcDecodeError) return { ok: false, error };
    throw error;
  }
}

/** Like decodeXpc, but throws the XpcDecodeError. */
export function decodeXpcOrThrow(bytes: Uint8Array, limits?: Partial<DecodeLimits>): XpcValue {
  return decodePayload(bytes, resolveLimits(limits));
}

function resolveLimits(limits: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (limits === undefined || limits === DEFAULT_DECODE_LIMITS) return DEFAULT_DECODE_LIMITS;
  const resolved: DecodeLimits = {
    maxBytes: checkLimit('maxBytes', limits.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes, Number.MAX_SAFE_INTEGER),
    maxDepth: checkLimit('maxDepth', limits.maxDepth ?? DEFAULT_DECODE_LIMITS.maxDepth, MAX_SUPPORTED_DEPTH),
    maxElements: checkLimit('maxElements', limits.maxElements ?? DEFAULT_DECODE_LIMITS.maxElements, Number.MAX_SAFE_INTEGER),
  };
  return resolved;
}

function checkLimit(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`decode limit ${name} must be an integer from 0 to ${max}, got ${value}`);
  }
  return value;
}

function decodePayload(bytes: Uint8Array, limits: DecodeLimits): XpcValue {
  return decodeWith(new PayloadReader(bytes, limits), bytes, limits);
}

function decodeWith(reader: PayloadReader, bytes: Uint8Array, limits: DecodeLimits, container: XpcContainer = 'remotexpc'): XpcValue {
  if (bytes.length > limits.maxBytes) {
    throw new XpcDecodeError('too-large', limits.maxBytes, `payload of ${bytes.length} bytes exceeds the limit of ${limits.maxBytes} bytes`);
  }
  reader.need(4, 'the payload magic');
  const magic = reader.u32();
  const expected = container === 'libxpc' ? LIBXPC_MESSAGE_MAGIC : XPC_PAYLOAD_MAGIC;
  if (magic !== expected) {
    const what = container === 'libxpc' ? 'libxpc message magic' : 'payload magic';
    throw new XpcDecodeError('bad-magic', 0, `expected ${what} ${hex(expected)}, found ${hex(magic)}`);
  }
  reader.need(4, 'the payload version');
  const version = reader.u32();
  if (version !== XPC_PAYLOAD_VERSION) throw new XpcDecodeError('bad-version', 4, `expected payload version ${XPC_PAYLOAD_VERSION}, found ${version}`);
  const value = reader.value(0);
  if (container === 'libxpc') {
    // libxpc pads an out-of-line region to whole pages: zeros after the root are that padding.
    for (let i = reader.pos; i < bytes.length; i++) {
      if (bytes[i] !== 0) {
        throw new XpcDecodeError('trailing-bytes', i, `expected only zero padding after the root object (which ends at byte ${reader.pos}), found ${hex(bytes[i]!)}`);
      }
    }
    return value;
  }
  if (reader.pos !== bytes.length) {
    throw new XpcDecodeError('trailing-bytes', reader.pos, `expected the end of the payload after the root object, found ${bytes.length - reader.pos} more bytes`);
  }
  return value;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(n > 0xffff ? 8 : 4, '0')}`;
}

/**
 * Recently decoded short strings, by their bytes. Messages of one protocol repeat the same
 * keys and short values; handing out the string made last time skips building a new one (and
 * V8 re-hashing it as a Map key). Strings are immutable, so sharing them is safe. Bounded:
 * TEXT_CACHE_SLOTS entries of at most TEXT_CACHE_MAX_BYTES bytes.
 */
const TEXT_CACHE_SLOTS = 1024; // a power of 2
const TEXT_CACHE_MAX_BYTES = 32;
const NO_TEXT = new Uint8Array(TEXT_CACHE_MAX_BYTES + 1); // a length no lookup matches
const cachedTextBytes: Uint8Array[] = new Array<Uint8Array>(TEXT_CACHE_SLOTS).fill(NO_TEXT);
const cachedText: string[] = new Array<string>(TEXT_CACHE_SLOTS).fill('');

class PayloadReader {
  pos = 0;
  /** Exclusive end of the innermost container being read (the input's end at the root). */
  private end: number;
  /** Offset and kind of that container, for error messages; -1 at the root. */
  private containerAt = -1;
  private containerKind = '';
  private elements = 0;
  private readonly view: DataView;
  /** Where the root dictionary's entry `locate` was found: [start, end) of its object; -1 until then. */
  locatedStart = -1;
  locatedEnd = -1;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: DecodeLimits,
    /** A root dictionary key whose object's extent to record. */
    private readonly locate?: string,
    private readonly container: XpcContainer = 'remotexpc',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
  }

  /**
   * Fails unless n more bytes fit in the current container (or the input, at the root).
   * `lengthAt` is the offset of the length field that declared n, which the error then points at.
   */
  need(n: number, what: string, lengthAt = -1): void {
    if (this.pos + n <= this.end) return;
    const left = this.end - this.pos;
    const at = lengthAt >= 0 ? lengthAt : this.pos;
    const declared = lengthAt >= 0 ? ` declared at byte ${lengthAt}` : '';
    if (this.containerAt < 0) {
      throw new XpcDecodeError('truncated', at, `expected ${what} (${n} bytes)${declared} from byte ${this.pos}, but the input ends after ${left}`);
    }
    throw new XpcDecodeError(
      'bad-length',
      at,
      `expected ${what} (${n} bytes)${declared} from byte ${this.pos}, but only ${left} remain in the ${this.containerKind} at byte ${this.containerAt}`,
    );
  }

  u32(): number {
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return n;
  }

  /** Reads one object; `depth` is the number of containers around it. */
  value(depth: number): XpcValue {
    this.need(4, 'a type code');
    const typeAt = this.pos;
    const type = this.u32();
    switch (type) {
      case T_NULL:
        return xpc.null();
      case T_BOOL: {
        this.need(4, 'a bool');
        const b = this.u32();
        if (b > 1) throw new XpcDecodeError('bad-bool', this.pos - 4, `expected a bool of 0 or 1, found ${hex(b)}`);
        return { type: 'bool', value: b === 1 };
      }
      case T_INT64:
        return { type: 'int64', value: this.i64('an int64') };
      case T_DATE:
        return { type: 'date', value: this.i64('a date') };
      case T_UINT64:
        this.need(8, 'a uint64');
        this.pos += 8;
        return { type: 'uint64', value: this.view.getBigUint64(this.pos - 8, true) };
      case T_DOUBLE:
        this.need(8, 'a double');
        this.pos += 8;
        return { type: 'double', value: this.view.getFloat64(this.pos - 8, true) };
      case T_SHMEM: {
        this.need(8, 'a shmem size');
        const size = this.view.getBigUint64(this.pos, true);
        if (size > MAX_SAFE_BIGINT) throw new XpcDecodeError('out-of-range', this.pos, `expected a shmem size up to 2^53-1, found ${size}`);
        this.pos += 8;
        return { type: 'shmem', size: Number(size) };
      }
      case T_DATA: {
        this.need(4, 'a data length');
        const length = this.u32();
        const start = this.pos;
        this.need(pad4(length), `${length} data bytes and padding`, start - 4);
        this.pos += length;
        this.padding(start + pad4(length));
        return { type: 'data', value: this.copy(start, start + length) };
      }
      case T_UUID:
        this.need(16, 'a 16-byte uuid');
        this.pos += 16;
        return { type: 'uuid', value: this.copy(this.pos - 16, this.pos) };
      case T_STRING:
        return { type: 'string', value: this.cString('string') };
      case T_FD:
        // libxpc sends the descriptor as a port right and writes no body: the path is unknown.
        if (this.container === 'libxpc') return { type: 'fd', path: '' };
        return { type: 'fd', path: this.cString('fd path') };
      case T_ENDPOINT:
        return { type: 'endpoint', service: this.cString('endpoint service name') };
      case T_ARRAY:
        return this.array(typeAt, depth);
      case T_DICTIONARY:
        return { type: 'dictionary', entries: this.dictionary(typeAt, depth, 'dictionary') };
      case T_ERROR: {
        const entries = this.dictionary(typeAt, depth, 'error');
        const description = entries.get(XPC_ERROR_DESCRIPTION_KEY);
        if (description?.type !== 'string') {
          throw new XpcDecodeError('bad-error', typeAt, `expected the error object to hold ${XPC_ERROR_DESCRIPTION_KEY} as a string`);
        }
        return { type: 'error', description: description.value };
      }
      default:
        throw new XpcDecodeError('unknown-type', typeAt, `expected an XPC type code, found unknown ${hex(type)}`);
    }
  }

  /**
   * A copy of bytes [start, end) as a plain Uint8Array. Not `slice`: on a Node Buffer that
   * returns a view, and the caller may reuse the input's memory.
   */
  private copy(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    out.set(this.bytes.subarray(start, end));
    return out;
  }

  private i64(what: string): bigint {
    this.need(8, what);
    this.pos += 8;
    return this.view.getBigInt64(this.pos - 8, true);
  }

  /** Fails unless the bytes from pos up to `until` are zero, then moves to `until`. */
  private padding(until: number): void {
    for (let i = this.pos; i < until; i++) {
      if (this.bytes[i] !== 0) throw new XpcDecodeError('bad-padding', i, `expected zero alignment padding, found ${hex(this.bytes[i]!)}`);
    }
    this.pos = until;
  }

  /** u32 length (with NUL), bytes, NUL, padding. */
  private cString(what: string): string {
    this.need(4, `a ${what} length`);
    const length = this.u32();
    const start = this.pos;
    if (length === 0) throw new XpcDecodeError('bad-string', start - 4, `expected a ${what} length of at least 1 (its NUL terminator), found 0`);
    this.need(pad4(length), `${length} ${what} bytes and padding`, start - 4);
    const nul = start + length - 1;
    if (this.bytes[nul] !== 0) throw new XpcDecodeError('bad-string', nul, `expected the NUL terminator of the ${what} at byte ${start - 4}`);
    const text = this.utf8(start, nul, what, true);
    this.pos = nul + 1;
    this.padding(start + pad4(length));
    return text;
  }

  /**
   * Decodes bytes [start, end) as UTF-8; with rejectNul, a NUL inside is an error. Short text
   * goes through the cache below.
   */
  private utf8(start: number, end: number, what: string, rejectNul: boolean): string {
    const bytes = this.bytes;
    const length = end - start;
    if (length <= TEXT_CACHE_MAX_BYTES) {
      let hash = 0x811c9dc5; // FNV-1a
      let ascii = true;
      for (let i = start; i < end; i++) {
        const b = bytes[i]!;
        if (b === 0 && rejectNul) this.embeddedNul(i, end, what);
        if (b >= 0x80) ascii = false;
        hash = Math.imul(hash ^ b, 0x01000193);
      }
      const slot = hash & (TEXT_CACHE_SLOTS - 1);
      const cached = cachedTextBytes[slot]!;
      if (cached.length === length) {
        let i = 0;
        while (i < length && cached[i] === bytes[start + i]) i++;
        if (i === length) return cachedText[slot]!;
      }
      let text = '';
      if (ascii) for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
      else text = this.decodeUtf8(start, end, what);
      cachedTextBytes[slot] = this.copy(start, end);
      cachedText[slot] = text;
      return text;
    }
    if (rejectNul) {
      // bytes[end] is the terminator, so the search stops there at the latest.
      const nul = bytes.indexOf(0, start);
      if (nul < end) this.embeddedNul(nul, end, what);
    }
    return this.decodeUtf8(start, end, what);
  }

  private decodeUtf8(start: number, end: number, what: string): string {
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, end));
    } catch {
      throw new XpcDecodeError('bad-utf8', start, `expected the ${what} to be valid UTF-8`);
    }
  }

  private embeddedNul(at: number, end: number, what: string): never {
    throw new XpcDecodeError('bad-string', at, `expected no NUL inside the ${what} before its terminator at byte ${end}`);
  }

  /**
   * Reads a container's byte count and entry count, checks them against the limits and the
   * bytes available, and makes it the current container. Returns the entry count.
   */
  private openContainer(typeAt: number, depth: number, kind: string, minEntryBytes: number): number {
    if (depth + 1 > this.limits.maxDepth) {
      throw new XpcDecodeError('too-deep', typeAt, `expected containers nested at most ${this.limits.maxDepth} deep, found a ${kind} at depth ${depth + 1}`);
    }
    this.need(4, `the ${kind} byte count`);
    const byteCount = this.u32();
    const bodyAt = this.pos;
    this.need(byteCount, `the ${kind} body`, bodyAt - 4);
    if (byteCount < 4) throw new XpcDecodeError('bad-length', bodyAt - 4, `expected a ${kind} byte count of at least 4 (its entry count), found ${byteCount}`);
    const count = this.u32();
    // Each entry takes at least minEntryBytes, so this bounds the loop before it starts.
    if (count > (byteCount - 4) / minEntryBytes) {
      throw new XpcDecodeError('bad-length', bodyAt, `expected an entry count that fits the ${kind}'s ${byteCount} bytes, found ${count}`);
    }
    this.elements += count;
    if (this.elements > this.limits.maxElements) {
      throw new XpcDecodeError('too-many-elements', bodyAt, `expected at most ${this.limits.maxElements} container entries in the payload, found ${this.elements} so far`);
    }
    this.end = bodyAt + byteCount;
    this.containerAt = typeAt;
    this.containerKind = kind;
    return count;
  }

  /** Checks the container consumed exactly its byte count and restores the enclosing one. */
  private closeContainer(typeAt: number, kind: string, end: number, containerAt: number, containerKind: string): void {
    if (this.pos !== this.end) {
      throw new XpcDecodeError('bad-length', this.pos, `expected the ${kind} at byte ${typeAt} to end here at byte ${this.end}, but its entries end at byte ${this.pos}`);
    }
    this.end = end;
    this.containerAt = containerAt;
    this.containerKind = containerKind;
  }

  private array(typeAt: number, depth: number): XpcValue {
    const { end, containerAt, containerKind } = this;
    const count = this.openContainer(typeAt, depth, 'array', 4);
    const items: XpcValue[] = [];
    for (let i = 0; i < count; i++) items.push(this.value(depth + 1));
    this.closeContainer(typeAt, 'array', end, containerAt, containerKind);
    return { type: 'array', items };
  }

  private dictionary(typeAt: number, depth: number, kind: string): Map<string, XpcValue> {
    const { end, containerAt, containerKind } = this;
    const count = this.openContainer(typeAt, depth, kind, 8);
    const entries = new Map<string, XpcValue>();
    const bytes = this.bytes;
    for (let i = 0; i < count; i++) {
      const keyAt = this.pos;
      let nul = keyAt;
      while (nul < this.end && bytes[nul] !== 0) nul++;
      if (nul === this.end) {
        throw new XpcDecodeError('bad-key', keyAt, `expected a NUL-terminated key inside the ${kind} at byte ${typeAt}, which ends at byte ${this.end}`);
      }
      const key = this.utf8(keyAt, nul, 'dictionary key', false);
      this.pos = nul + 1;
      const keyEnd = keyAt + pad4(nul + 1 - keyAt);
      this.need(keyEnd - this.pos, 'key padding');
      this.padding(keyEnd);
      if (entries.has(key)) throw new XpcDecodeError('duplicate-key', keyAt, `expected unique keys, found ${JSON.stringify(key)} twice in the ${kind} at byte ${typeAt}`);
      const valueAt = this.pos;
      entries.set(key, this.value(depth + 1));
      if (depth === 0 && key === this.locate && kind === 'dictionary') {
        this.locatedStart = valueAt;
        this.locatedEnd = this.pos;
      }
    }
    this.closeContainer(typeAt, kind, end, containerAt, containerKind);
    return entries;
  }
}
