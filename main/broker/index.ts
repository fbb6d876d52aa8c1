/** The embedded XPC runtime (see broker.ts). */
export { Broker, type BrokerOptions } from './broker';
export { DEFAULT_SOCKET_LIMITS, type BrokerSocketLimits } from './socket-limits';
export { DEFAULT_TIMINGS, type BrokerTimings } from './context';
export type { EventListener } from './event-bus';
export type { Job } from './jobs';
