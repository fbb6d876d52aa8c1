/**
 * The desktop app's file access: an open dialog for captures and description text, and a save
 * dialog for exports, which the main process then writes itself (the renderer never touches
 * the file system).
 */
import { app, dialog, type BrowserWindow, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { join } from 'node:path';
import type { CaptureFileFormat, ExportOutcome } from '../../app/bridge/contract';
import { saveExport, type ExportPlan } from '../host/export-plan';
import type { HostFileAccess } from '../host/host-files';

const OPEN_FILTERS: Readonly<Record<CaptureFileFormat, OpenDialogOptions['filters']>> = {
  capture: [
    { name: 'XPC Inspector captures', extensions: ['ndjson', 'gz'] },
    { name: 'All files', extensions: ['*'] },
  ],
  description: [
    { name: 'Text', extensions: ['txt', 'log'] },
    { name: 'All files', extensions: ['*'] },
  ],
};

export function dialogFileAccess(window: () => BrowserWindow | undefined): HostFileAccess {
  return {
    chooseFileToOpen: async (format) => {
      const options: OpenDialogOptions = {
        title: format === 'capture' ? 'Open Capture' : 'Import xpc_copy_description Text',
        properties: ['openFile'],
        filters: OPEN_FILTERS[format],
      };
      const parent = window();
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? undefined : result.filePaths[0];
    },
    deliver: async (plan: ExportPlan): Promise<ExportOutcome> => {
      const options: SaveDialogOptions = { title: 'Export', defaultPath: join(app.getPath('documents'), plan.fileName) };
      const parent = window();
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      if (result.canceled || result.filePath === undefined || result.filePath === '') return { status: 'cancelled' };
      const bytes = await saveExport(plan, result.filePath);
      return { status: 'saved', path: result.filePath, bytes };
    },
  };
}
