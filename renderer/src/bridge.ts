/**
 * The renderer's only way to its host. In the desktop app the preload has put the bridge on
 * `window.xpcInspector`; in browser mode (`xpc-inspector serve`) there is no preload, and the
 * page talks to the server over a WebSocket, authenticated by the page's session cookie.
 */
import type { InspectorBridge } from '../../app/bridge/contract';
import { bridgeUrlFromLocation, WebSocketBridge } from '../bridge-client';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge). */
    xpcInspector?: InspectorBridge;
  }
}

export type LinkStatus = { readonly state: 'connecting' | 'open' | 'closed'; readonly detail: string };

let bridge: InspectorBridge | undefined;
const statusListeners = new Set<(status: LinkStatus) => void>();
let lastStatus: LinkStatus = { state: 'connecting', detail: 'connecting to the inspector' };

function report(status: LinkStatus): void {
  lastStatus = status;
  for (const listener of statusListeners) listener(status);
}

/** The bridge to the host; throws with what is missing when the page has none. */
export function getBridge(): InspectorBridge {
  if (bridge !== undefined) return bridge;
  if (window.xpcInspector !== undefined) {
    bridge = window.xpcInspector;
    report({ state: 'open', detail: 'desktop app' });
    return bridge;
  }
  const url = bridgeUrlFromLocation(window.location);
  bridge = new WebSocketBridge({ url, onStatus: (state, detail) => report({ state, detail }) });
  return bridge;
}

/** The state of the link to the host (always open in the desktop app). */
export function onLinkStatus(listener: (status: LinkStatus) => void): () => void {
  statusListeners.add(listener);
  listener(lastStatus);
  return () => statusListeners.delete(listener);
}
