/** The host side of the bridge, independent of its transport (Electron IPC or WebSocket). */
export { BridgeHost, DEFAULT_MAX_WIRE_BYTES, type BridgeHostOptions, type HostedBroker } from './bridge-host';
export { callBridgeMethod, checkArguments, UnknownMethodError } from './dispatch';
export { EventLog } from './event-log';
export {
  DEFAULT_BACKLOG_CAPACITY,
  DEFAULT_BATCH_INTERVAL_MS,
  DEFAULT_MAX_BATCH_EVENTS,
  EventStream,
  type EventStreamOptions,
  type SubscribeOptions,
} from './event-stream';
export { payloadFromFrame, type FramePayload } from './frame-payload';
export { toHex } from './hex';
export { DEFAULT_MESSAGE_INDEX_CAPACITY, MessageIndex, type MessageRecord } from './message-index';
export { COMPOSER_PROCESS_NAME, sendTestMessage, type ComposerBroker } from './test-message';
export { BridgeArgumentError, type CheckedTestMessage } from './validate';
export { toWireEvent } from './wire-event';
