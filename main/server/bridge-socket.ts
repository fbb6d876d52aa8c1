/**
 * One page's bridge over a WebSocket: requests in, answers and pushed batches out (message
 * shapes in app/bridge/protocol). Every malformed request gets an error answer naming what was
 * wrong; nothing a page sends can throw out of here or reach the host unchecked.
 */
import WebSocket from 'ws';
import { encodeBatchFrame } from '../../app/bridge/batch-codec';
import type { BridgeErrorBody, BridgeErrorCode, BridgeResponse, SubscribeResult } from '../../app/bridge/protocol';
import type { EventBatch, Unsubscribe } from '../../app/bridge/contract';
import type { BridgeHost } from '../host/bridge-host';
import { callBridgeMethod, checkArguments, UnknownMethodError } from '../host/dispatch';
import { BridgeArgumentError, show } from '../host/validate';

/** Subscriptions one page may hold at once (a page needs one; a few allow reconnect overlap). */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 8;
/** Requests one page may have outstanding; more are answered with an error at once. */
export const MAX_REQUESTS_IN_FLIGHT = 64;
/** Above this many queued outgoing bytes, batches wait (the page catches up from its cursor later). */
export const SEND_HIGH_WATER_BYTES = 8 * 1024 * 1024;

class RequestError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface ParsedRequest {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export function serveBridgeSocket(socket: WebSocket, host: BridgeHost, log: (line: string) => void): void {
  const subscriptions = new Map<number, Unsubscribe>();
  let nextSubscription = 1;
  let inFlight = 0;

  const send = (message: BridgeResponse): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify(message));
  };
  // Batches go as binary frames: far cheaper for the page to decode than JSON objects.
  const sendBatch = (subscription: number, batch: EventBatch): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(encodeBatchFrame(subscription, batch), { binary: true });
  };
  const fail = (id: number | null, error: BridgeErrorBody): void => send({ id, error });

  const subscribe = (params: unknown): SubscribeResult => {
    const [fromSeq] = checkArguments('subscribe', params, 0, 1);
    if (subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
      throw new RequestError('failed', `subscribe: this page already holds ${subscriptions.size} subscriptions; unsubscribe one first`);
    }
    const subscription = nextSubscription++;
    const onBatch = (batch: EventBatch): void => sendBatch(subscription, batch);
    const canSend = (): boolean => socket.readyState === WebSocket.OPEN && socket.bufferedAmount < SEND_HIGH_WATER_BYTES;
    subscriptions.set(subscription, host.subscribe(onBatch, fromSeq as number | undefined, { canSend }));
    return { subscription };
  };

  const unsubscribe = (params: unknown): null => {
    const [subscription] = checkArguments('unsubscribe', params, 1, 1);
    const stop = typeof subscription === 'number' ? subscriptions.get(subscription) : undefined;
    if (stop === undefined) throw new BridgeArgumentError(`unsubscribe: no subscription ${show(subscription)} on this page`);
    stop();
    subscriptions.delete(subscription as number);
    return null;
  };

  const handle = async (request: ParsedRequest): Promise<unknown> => {
    if (request.method === 'subscribe') return subscribe(request.params);
    if (request.method === 'unsubscribe') return unsubscribe(request.params);
    return callBridgeMethod(host, request.method, request.params);
  };

  socket.on('message', (data, isBinary) => {
    let request: ParsedRequest;
    try {
      request = parseRequest(data, isBinary);
    } catch (error) {
      const body = errorBody(error);
      fail(body.id, body.error);
      return;
    }
    if (inFlight >= MAX_REQUESTS_IN_FLIGHT) {
      fail(request.id, { code: 'failed', message: `${request.method}: more than ${MAX_REQUESTS_IN_FLIGHT} requests outstanding; wait for answers first` });
      return;
    }
    inFlight++;
    handle(request).then(
      (result) => {
        inFlight--;
        send({ id: request.id, result });
      },
      (error: unknown) => {
        inFlight--;
        const body = errorBody(error);
        if (body.error.code === 'failed') log(`${request.method} failed: ${body.error.message}`);
        fail(request.id, body.error);
      },
    );
  });

  socket.on('close', () => {
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
  });
  socket.on('error', (error) => log(`bridge socket error: ${error.message}`));
}

function parseRequest(data: WebSocket.RawData, isBinary: boolean): ParsedRequest {
  if (isBinary) throw new RequestError('bad-message', 'requests must be JSON text frames, got a binary frame');
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RequestError('bad-message', `the request is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestError('bad-message', `a request must be an object {id, method, params}, got ${show(parsed)}`);
  }
  const { id, method, params } = parsed as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new RequestError('bad-message', `request id must be a non-negative integer, got ${show(id)}`);
  }
  if (typeof method !== 'string') throw new IdentifiedError(id, 'bad-message', `request ${id}: method must be a string, got ${show(method)}`);
  return { id, method, params: params ?? [] };
}

/** A parse failure that already knows the request id, so the answer can name it. */
class IdentifiedError extends RequestError {
  constructor(
    readonly id: number,
    code: BridgeErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

function errorBody(error: unknown): { id: number | null; error: BridgeErrorBody } {
  const id = error instanceof IdentifiedError ? error.id : null;
  if (error instanceof RequestError) return { id, error: { code: error.code, message: error.message } };
  if (error instanceof UnknownMethodError) return { id, error: { code: 'unknown-method', message: error.message } };
  if (error instanceof BridgeArgumentError) return { id, error: { code: 'bad-argument', message: error.message } };
  return { id, error: { code: 'failed', message: error instanceof Error ? error.message : String(error) } };
}
