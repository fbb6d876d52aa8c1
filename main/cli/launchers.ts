/**
 * Finding and launching what shows the UI: the Electron binary (when its package has one),
 * Chromium in app mode, or the desktop's default browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { writeLaunchPage, type LaunchPage } from './launch-page';

/**
 * The Electron executable, or undefined with the reason it is unusable. require('electron')
 * returns the binary's path, or throws when the package was installed without it.
 */
export function findElectronBinary(fromDir: string): { path: string } | { reason: string } {
  let path: unknown;
  try {
    path = createRequire(join(fromDir, 'package.json'))('electron');
  } catch {
    // The package throws when it was installed without its binary (ELECTRON_SKIP_BINARY_DOWNLOAD).
    return { reason: 'the electron package was installed without its binary (`npm run electron:install` fetches it where it can be downloaded)' };
  }
  if (typeof path !== 'string') return { reason: 'the electron package did not return a binary path' };
  if (!existsSync(path)) return { reason: `the Electron binary ${path} does not exist` };
  return { path };
}

/** Names the browser `start` opens in browser mode: a path, or `none` to only print the URL. */
export const ENV_BROWSER = 'XPC_INSPECTOR_BROWSER';

/** $XPC_INSPECTOR_BROWSER, else /usr/bin/chromium, else chromium / chromium-browser / google-chrome on PATH. */
export function findChromium(): string | undefined {
  const chosen = process.env[ENV_BROWSER];
  if (chosen === 'none') return undefined;
  if (chosen !== undefined && chosen !== '') return isExecutable(chosen) ? chosen : undefined;
  const candidates = ['/usr/bin/chromium'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) candidates.push(join(dir, name));
  }
  if (process.platform === 'darwin') candidates.push('/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  return candidates.find(isExecutable);
}

/**
 * Opens a one-time launch URL as a standalone app window; the process lives as long as the
 * window. The URL reaches Chromium through a private launch page, never through its argv.
 */
export function launchChromiumApp(chromium: string, launchUrl: string): ChildProcess {
  // A fresh profile makes this a new Chromium process even when Chromium is already running,
  // and keeps the session cookie out of the user's everyday profile.
  const profile = mkdtempSync(join(tmpdir(), 'xpc-inspector-chromium-'));
  const page = writeLaunchPage(launchUrl);
  const args = [`--app=${page.fileUrl}`, `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--window-size=1440,900'];
  // Chromium refuses to run as root with its sandbox on.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const child = spawn(chromium, args, { stdio: 'ignore' });
  const cleanUp = (): void => {
    page.remove();
    rmSync(profile, { recursive: true, force: true });
  };
  child.on('exit', cleanUp);
  child.on('error', cleanUp);
  return child;
}

/**
 * Opens a one-time launch URL in the default browser through a private launch page; the page
 * (undefined when there is no opener to run) is for the caller to remove when it stops.
 */
export function openInDefaultBrowser(launchUrl: string): LaunchPage | undefined {
  const opener = process.platform === 'darwin' ? '/usr/bin/open' : findOnPath('xdg-open');
  if (opener === undefined || !isExecutable(opener)) return undefined;
  const page = writeLaunchPage(launchUrl);
  const child = spawn(opener, [page.fileUrl], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
  return page;
}

function findOnPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
