/**
 * Browser mode's side of file transfers (the desktop app's preload has dialogs instead): the
 * page's file chooser, the upload of a chosen file to the server (an HTTP POST the browser
 * streams from disk; the session cookie authenticates it), and the start of a one-time export
 * download.
 */
import type { CaptureFileFormat, ExportOutcome } from '../app/bridge/contract';
import { UPLOAD_PATH, type UploadResult } from '../app/bridge/protocol';

const ACCEPT: Readonly<Record<CaptureFileFormat, string>> = {
  capture: '.ndjson,.gz,.json,application/x-ndjson,application/gzip',
  description: '.txt,.log,text/plain',
};

/** Shows the file chooser; resolves with the chosen file, or undefined when it is cancelled. */
export function chooseLocalFile(format: CaptureFileFormat): Promise<File | undefined> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = ACCEPT[format];
    input.hidden = true;
    input.dataset.testid = `choose-${format}-file`;
    const done = (file: File | undefined): void => {
      input.remove();
      resolve(file);
    };
    input.addEventListener('change', () => done(input.files?.[0]));
    input.addEventListener('cancel', () => done(undefined));
    document.body.append(input);
    input.click();
  });
}

/** The server's base URL, from the bridge URL (ws://host/bridge). */
function serverOf(bridgeUrl: string): { origin: string } {
  const url = new URL(bridgeUrl);
  return { origin: `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}` };
}

export async function uploadFile(bridgeUrl: string, file: File): Promise<UploadResult> {
  const { origin } = serverOf(bridgeUrl);
  const url = `${origin}${UPLOAD_PATH}?name=${encodeURIComponent(file.name)}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: file, credentials: 'same-origin', headers: { 'Content-Type': 'application/octet-stream' } });
  } catch (error) {
    throw new Error(`uploading ${file.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`uploading ${file.name} failed: ${(await response.text()).trim() || `HTTP ${response.status}`}`);
  return (await response.json()) as UploadResult;
}

/** For a 'download' outcome, starts the download of its one-time link. */
export function startDownload(bridgeUrl: string, outcome: ExportOutcome): ExportOutcome {
  if (outcome.status !== 'download') return outcome;
  const { origin } = serverOf(bridgeUrl);
  const link = document.createElement('a');
  link.href = `${origin}${outcome.url}`;
  link.download = outcome.fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  return outcome;
}
