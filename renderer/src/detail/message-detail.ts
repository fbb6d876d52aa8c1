/**
 * Fetching a message's full detail (payload, wire bytes, description, links) from the host,
 * with a small cache so moving the selection back and forth does not refetch.
 */
import { useEffect, useState } from 'react';
import type { MessageDetail } from '../../../app/bridge/contract';
import { getBridge } from '../bridge';
import { messageOf } from '../state/session';

export type DetailState =
  | { readonly status: 'none' }
  | { readonly status: 'loading' }
  | { readonly status: 'loaded'; readonly detail: MessageDetail | undefined }
  | { readonly status: 'failed'; readonly error: string };

const CACHE_SIZE = 200;
const cache = new Map<number, MessageDetail | undefined>();

function remember(message: number, detail: MessageDetail | undefined): void {
  cache.delete(message);
  cache.set(message, detail);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

export function useMessageDetail(message: number | undefined): DetailState {
  const [state, setState] = useState<DetailState>({ status: 'none' });
  useEffect(() => {
    if (message === undefined || message < 0) {
      setState({ status: 'none' });
      return;
    }
    if (cache.has(message)) {
      setState({ status: 'loaded', detail: cache.get(message) });
      return;
    }
    let current = true;
    setState({ status: 'loading' });
    getBridge()
      .getMessage(message)
      .then(
        (detail) => {
          remember(message, detail);
          if (current) setState({ status: 'loaded', detail });
        },
        (error: unknown) => {
          if (current) setState({ status: 'failed', error: messageOf(error) });
        },
      );
    return () => {
      current = false;
    };
  }, [message]);
  return state;
}
