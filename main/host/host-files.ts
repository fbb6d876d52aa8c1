/**
 * What differs between the desktop app and browser mode when files change hands: how the user
 * picks a file to open (an open dialog in Electron; in browser mode the page uploads it before
 * asking), and how an export reaches the user (a save dialog and a file written by the main
 * process; in browser mode a one-time download served by the server).
 */
import type { CaptureFileFormat, ExportOutcome } from '../../app/bridge/contract';
import type { ExportPlan } from './export-plan';

export interface HostFileAccess {
  /** Asks the user for a file to open; undefined when they cancel. */
  chooseFileToOpen(format: CaptureFileFormat): Promise<string | undefined>;
  /** Hands an export to the user. */
  deliver(plan: ExportPlan): Promise<ExportOutcome>;
}

/** Until a transport supplies its own: nothing can be chosen or delivered. */
export const NO_FILE_ACCESS: HostFileAccess = {
  chooseFileToOpen: () => Promise.reject(new Error('this host cannot show an open dialog; the page must hand over the file (an upload)')),
  deliver: () => Promise.reject(new Error('this host has no way to hand an export to the user')),
};
