/**
 * Decoding XPC bytes whose serialization is known only by its magic: a RemoteXPC payload
 * (0x42133742) or the body of a libxpc Mach message (0x40585043, 'CPX@'). For inputs that may
 * hold either (probe records, imported bytes); a RemoteXPC frame body stays a RemoteXPC payload
 * and is decoded with decodeXpc.
 */
import { decodeXpcAs, LIBXPC_MESSAGE_MAGIC, XPC_PAYLOAD_MAGIC, XpcDecodeError, type DecodeLimits, type XpcContainer } from './codec';
import type { XpcValue } from './value';

export type ContainerDecodeResult = { ok: true; value: XpcValue; container: XpcContainer } | { ok: false; error: XpcDecodeError };

/** Decodes the body of a libxpc Mach message (or one of its out-of-line regions, page padding included). */
export function decodeLibxpcMessage(bytes: Uint8Array, limits?: Partial<DecodeLimits>): ContainerDecodeResult {
  return withContainer(decodeXpcAs(bytes, 'libxpc', limits), 'libxpc');
}

/** The serialization the first four bytes name, or undefined when they are neither magic. */
export function detectXpcContainer(bytes: Uint8Array): XpcContainer | undefined {
  if (bytes.length < 4) return undefined;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (magic === XPC_PAYLOAD_MAGIC) return 'remotexpc';
  if (magic === LIBXPC_MESSAGE_MAGIC) return 'libxpc';
  return undefined;
}

/** Decodes either serialization, chosen by the magic; each keeps its own rules for what may follow the root. */
export function decodeXpcAnyContainer(bytes: Uint8Array, limits?: Partial<DecodeLimits>): ContainerDecodeResult {
  const container = detectXpcContainer(bytes);
  if (container !== undefined) return withContainer(decodeXpcAs(bytes, container, limits), container);
  const error =
    bytes.length < 4
      ? new XpcDecodeError('truncated', 0, `expected a 4-byte XPC magic, but the input ends after ${bytes.length} bytes`)
      : new XpcDecodeError('bad-magic', 0, `expected the RemoteXPC payload magic 0x42133742 or the libxpc message magic 0x40585043, found ${hexWord(bytes)}`);
  return { ok: false, error };
}

function withContainer(result: ReturnType<typeof decodeXpcAs>, container: XpcContainer): ContainerDecodeResult {
  return result.ok ? { ok: true, value: result.value, container } : result;
}

function hexWord(bytes: Uint8Array): string {
  return `0x${new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true).toString(16).padStart(8, '0')}`;
}
