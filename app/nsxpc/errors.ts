/**
 * Errors of the NSXPC / keyed-archive decoders. Every decoder returns a result instead of
 * throwing: payloads come from other processes, so a broken one is ordinary input.
 */

export type NsxpcErrorCode =
  /** The bytes do not start with the expected magic. */
  | 'bad-magic'
  /** A read ran past the end of the bytes (or of the object area). */
  | 'truncated'
  /** A marker byte this format does not define. */
  | 'bad-marker'
  /** A value that is structurally wrong (bad length, bad reference, non-string key …). */
  | 'malformed'
  /** A container that contains itself. */
  | 'cycle'
  /** A bound on objects, depth or expansion was reached. */
  | 'over-limit'
  /** Well-formed plist, but not the archive / invocation shape expected. */
  | 'not-archive';

export class NsxpcDecodeError extends Error {
  constructor(
    readonly code: NsxpcErrorCode,
    /** Byte offset in the decoded buffer the problem was found at (-1: not tied to a byte). */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(offset >= 0 ? `byte ${offset}: ${reason}` : reason);
    this.name = 'NsxpcDecodeError';
  }
}

export type NsxpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NsxpcDecodeError };

export function fail(code: NsxpcErrorCode, offset: number, reason: string): never {
  throw new NsxpcDecodeError(code, offset, reason);
}

/**
 * Runs a throwing decoder and turns its failure into a result. Anything that is not our own
 * error (a RangeError from a DataView, say) is a decoder gap, still reported as data, not thrown.
 */
export function attempt<T>(run: () => T): NsxpcResult<T> {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    if (e instanceof NsxpcDecodeError) return { ok: false, error: e };
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, error: new NsxpcDecodeError('malformed', -1, `unexpected decoder failure: ${reason}`) };
  }
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
