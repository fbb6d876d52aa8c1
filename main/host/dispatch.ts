/**
 * One entry point for both transports: a method name and a list of positional arguments, as
 * they arrived from a renderer, checked and routed to the host. Everything that is not one of
 * the bridge's operations with the right number of arguments is refused here.
 */
import { BRIDGE_METHODS, type BridgeMethod } from '../../app/bridge/contract';
import type { BridgeHost } from './bridge-host';
import { BridgeArgumentError, isBridgeMethod, show } from './validate';

/** How many arguments each operation takes (optional ones may be left out). */
const ARITY: Readonly<Record<BridgeMethod, readonly [min: number, max: number]>> = {
  getSession: [0, 0],
  listJobs: [0, 0],
  getSnapshot: [1, 1],
  getMessage: [1, 2],
  clear: [0, 0],
  setPaused: [1, 1],
  stopService: [1, 1],
  sendTestMessage: [1, 1],
  listSessions: [0, 0],
  openCapture: [1, 1],
  readCapture: [1, 2],
  closeCapture: [1, 1],
  exportCapture: [1, 1],
  beginTableExport: [1, 1],
  appendTableExport: [2, 2],
  finishTableExport: [1, 1],
  listInterruptedCaptures: [0, 0],
  openInterruptedCapture: [1, 1],
  dismissInterruptedCapture: [1, 1],
};

export class UnknownMethodError extends Error {
  constructor(method: unknown) {
    super(`unknown bridge method ${show(method)}; the methods are ${BRIDGE_METHODS.join(', ')}`);
    this.name = 'UnknownMethodError';
  }
}

export function checkArguments(method: string, params: unknown, min: number, max: number): readonly unknown[] {
  if (!Array.isArray(params)) throw new BridgeArgumentError(`${method}: params must be an array of arguments, got ${show(params)}`);
  if (params.length < min || params.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new BridgeArgumentError(`${method}: expected ${expected} argument${max === 1 ? '' : 's'}, got ${params.length}`);
  }
  return params;
}

export function callBridgeMethod(host: BridgeHost, method: unknown, params: unknown): Promise<unknown> {
  if (!isBridgeMethod(method)) return Promise.reject(new UnknownMethodError(method));
  let args: readonly unknown[];
  try {
    args = checkArguments(method, params, ...ARITY[method]);
  } catch (error) {
    return Promise.reject(error);
  }
  // Each method validates the values of its arguments itself; the casts only satisfy the types.
  switch (method) {
    case 'getSession':
      return host.getSession();
    case 'listJobs':
      return host.listJobs();
    case 'getSnapshot':
      return host.getSnapshot(args[0] as number);
    case 'getMessage':
      return host.getMessage(args[0] as number, args[1] as string | undefined);
    case 'clear':
      return host.clear();
    case 'setPaused':
      return host.setPaused(args[0] as boolean);
    case 'stopService':
      return host.stopService(args[0] as string);
    case 'sendTestMessage':
      return host.sendTestMessage(args[0] as never);
    case 'listSessions':
      return host.listSessions();
    case 'openCapture':
      return host.openCapture(args[0] as never);
    case 'readCapture':
      return host.readCapture(args[0] as string, args[1] as number | undefined);
    case 'closeCapture':
      return host.closeCapture(args[0] as string);
    case 'exportCapture':
      return host.exportCapture(args[0] as never);
    case 'beginTableExport':
      return host.beginTableExport(args[0] as never);
    case 'appendTableExport':
      return host.appendTableExport(args[0] as string, args[1] as string);
    case 'finishTableExport':
      return host.finishTableExport(args[0] as string);
    case 'listInterruptedCaptures':
      return host.listInterruptedCaptures();
    case 'openInterruptedCapture':
      return host.openInterruptedCapture(args[0] as string);
    case 'dismissInterruptedCapture':
      return host.dismissInterruptedCapture(args[0] as string);
  }
}
