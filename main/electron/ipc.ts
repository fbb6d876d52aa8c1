/**
 * The bridge over Electron IPC: one invoke channel per operation plus subscribe/unsubscribe,
 * batches pushed with webContents.send. Every handler first checks that the call comes from
 * the inspector's own window, from its main frame, showing the bundled renderer; anything else
 * is refused before its arguments are looked at.
 */
import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { BRIDGE_METHODS, type Unsubscribe } from '../../app/bridge/contract';
import { IPC_BATCH_ACK_CHANNEL, IPC_BATCH_CHANNEL, ipcChannel, type IpcBatchMessage, type SubscribeResult } from '../../app/bridge/protocol';
import { AckWindow } from '../host/ack-window';
import type { BridgeHost } from '../host/bridge-host';
import { callBridgeMethod, checkArguments } from '../host/dispatch';
import { BridgeArgumentError, show } from '../host/validate';
import { APP_ORIGIN } from './app-protocol';
import { senderRefusal } from './sender-check';

const MAX_SUBSCRIPTIONS_PER_WINDOW = 8;
/**
 * Batches a window may have unacknowledged before further ones wait: the IPC counterpart of the
 * WebSocket path's SEND_HIGH_WATER_BYTES (a batch holds at most the stream's maxBatchEvents events).
 */
export const IPC_BATCH_WINDOW = 16;

export class UntrustedSenderError extends Error {
  constructor(reason: string) {
    super(`IPC refused: ${reason}`);
    this.name = 'UntrustedSenderError';
  }
}

export interface BridgeIpc {
  /** Removes every handler and ends every subscription. */
  dispose(): void;
}

export function registerBridgeIpc(host: BridgeHost, isTrustedWindow: (contents: WebContents) => boolean): BridgeIpc {
  const subscriptionsByWindow = new Map<WebContents, Map<number, Unsubscribe>>();
  const windowsBySubscription = new Map<number, { readonly contents: WebContents; readonly window: AckWindow }>();
  let nextSubscription = 1;

  const checkSender = (event: IpcMainInvokeEvent | IpcMainEvent): void => {
    const frame = event.senderFrame;
    const refusal = senderRefusal(
      { isInspectorWindow: isTrustedWindow(event.sender), isMainFrame: frame !== null && frame === event.sender.mainFrame, url: frame?.url },
      APP_ORIGIN,
    );
    if (refusal !== undefined) throw new UntrustedSenderError(refusal);
  };

  const endSubscriptions = (contents: WebContents): void => {
    const subscriptions = subscriptionsByWindow.get(contents);
    if (subscriptions === undefined) return;
    for (const stop of subscriptions.values()) stop();
    subscriptionsByWindow.delete(contents);
  };

  for (const method of BRIDGE_METHODS) {
    ipcMain.handle(ipcChannel(method), (event, ...args: unknown[]) => {
      checkSender(event);
      return callBridgeMethod(host, method, args);
    });
  }

  ipcMain.handle(ipcChannel('subscribe'), (event, ...args: unknown[]): SubscribeResult => {
    checkSender(event);
    const [fromSeq] = checkArguments('subscribe', args, 0, 1);
    const contents = event.sender;
    let subscriptions = subscriptionsByWindow.get(contents);
    if (subscriptions === undefined) {
      subscriptions = new Map();
      subscriptionsByWindow.set(contents, subscriptions);
      // A reload or a crash leaves the old page's subscriptions with nobody to read them.
      contents.once('destroyed', () => endSubscriptions(contents));
      contents.once('render-process-gone', () => endSubscriptions(contents));
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) endSubscriptions(contents);
      });
    }
    if (subscriptions.size >= MAX_SUBSCRIPTIONS_PER_WINDOW) {
      throw new BridgeArgumentError(`subscribe: this window already holds ${subscriptions.size} subscriptions; unsubscribe one first`);
    }
    const subscription = nextSubscription++;
    const window = new AckWindow(IPC_BATCH_WINDOW);
    const stop = host.subscribe(
      (batch) => {
        if (contents.isDestroyed()) return;
        const message: IpcBatchMessage = { subscription, batch };
        window.sent();
        contents.send(IPC_BATCH_CHANNEL, message);
      },
      fromSeq as number | undefined,
      { canSend: () => !contents.isDestroyed() && window.canSend() },
    );
    windowsBySubscription.set(subscription, { contents, window });
    subscriptions.set(subscription, () => {
      windowsBySubscription.delete(subscription);
      stop();
    });
    return { subscription };
  });

  // An acknowledgement is only taken from the window the subscription belongs to.
  const onAck = (event: IpcMainEvent, subscription: unknown): void => {
    try {
      checkSender(event);
    } catch {
      return;
    }
    const held = typeof subscription === 'number' ? windowsBySubscription.get(subscription) : undefined;
    if (held !== undefined && held.contents === event.sender) held.window.acknowledged();
  };
  ipcMain.on(IPC_BATCH_ACK_CHANNEL, onAck);

  ipcMain.handle(ipcChannel('unsubscribe'), (event, ...args: unknown[]): null => {
    checkSender(event);
    const [subscription] = checkArguments('unsubscribe', args, 1, 1);
    const subscriptions = subscriptionsByWindow.get(event.sender);
    const stop = typeof subscription === 'number' ? subscriptions?.get(subscription) : undefined;
    if (stop === undefined) throw new BridgeArgumentError(`unsubscribe: no subscription ${show(subscription)} in this window`);
    stop();
    subscriptions!.delete(subscription as number);
    return null;
  });

  return {
    dispose: () => {
      for (const method of [...BRIDGE_METHODS, 'subscribe', 'unsubscribe'] as const) ipcMain.removeHandler(ipcChannel(method));
      ipcMain.removeListener(IPC_BATCH_ACK_CHANNEL, onAck);
      for (const contents of [...subscriptionsByWindow.keys()]) endSubscriptions(contents);
    },
  };
}
