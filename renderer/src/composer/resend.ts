/**
 * "Edit and resend": the composer draft for a captured message — its service (privileged when a
 * daemon provides it), the mode its flags say it was sent with, and its payload as XPC-JSON.
 */
import type { JobSummary } from '../../../app/events/schema';
import { printXpcJson } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import type { ClientIdentity, ComposerDraft, SendMode } from './saved-messages';
import { privilegedFor } from './services';

export interface CapturedMessage {
  readonly service: string;
  readonly expectsReply: boolean;
  readonly sync: boolean;
  readonly payload: XpcValue;
}

export function modeFor(expectsReply: boolean, sync: boolean): SendMode {
  if (!expectsReply) return 'send';
  return sync ? 'sync' : 'send-with-reply';
}

/** The draft that sends the captured message again, as `processType` (the composer's current identity). */
export function resendDraft(message: CapturedMessage, processType: ClientIdentity, jobs: readonly JobSummary[]): ComposerDraft {
  return {
    service: message.service,
    privileged: privilegedFor(message.service, jobs) ?? false,
    mode: modeFor(message.expectsReply, message.sync),
    processType,
    payload: printXpcJson(message.payload),
  };
}
