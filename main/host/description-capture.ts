/**
 * Text that xpc_copy_description printed (lldb `po`, logs), made into a capture so it opens
 * like any other: one message per description found, on one connection named after the file.
 * Nothing is known of the processes or timing, so the messages come from a process named
 * "description text" (pid 0) at time 0, in the order they appear in the text.
 */
import { readFile, stat } from 'node:fs/promises';
import type { WireEvent } from '../../app/bridge/contract';
import { importDescriptions, type DescriptionIssue } from '../../app/capture/description-import';
import { createCaptureHeader } from '../../app/capture/format';
import { encodedSize } from '../../app/xpc/codec';
import { toXpcJson } from '../../app/xpc/json';
import { summarizeXpc } from '../broker/summary';
import { writeCaptureFile } from '../capture/export';
import { DEFAULT_MAX_LISTED_ERRORS } from '../capture/import-limits';

/** Largest description file read (descriptions are pasted text, not captures). */
export const MAX_DESCRIPTION_BYTES = 64 * 1024 * 1024;

/** The process the messages are shown as coming from: the text says nothing of who sent them. */
export const DESCRIBED_PROCESS = 'description text';

export interface DescriptionCapture {
  readonly messages: number;
  /** The first descriptions that could not be read, with their line numbers; `errorCount` counts them all. */
  readonly errors: readonly DescriptionIssue[];
  readonly errorCount: number;
}

/** Reads the descriptions in `input` and writes them as a capture to `output`. */
export async function descriptionsToCapture(input: string, output: string, fileName: string, maxListedErrors = DEFAULT_MAX_LISTED_ERRORS): Promise<DescriptionCapture> {
  // Checked before reading: the file may be a multi-gigabyte upload.
  const size = (await stat(input)).size;
  if (size > MAX_DESCRIPTION_BYTES) throw new Error(`${fileName}: ${size} bytes is more description text than XPC Inspector reads (${MAX_DESCRIPTION_BYTES} bytes)`);
  const bytes = await readFile(input);
  const text = bytes.toString('utf8');
  const result = importDescriptions(text);
  if (result.messages.length === 0 && result.errors.length === 0) {
    return { messages: 0, errors: [{ line: 1, message: 'no XPC description found (expected text like <dictionary: 0x…> { count = …, contents = … })' }], errorCount: 1 };
  }
  const service = fileName;
  const events: WireEvent[] = [
    { seq: 1, t: 0, kind: 'process-attached', process: { pid: 0, uid: 0, gid: 0, name: DESCRIBED_PROCESS }, processType: 'app' },
    { seq: 2, t: 0, kind: 'connection-opened', connection: 1, clientPid: 0, service, privileged: false, api: 'connection', viaEndpoint: false },
  ];
  result.messages.forEach((message, index) => {
    events.push({
      seq: index + 3,
      t: 0,
      kind: 'message-sent',
      message: index + 1,
      connection: 1,
      messageKind: 'message',
      fromPid: 0,
      service,
      expectsReply: false,
      sync: false,
      size: encodedSize(message.value),
      boosting: false,
      value: toXpcJson(message.value),
      summary: summarizeXpc(message.value),
    });
  });
  const header = createCaptureHeader(Date.now(), { kind: 'description-import', file: fileName });
  await writeCaptureFile(output, header, events);
  return { messages: result.messages.length, errors: result.errors.slice(0, maxListedErrors), errorCount: result.errors.length };
}
