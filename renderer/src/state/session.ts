/**
 * The one live session of this window and the commands the UI runs on it. Wires the bridge to
 * the model (LiveSession) and the model's version numbers to the UI store.
 */
import type { InspectorBridge } from '../../../app/bridge/contract';
import { menuCommandEvent } from '../../../app/bridge/protocol';
import { getBridge, onLinkStatus } from '../bridge';
import { loadInterrupted, openFile, restoreCaptureTabs } from '../captures/capture-commands';
import { live, setLiveTitle, shown, shownStamp } from './tabs';
import { useUi } from './ui-store';

/** How often views other than the timeline re-read the model. */
const TICK_MS = 250;

let started = false;

export function startSession(): void {
  if (started) return;
  started = true;
  const ui = useUi.getState();
  let bridge;
  try {
    bridge = getBridge();
  } catch (error) {
    ui.setLink({ state: 'closed', detail: messageOf(error) });
    return;
  }
  onLinkStatus((link) => {
    useUi.getState().setLink(link);
    if (link.state === 'open') void refreshSessionInfo();
  });
  let lastTick = -1;
  setInterval(() => {
    const now = shownStamp();
    if (now !== lastTick) {
      lastTick = now;
      useUi.getState().setTick(useUi.getState().tick + 1);
    }
  }, TICK_MS);
  void connectLive(bridge);
  void refreshSessionInfo();
  void loadInterrupted();
  void restoreCaptureTabs();

  window.addEventListener(menuCommandEvent('clear'), () => void clearTimeline());
  window.addEventListener(menuCommandEvent('toggle-pause'), () => void togglePause());
  window.addEventListener(menuCommandEvent('open-capture'), () => void openFile('capture'));
  window.addEventListener(menuCommandEvent('open-description'), () => void openFile('description'));
  // The desktop app's menu carries these accelerators; in a browser the page handles them.
  if (window.xpcInspector === undefined) {
    window.addEventListener('keydown', (event) => {
      if (!(event.metaKey || event.ctrlKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'o') {
        // A key press is a user gesture: the file chooser may open.
        event.preventDefault();
        void openFile(event.shiftKey ? 'description' : 'capture');
        return;
      }
      if (event.shiftKey) return;
      if (key === 'k') {
        event.preventDefault();
        void clearTimeline();
      } else if (key === 'p') {
        event.preventDefault();
        void togglePause();
      }
    });
  }
}

/**
 * Subscribes the live tab. A window that opens after the host's replay window moved on (a long
 * session, a Clear) first takes the state of everything before it from the host's snapshot.
 */
async function connectLive(bridge: InspectorBridge): Promise<void> {
  if (live.model.totals.lastSeq === 0) {
    try {
      const heldFromSeq = (await bridge.getSession()).heldFromSeq ?? 1;
      if (heldFromSeq > 1) live.seed(await bridge.getSnapshot(heldFromSeq - 1));
    } catch (error) {
      useUi.getState().notify('error', `Showing only recent events; the state before them could not be read: ${messageOf(error)}`);
    }
  }
  live.connect(bridge);
}

export async function refreshSessionInfo(): Promise<void> {
  const ui = useUi.getState();
  try {
    const bridge = getBridge();
    const [session, jobs] = await Promise.all([bridge.getSession(), bridge.listJobs()]);
    setLiveTitle(session.mode === 'live' ? 'Live' : session.title);
    // While a capture tab is shown, the live tab's info waits for its turn.
    if (shown !== live) return;
    ui.setSession(session);
    ui.setJobs(jobs);
  } catch (error) {
    ui.notify('error', `Cannot read the session: ${messageOf(error)}`);
  }
}

export async function clearTimeline(): Promise<void> {
  // A capture tab is read-only: Clear (like Pause) belongs to the live tab.
  if (shown !== live) return;
  try {
    await getBridge().clear();
    live.clearTimeline();
    useUi.getState().select(undefined);
    useUi.getState().setFollowLive(true);
  } catch (error) {
    useUi.getState().notify('error', `Clear failed: ${messageOf(error)}`);
  }
}

export async function togglePause(): Promise<void> {
  if (shown !== live) return;
  const ui = useUi.getState();
  const paused = !ui.paused;
  try {
    await getBridge().setPaused(paused);
    ui.setPaused(paused);
  } catch (error) {
    ui.notify('error', `${paused ? 'Pause' : 'Resume'} failed: ${messageOf(error)}`);
  }
}

export async function stopService(label: string): Promise<void> {
  const ui = useUi.getState();
  try {
    await getBridge().stopService(label);
    ui.notify('info', `Asked ${label} to stop.`);
  } catch (error) {
    ui.notify('error', `Stopping ${label} failed: ${messageOf(error)}`);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
