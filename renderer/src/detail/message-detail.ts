/**
 * Fetching a message's full detail (payload, wire bytes, description, links) from the host,
 * with a small cache so moving the selection back and forth does not refetch.
 */
import { useEffect, useState } from 'react';
import type { MessageDetail } from '../../../app/bridge/contract';
import { getBridge } from '../bridge';
import { messageOf } from '../state/session';
import { shownTabId } from '../state/tabs';

export type DetailState =
  | { readonly status: 'none' }
  | { readonly status: 'loading' }
  | { readonly status: 'loaded'; readonly detail: MessageDetail | undefined }
  | { readonly status: 'failed'; readonly error: string };

const CACHE_SIZE = 200;
/** By session and message id ("live:12"): every tab numbers its messages from 1. */
const cache = new Map<string, MessageDetail | undefined>();

function remember(key: string, detail: MessageDetail | undefined): void {
  cache.delete(key);
  cache.set(key, detail);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

export function useMessageDetail(message: number | undefined): DetailState {
  const [state, setState] = useState<DetailState>({ status: 'none' });
  const session = shownTabId();
  useEffect(() => {
    if (message === undefined || message < 0) {
      setState({ status: 'none' });
      return;
    }
    const key = `${session}:${message}`;
    if (cache.has(key)) {
      setState({ status: 'loaded', detail: cache.get(key) });
      return;
    }
    let current = true;
    setState({ status: 'loading' });
    getBridge()
      .getMessage(message, session)
      .then(
        (detail) => {
          remember(key, detail);
          if (current) setState({ status: 'loaded', detail });
        },
        (error: unknown) => {
          if (current) setState({ status: 'failed', error: messageOf(error) });
        },
      );
    return () => {
      current = false;
    };
  }, [message, session]);
  return state;
}
