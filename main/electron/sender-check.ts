/**
 * Who may call the bridge over IPC: only the inspector's own window, only from its main frame
 * (not an iframe), and only while it shows the bundled renderer at app://inspector. Kept free
 * of Electron imports so the rule itself is tested without a window.
 */
export interface IpcSender {
  /** Whether the sending WebContents is the inspector window's. */
  readonly isInspectorWindow: boolean;
  /** Whether the sending frame is that window's main frame (false when there is no frame any more). */
  readonly isMainFrame: boolean;
  /** The URL the sending frame shows. */
  readonly url: string | undefined;
}

/** Why a call is refused, or undefined when the sender is trusted. */
export function senderRefusal(sender: IpcSender, expectedOrigin: string): string | undefined {
  if (!sender.isInspectorWindow) return 'the sender is not the inspector window';
  if (!sender.isMainFrame) return 'the sender is not the main frame of the inspector window';
  let origin: string;
  try {
    // Not URL.origin: Node gives "null" for schemes it does not know as special, such as app:.
    const url = new URL(sender.url ?? '');
    origin = `${url.protocol}//${url.host}`;
  } catch {
    return `the sender's URL ${JSON.stringify(sender.url ?? '')} cannot be parsed`;
  }
  if (origin !== expectedOrigin) return `the sender shows ${JSON.stringify(sender.url)}, not ${expectedOrigin}`;
  return undefined;
}
