/**
 * Recovers a message's payload from its raw frame when the event left it out (the broker
 * omits values above its event body cap). The frames the broker keeps are the process's
 * own op frames (send, reply, peer-send): an XPC dictionary whose `body` is the payload.
 */
import { decodeXpc } from '../../app/xpc/codec';
import { FRAME_HEADER_SIZE } from '../../app/xpc/frame';
import { dictGet, type XpcValue } from '../../app/xpc/value';

export type FramePayload = { ok: true; value: XpcValue } | { ok: false; reason: string };

export function payloadFromFrame(frame: Uint8Array): FramePayload {
  if (frame.length <= FRAME_HEADER_SIZE) return { ok: false, reason: `the frame has no body (${frame.length} bytes)` };
  const decoded = decodeXpc(frame.subarray(FRAME_HEADER_SIZE));
  if (!decoded.ok) return { ok: false, reason: `the frame body does not decode: ${decoded.error.message}` };
  const body = dictGet(decoded.value, 'body');
  if (body === undefined) return { ok: false, reason: 'the frame carries no "body" (it is not a message frame)' };
  return { ok: true, value: body };
}
