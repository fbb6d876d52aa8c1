/**
 * The preload of the inspector window: exposes the bridge as `window.xpcInspector`, one
 * function per operation. The page never gets ipcRenderer or any way to name a channel.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type {
  CaptureExportRequest,
  CapturePage,
  EventBatch,
  ExportOutcome,
  InspectorBridge,
  InterruptedCaptureInfo,
  MessageDetail,
  OpenCaptureRequest,
  OpenCaptureResult,
  SendTestMessageRequest,
  SendTestMessageResult,
  SessionInfo,
  TableExportRequest,
  Unsubscribe,
} from '../app/bridge/contract';
import type { JobSummary } from '../app/events/schema';
import type { ModelSnapshot } from '../app/model/snapshot';
import {
  IPC_BATCH_ACK_CHANNEL,
  IPC_BATCH_CHANNEL,
  IPC_MENU_CHANNEL,
  ipcChannel,
  MENU_COMMANDS,
  menuCommandEvent,
  type IpcBatchMessage,
  type MenuCommand,
  type SubscribeResult,
} from '../app/bridge/protocol';

function subscribe(onBatch: (batch: EventBatch) => void, fromSeq?: number): Unsubscribe {
  let subscription: number | undefined;
  let ended = false;
  // Batches can only follow the subscribe answer, but keep any that overtake it rather than lose them.
  const early: IpcBatchMessage[] = [];
  // Each batch is acknowledged once the page has taken it, so the main process never queues more
  // than its window for a page that is busy.
  const take = (message: IpcBatchMessage): void => {
    onBatch(message.batch);
    ipcRenderer.send(IPC_BATCH_ACK_CHANNEL, message.subscription);
  };
  const listener = (_event: IpcRendererEvent, message: IpcBatchMessage): void => {
    if (ended) return;
    if (subscription === undefined) early.push(message);
    else if (message.subscription === subscription) take(message);
  };
  ipcRenderer.on(IPC_BATCH_CHANNEL, listener);
  const args = fromSeq === undefined ? [] : [fromSeq];
  ipcRenderer.invoke(ipcChannel('subscribe'), ...args).then(
    (result: SubscribeResult) => {
      if (ended) {
        void ipcRenderer.invoke(ipcChannel('unsubscribe'), result.subscription);
        return;
      }
      subscription = result.subscription;
      for (const message of early.splice(0)) if (message.subscription === subscription) take(message);
    },
    (error: unknown) => console.error(`xpc-inspector: subscribe failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  return () => {
    if (ended) return;
    ended = true;
    ipcRenderer.removeListener(IPC_BATCH_CHANNEL, listener);
    if (subscription !== undefined) void ipcRenderer.invoke(ipcChannel('unsubscribe'), subscription);
  };
}

const bridge: InspectorBridge = {
  getSession: (): Promise<SessionInfo> => ipcRenderer.invoke(ipcChannel('getSession')),
  subscribe,
  listJobs: (): Promise<readonly JobSummary[]> => ipcRenderer.invoke(ipcChannel('listJobs')),
  getSnapshot: (throughSeq: number): Promise<ModelSnapshot> => ipcRenderer.invoke(ipcChannel('getSnapshot'), throughSeq),
  getMessage: (message: number, session?: string): Promise<MessageDetail | undefined> =>
    session === undefined ? ipcRenderer.invoke(ipcChannel('getMessage'), message) : ipcRenderer.invoke(ipcChannel('getMessage'), message, session),
  clear: (): Promise<void> => ipcRenderer.invoke(ipcChannel('clear')),
  setPaused: (paused: boolean): Promise<void> => ipcRenderer.invoke(ipcChannel('setPaused'), paused),
  stopService: (job: string): Promise<void> => ipcRenderer.invoke(ipcChannel('stopService'), job),
  sendTestMessage: (request: SendTestMessageRequest): Promise<SendTestMessageResult> => ipcRenderer.invoke(ipcChannel('sendTestMessage'), request),
  listSessions: (): Promise<readonly SessionInfo[]> => ipcRenderer.invoke(ipcChannel('listSessions')),
  // Without `file`, the main process shows the open dialog.
  openCapture: (request: OpenCaptureRequest): Promise<OpenCaptureResult> => ipcRenderer.invoke(ipcChannel('openCapture'), request),
  readCapture: (session: string, fromSeq?: number): Promise<CapturePage> =>
    fromSeq === undefined ? ipcRenderer.invoke(ipcChannel('readCapture'), session) : ipcRenderer.invoke(ipcChannel('readCapture'), session, fromSeq),
  closeCapture: (session: string): Promise<void> => ipcRenderer.invoke(ipcChannel('closeCapture'), session),
  // The main process shows the save dialog and writes the file.
  exportCapture: (request: CaptureExportRequest): Promise<ExportOutcome> => ipcRenderer.invoke(ipcChannel('exportCapture'), request),
  beginTableExport: (request: TableExportRequest): Promise<string> => ipcRenderer.invoke(ipcChannel('beginTableExport'), request),
  appendTableExport: (exportId: string, text: string): Promise<void> => ipcRenderer.invoke(ipcChannel('appendTableExport'), exportId, text),
  finishTableExport: (exportId: string): Promise<ExportOutcome> => ipcRenderer.invoke(ipcChannel('finishTableExport'), exportId),
  listInterruptedCaptures: (): Promise<readonly InterruptedCaptureInfo[]> => ipcRenderer.invoke(ipcChannel('listInterruptedCaptures')),
  openInterruptedCapture: (path: string): Promise<OpenCaptureResult> => ipcRenderer.invoke(ipcChannel('openInterruptedCapture'), path),
  dismissInterruptedCapture: (path: string): Promise<void> => ipcRenderer.invoke(ipcChannel('dismissInterruptedCapture'), path),
};

contextBridge.exposeInMainWorld('xpcInspector', bridge);

// Menu commands become DOM events of the page, which owns the state they act on.
ipcRenderer.on(IPC_MENU_CHANNEL, (_event: IpcRendererEvent, command: unknown) => {
  if (typeof command === 'string' && (MENU_COMMANDS as readonly string[]).includes(command)) {
    window.dispatchEvent(new Event(menuCommandEvent(command as MenuCommand)));
  }
});
