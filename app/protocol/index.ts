/** The broker ⇄ process protocol: op tables, their TypeScript types, encode/decode. */
export { BROKER_OPS, PROCESS_OPS, PROTOCOL_VERSION } from './ops';
export type { BrokerOp, BrokerOpName, BrokerOpOf, ProcessOp, ProcessOpName, ProcessOpOf } from './ops';
export { decodeBrokerOp, decodeProcessOp, encodeBrokerOp, encodeProcessOp, type OpResult } from './codec';
export { ENV_JOB_LABEL, ENV_JOB_TOKEN, ENV_PROCESS_TYPE, ENV_SOCKET } from './env';
