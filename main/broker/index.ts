/** The embedded XPC runtime (see broker.ts). */
export { Broker, type BrokerOptions } from './broker';
export { DEFAULT_TIMINGS, type BrokerTimings } from './context';
export type { EventListener } from './event-bus';
export type { Job } from './jobs';
