/**
 * The browser-mode fixture: each test gets its own `xpc-inspector serve` (the built CLI, so the
 * real command line is under test) on the demo jobs, with a private broker socket and a free
 * port, and a page already signed in through the printed one-time launch URL.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'xpc-inspector.mjs');

export interface ServedInspector {
  /** http://127.0.0.1:PORT/launch?secret=… — lets one browser in, once. */
  readonly launchUrl: string;
  /** http://127.0.0.1:PORT/ — where a signed-in page ends up. */
  readonly origin: string;
  /** Everything the serve process printed so far. */
  output(): string;
}

export interface ServeOptions {
  /** Runs before the server starts, with its (empty) captures directory: e.g. to leave an interrupted journal there. */
  readonly prepareCaptures?: (capturesDir: string) => void;
}

/** Starts `xpc-inspector serve --no-open --port 0` and resolves with the launch URL it prints. */
export async function serveInspector(extraArgs: readonly string[] = [], options: ServeOptions = {}): Promise<{ served: ServedInspector; stop(): Promise<void> }> {
  for (const built of ['out/main/cli.mjs', 'out/renderer/index.html']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` before the e2e tests`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'xpci-e2e-'));
  // A private captures directory: the live journal goes there, and no other run's journals are offered.
  const captures = join(dir, 'captures');
  mkdirSync(captures, { mode: 0o700 });
  options.prepareCaptures?.(captures);
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--no-open', '--port', '0', '--socket', join(dir, 'broker.sock'), '--captures', captures, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`xpc-inspector serve printed no URL within 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/launch\?secret=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`xpc-inspector serve exited with code ${code}:\n${output}`));
    });
  });

  return {
    served: { launchUrl: url, origin: `${new URL(url).origin}/`, output: () => output },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const test = base.extend<{ inspector: ServedInspector; app: Page }>({
  inspector: async ({}, use, testInfo) => {
    const { served, stop } = await serveInspector();
    await use(served);
    await stop();
    await testInfo.attach('serve-output', { body: served.output(), contentType: 'text/plain' });
  },
  /** The page, opened on the inspector and with the bridge connected. */
  app: async ({ page, inspector }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await openInspector(page, inspector);
    await use(page);
    expect(errors, 'errors in the page').toEqual([]);
  },
});

/** Opens the launch URL and waits for the page it moves on to (the URL without the secret). */
export async function openInspector(page: Page, inspector: ServedInspector): Promise<void> {
  await page.goto(inspector.launchUrl);
  await page.waitForURL(inspector.origin);
}

export { expect };
