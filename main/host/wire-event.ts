/**
 * Events cross the bridge as JSON-safe data: the one field that is not (a message's XPC
 * value, which holds bigint, Map and Uint8Array) becomes its XPC-JSON tree.
 */
import type { WireEvent } from '../../app/bridge/contract';
import type { InspectorEvent } from '../../app/events/schema';
import { toXpcJson } from '../../app/xpc/json';

export function toWireEvent(event: InspectorEvent): WireEvent {
  if (event.kind !== 'message-sent' || event.value === undefined) return event;
  let value: unknown;
  try {
    value = toXpcJson(event.value);
  } catch {
    // Streaming must not stop on one odd value: the event goes without it, as for a payload over
    // the body cap, and getMessage reports what is wrong with it when someone asks.
    const { value: _omitted, ...rest } = event;
    return rest;
  }
  return { ...event, value };
}
