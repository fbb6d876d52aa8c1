/**
 * The type palette: one XPC-JSON tag object per XPC type that plain JSON cannot spell, inserted
 * at the cursor with its placeholder selected so typing replaces it.
 */
import { formatRfc3339 } from '../../../app/xpc/rfc3339';

export const PALETTE_TAGS = ['$int64', '$uint64', '$double', '$date', '$data', '$uuid', '$fd', '$shmem', '$error', '$endpoint'] as const;
export type PaletteTag = (typeof PALETTE_TAGS)[number];

/** What the palette button explains on hover. */
export const PALETTE_HINTS: Readonly<Record<PaletteTag, string>> = {
  $int64: 'Signed 64-bit integer, exact (as a decimal string)',
  $uint64: 'Unsigned 64-bit integer, 0 … 18446744073709551615',
  $double: 'A double even when the number is whole; also "NaN", "Infinity", "-Infinity", "-0"',
  $date: 'A date: RFC 3339 with up to nanoseconds',
  $data: 'Bytes, as base64',
  $uuid: 'A uuid',
  $fd: 'A file descriptor: the path the receiver opens',
  $shmem: 'Shared memory: its size in bytes',
  $error: 'An XPC error object, by its description',
  $endpoint: 'An endpoint leading to a service',
};

export interface Snippet {
  readonly text: string;
  /** The placeholder inside `text` to select after inserting, [start, end). */
  readonly select: readonly [number, number];
}

export interface SnippetContext {
  /** Now, in ns since the epoch (for $date). */
  readonly nowNs: bigint;
  /** A fresh uuid (for $uuid). */
  readonly uuid: string;
}

export function paletteSnippet(tag: PaletteTag, context: SnippetContext): Snippet {
  switch (tag) {
    case '$int64':
      return tagged(tag, '"0"', true);
    case '$uint64':
      return tagged(tag, '"0"', true);
    case '$double':
      return tagged(tag, '1', false);
    case '$date':
      return tagged(tag, JSON.stringify(formatRfc3339(context.nowNs)), true);
    case '$data':
      return tagged(tag, '"aGVsbG8="', true);
    case '$uuid':
      return tagged(tag, JSON.stringify(context.uuid.toLowerCase()), true);
    case '$fd':
      return tagged(tag, '"/etc/hosts"', true);
    case '$shmem':
      return tagged(tag, '4096', false);
    case '$error':
      return tagged(tag, '"Connection invalid"', true);
    case '$endpoint':
      return tagged(tag, '"com.example.echo"', true);
  }
}

/** {"$tag": payload}, selecting the payload (inside its quotes when it is a string). */
function tagged(tag: PaletteTag, payload: string, quoted: boolean): Snippet {
  const head = `{"${tag}": `;
  const start = head.length + (quoted ? 1 : 0);
  const end = head.length + payload.length - (quoted ? 1 : 0);
  return { text: `${head}${payload}}`, select: [start, end] };
}

export interface Edit {
  readonly text: string;
  readonly selectionStart: number;
  readonly selectionEnd: number;
}

/** Replaces the selection [start, end) of `text` with the snippet and selects its placeholder. */
export function insertSnippet(text: string, start: number, end: number, snippet: Snippet): Edit {
  const from = Math.max(0, Math.min(start, end, text.length));
  const to = Math.min(text.length, Math.max(start, end));
  return {
    text: text.slice(0, from) + snippet.text + text.slice(to),
    selectionStart: from + snippet.select[0],
    selectionEnd: from + snippet.select[1],
  };
}
