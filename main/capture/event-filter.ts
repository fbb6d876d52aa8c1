/**
 * The timeline filter language (app/filter) applied to a capture file, for `export --filter`.
 *
 * The filter language describes timeline rows, which the inspector model derives from events —
 * and some of a row's facts (answered, failed, its latency) only arrive with later events. So
 * the file is read twice: the first pass runs the model over it and judges each row once it is
 * complete (when it is about to leave the model's bounded ring, or at the end); the second pass
 * (the export) keeps
 *  - the event behind each matching row, and
 *  - every event about a matching message (delivery, handling, reply creation, reply, failure,
 *    drop, and the transactions and boosts it caused).
 * Memory stays bounded by the ring plus the set of matching seqs.
 */
import type { WireEvent } from '../../app/bridge/contract';
import { describeFilterError, parseFilter } from '../../app/filter';
import { InspectorModel, NONE, ROW_KIND_CODE } from '../../app/model';
import type { EventPredicate } from './export';
import { CaptureReader, type CaptureReadOptions } from './import';

export class FilterTextError extends Error {
  constructor(
    readonly filter: string,
    readonly detail: string,
  ) {
    super(`--filter ${JSON.stringify(filter)}: ${detail}`);
    this.name = 'FilterTextError';
  }
}

/** Rows held while judging; rows are judged before the ring would drop them. */
const JUDGE_RING = 100_000;

/** Reads `path` once and returns the predicate the export applies on its own pass. */
export async function captureFilter(path: string, text: string, options?: CaptureReadOptions): Promise<EventPredicate> {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new FilterTextError(text, describeFilterError(parsed.error));
  const model = new InspectorModel({ rowCapacity: JUDGE_RING, payloadWindow: 0 });
  const matches = parsed.filter.bind({ rows: model.rows, strings: model.strings, processName: (pid) => model.processName(pid) });
  const rows = model.rows;
  const seqs = new Set<number>();
  const messages = new Set<number>();
  let judged = 0;
  const judgeUpTo = (end: number): void => {
    for (judged = Math.max(judged, rows.first); judged < end; judged++) {
      const slot = rows.slot(judged);
      if (!matches(slot)) continue;
      seqs.add(rows.seq[slot]!);
      if (rows.kind[slot] !== ROW_KIND_CODE.lifecycle && rows.message[slot] !== NONE) messages.add(rows.message[slot]!);
    }
  };
  const reader = new CaptureReader(path, options);
  for await (const batch of reader.batches()) {
    for (let i = 0; i < batch.length; i += 1000) {
      const part = batch.slice(i, i + 1000);
      // Judge the oldest rows while the ring still holds them, leaving room for this part.
      judgeUpTo(rows.end - (JUDGE_RING - part.length * 2));
      model.applyBatch(part);
    }
  }
  judgeUpTo(rows.end);
  return (event) => seqs.has(event.seq) || aboutMessage(event, messages);
}

/** True when the event reports on one of `messages`. */
function aboutMessage(event: WireEvent, messages: ReadonlySet<number>): boolean {
  switch (event.kind) {
    case 'message-delivered':
    case 'message-handled':
    case 'message-dropped':
      return messages.has(event.message);
    case 'message-sent':
      return messages.has(event.message) || (event.inReplyTo !== undefined && messages.has(event.inReplyTo));
    case 'reply-created':
    case 'reply-failed':
      return messages.has(event.request);
    case 'reply-received':
      return messages.has(event.request) || messages.has(event.reply);
    case 'transaction':
    case 'boost':
      return event.message !== undefined && messages.has(event.message);
    default:
      return false;
  }
}
