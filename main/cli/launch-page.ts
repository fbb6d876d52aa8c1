/**
 * How a browser that `start` or `serve` opens gets its one-time launch URL without the URL
 * appearing on any command line (/proc/PID/cmdline is readable by every user): the URL goes
 * into a page in a private directory (0700, the file 0600), and the browser is given only the
 * file:// address of that page, which forwards it to the launch URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LaunchPage {
  /** file:///…/open.html — safe to put on a command line. */
  readonly fileUrl: string;
  readonly path: string;
  remove(): void;
}

export function writeLaunchPage(launchUrl: string, parent: string = tmpdir()): LaunchPage {
  const dir = mkdtempSync(join(parent, 'xpc-inspector-launch-'));
  const path = join(dir, 'open.html');
  const href = escapeAttribute(launchUrl);
  writeFileSync(
    path,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0; url=${href}"><title>XPC Inspector</title><a href="${href}">Open XPC Inspector</a>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return { fileUrl: pathToFileURL(path).href, path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
