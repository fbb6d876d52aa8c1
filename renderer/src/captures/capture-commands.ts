/**
 * What the toolbar's Open and Export menus, the import problem sheet and the interrupted-capture
 * notice do. All of it goes through the bridge; how files change hands (dialogs in the desktop
 * app, uploads and downloads in browser mode) is the bridge's business, not this module's.
 */
import { LIVE_SESSION, type CaptureFileFormat, type ExportOutcome, type OpenCaptureResult } from '../../../app/bridge/contract';
import { MAX_TABLE_CHUNK_CHARS } from '../../../app/bridge/protocol';
import { getBridge } from '../bridge';
import { messageOf } from '../state/session';
import { closeCaptureTab, openCaptureTab, shown, shownTabId } from '../state/tabs';
import { useUi, type ImportProblem } from '../state/ui-store';
import { allRows, tableCsvChunks } from './table-csv';

/** CSV is sent to the host in pieces of this size (under the bridge's per-call limit). */
const TABLE_CHUNK_CHARS = Math.min(512 * 1024, MAX_TABLE_CHUNK_CHARS);

export type ExportScope = 'all' | 'filtered';
export type ExportFormat = 'ndjson' | 'ndjson.gz' | 'csv';

/** Asks for a file (dialog or file chooser) and opens it in a new read-only tab. */
export async function openFile(format: CaptureFileFormat): Promise<void> {
  const ui = useUi.getState();
  try {
    const result = await getBridge().openCapture({ format });
    await settle(result, format);
  } catch (error) {
    ui.notify('error', `Opening failed: ${messageOf(error)}`);
  }
}

/** Opens what can be read of the file the problem sheet shows. */
export async function keepGoodLines(problem: ImportProblem): Promise<void> {
  const ui = useUi.getState();
  ui.setImportProblem(undefined);
  try {
    await settle(await getBridge().openCapture({ format: problem.format, file: problem.file, keepGood: true }), problem.format);
  } catch (error) {
    ui.notify('error', `Opening ${problem.fileName} failed: ${messageOf(error)}`);
  }
}

async function settle(result: OpenCaptureResult, format: CaptureFileFormat): Promise<void> {
  const ui = useUi.getState();
  if (result.status === 'cancelled') return;
  if (result.status === 'invalid') {
    ui.setImportProblem({ ...result, format });
    return;
  }
  const { session } = result;
  const skipped = session.capture?.skippedLines ?? 0;
  ui.notify('info', `Opened ${session.title}: ${(session.capture?.events ?? 0).toLocaleString('en')} events${skipped > 0 ? `, ${skipped.toLocaleString('en')} bad lines skipped` : ''}.`);
  await openCaptureTab(getBridge(), session);
}

export async function closeTab(id: string): Promise<void> {
  try {
    await closeCaptureTab(getBridge(), id);
  } catch (error) {
    useUi.getState().notify('error', `Closing the tab failed: ${messageOf(error)}`);
  }
}

/** Exports the shown tab: its capture (whole or the filter's rows) or its table as CSV. */
export async function exportShown(scope: ExportScope, format: ExportFormat): Promise<void> {
  const ui = useUi.getState();
  const session = shownTabId();
  try {
    const outcome =
      format === 'csv'
        ? await exportTable(session, scope)
        : await getBridge().exportCapture({ session, gzip: format === 'ndjson.gz', filter: scope === 'filtered' ? ui.filterText : undefined });
    report(outcome);
  } catch (error) {
    ui.notify('error', `Export failed: ${messageOf(error)}`);
  }
}

async function exportTable(session: string, scope: ExportScope): Promise<ExportOutcome> {
  const ui = useUi.getState();
  const bridge = getBridge();
  const title = ui.tabs.find((tab) => tab.id === session)?.title ?? 'timeline';
  const id = await bridge.beginTableExport({ session, fileName: `${safeName(title)}-timeline.csv` });
  const rows = scope === 'filtered' ? shown.timeline.rows.view().slice() : allRows(shown.model);
  const view = { model: shown.model, rows, hiddenColumns: ui.hiddenColumns, sort: ui.sort };
  for (const chunk of tableCsvChunks(view, TABLE_CHUNK_CHARS)) await bridge.appendTableExport(id, chunk);
  return bridge.finishTableExport(id);
}

function report(outcome: ExportOutcome): void {
  const ui = useUi.getState();
  if (outcome.status === 'saved') ui.notify('info', `Exported ${formatSize(outcome.bytes)} to ${outcome.path}.`);
  else if (outcome.status === 'download') ui.notify('info', `Downloading ${outcome.fileName}.`);
}

/** Tabs for the captures the host still holds open (after a reload of the page). */
export async function restoreCaptureTabs(): Promise<void> {
  try {
    const sessions = await getBridge().listSessions();
    await Promise.all(sessions.filter((session) => session.mode === 'capture' && session.id !== LIVE_SESSION).map((session) => openCaptureTab(getBridge(), session, false)));
  } catch (error) {
    useUi.getState().notify('error', `Cannot list the open captures: ${messageOf(error)}`);
  }
}

export async function loadInterrupted(): Promise<void> {
  try {
    useUi.getState().setInterrupted(await getBridge().listInterruptedCaptures());
  } catch (error) {
    useUi.getState().notify('error', `Cannot look for interrupted captures: ${messageOf(error)}`);
  }
}

export async function reopenInterrupted(path: string): Promise<void> {
  const ui = useUi.getState();
  ui.setInterrupted(ui.interrupted.filter((capture) => capture.path !== path));
  try {
    await settle(await getBridge().openInterruptedCapture(path), 'capture');
  } catch (error) {
    ui.notify('error', `Reopening failed: ${messageOf(error)}`);
  }
}

/** Seals the journal (it was read as far as it goes) so it is not offered again. */
export async function dismissInterrupted(path: string): Promise<void> {
  const ui = useUi.getState();
  ui.setInterrupted(ui.interrupted.filter((capture) => capture.path !== path));
  try {
    await getBridge().dismissInterruptedCapture(path);
  } catch (error) {
    ui.notify('error', `Dismissing failed: ${messageOf(error)}`);
  }
}

function safeName(title: string): string {
  return title.replace(/\.ndjson(\.gz)?$/i, '').replace(/[^\w.-]+/g, '-').replace(/^[-.]+/, '') || 'timeline';
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
