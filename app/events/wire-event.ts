/**
 * An event as it crosses the bridge or sits in a capture line: `value` fields replaced by their
 * XPC-JSON tree. A module of its own so that the bridge contract, the capture format and the
 * model can all use it without importing one another.
 */
import type { InspectorEvent } from './schema';

export type WireEvent = InspectorEvent extends infer E
  ? E extends { value?: unknown }
    ? Omit<E, 'value'> & { value?: unknown }
    : E
  : never;
