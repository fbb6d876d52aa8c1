/**
 * `xpc-inspector start` in browser mode with the real Chromium: the window gets in through a
 * one-time launch secret that never appears on a command line, ends on a URL that holds no
 * secret, and nothing another local user can read (ps, /proc) lets that user in.
 */
import { chromium as playwrightChromium, test, expect } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../main/cli/launchers';
import { root } from './fixtures';

const SECRET_LIKE = /[\w-]{32,}/g;

/** The pid and argv of the browser process started with `marker` (and --app) on its command line. */
async function findProcess(marker: string, timeoutMs = 20_000): Promise<{ pid: number; argv: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
        if (argv.includes(marker) && argv.some((arg) => arg.startsWith('--app='))) return { pid: Number(entry), argv };
      } catch {
        // Exited meanwhile.
      }
    }
    if (Date.now() > deadline) throw new Error(`no process runs with ${marker} and --app`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForText(output: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`nothing matching ${pattern} within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a Node script as `nobody` (only possible as root); its stdout. */
function asNobody(script: string): string {
  const result = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', '/usr/bin/node', '-e', script], { encoding: 'utf8', timeout: 20_000, cwd: '/' });
  if (result.status !== 0) throw new Error(`running as nobody failed: ${result.stderr}`);
  return result.stdout;
}

test('start opens Chromium on a one-time launch secret that no other user can see or use', async () => {
  const system = process.env.CHROMIUM_PATH || findChromium();
  test.skip(system === undefined, 'needs Chromium');
  const dir = mkdtempSync(join(tmpdir(), 'xpci-e2e-start-'));
  // Headless, with a DevTools port for this test to look at the window; `exec` keeps Chromium's
  // own argv (what `start` passed) in /proc.
  const wrapper = join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${system} --headless=new --disable-gpu --remote-debugging-port=0 "$@"\n`, { mode: 0o755 });
  let output = '';
  const start: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'xpc-inspector.mjs'), 'start', '--socket', join(dir, 'b.sock')], {
    cwd: root,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'no-electron'), XPC_INSPECTOR_BROWSER: wrapper },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  start.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    const [, origin] = await waitForText(() => output, /The same UI is at (http:\/\/127\.0\.0\.1:\d+\/)/);
    await waitForText(() => output, /a browser used a launch URL and holds a session now/);
    const browserProcess = await findProcess('--remote-debugging-port=0');

    // Nothing on Chromium's command line is a secret; the launch page it names is private.
    const app = browserProcess.argv.find((arg) => arg.startsWith('--app='))!.slice('--app='.length);
    expect(app).toMatch(/^file:\/\//);
    const launchPage = fileURLToPath(app);
    const launchUrl = /url=(http:\/\/127\.0\.0\.1:\d+\/launch\?secret=[\w-]+)/.exec(readFileSync(launchPage, 'utf8'))![1]!;
    const secret = new URL(launchUrl).searchParams.get('secret')!;
    expect(browserProcess.argv.join(' ')).not.toContain(secret);
    expect(output).not.toContain(secret);
    // Chromium used it; it is refused from now on.
    expect((await fetch(launchUrl)).status).toBe(401);

    // The window ended up on the page, at a URL without the secret, with the bridge working.
    const profile = browserProcess.argv.find((arg) => arg.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    const devtoolsPort = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0]!;
    const browser = await playwrightChromium.connectOverCDP(`http://127.0.0.1:${devtoolsPort}`);
    try {
      const page = browser.contexts()[0]!.pages().find((p) => p.url().startsWith(origin!))!;
      await expect(page.getByTestId('message-row').first()).toBeVisible();
      expect(page.url()).toBe(origin);
      const entries = await page.evaluate(() => window.history.length);
      expect(entries).toBeLessThanOrEqual(2);
    } finally {
      await browser.close().catch(() => undefined);
    }

    // Another local user sees the command lines and tries everything that looks like a secret.
    test.skip(process.getuid?.() !== 0, 'the second-user check needs root to switch to nobody');
    const seen = asNobody(`
      const { readFileSync } = require('node:fs');
      const out = { cmdline: readFileSync('/proc/${browserProcess.pid}/cmdline', 'utf8') + ' ' + readFileSync('/proc/${start.pid}/cmdline', 'utf8') };
      try { readFileSync(${JSON.stringify(launchPage)}, 'utf8'); out.launchPage = 'readable'; } catch (e) { out.launchPage = e.code; }
      console.log(JSON.stringify(out));
    `);
    const { cmdline, launchPage: pageAccess } = JSON.parse(seen) as { cmdline: string; launchPage: string };
    expect(pageAccess).toBe('EACCES');
    expect(cmdline).not.toContain(secret);
    const candidates = [...new Set(cmdline.match(SECRET_LIKE) ?? [])];
    const attempts = asNobody(`
      const origin = ${JSON.stringify(origin)};
      const candidates = ${JSON.stringify(candidates)};
      (async () => {
        const statuses = [(await fetch(origin)).status];
        for (const c of candidates) {
          statuses.push((await fetch(origin + 'launch?secret=' + c)).status);
          statuses.push((await fetch(origin, { headers: { cookie: 'xpci-session-' + new URL(origin).port + '=' + c } })).status);
          statuses.push((await fetch(origin + '?token=' + c)).status);
        }
        // The bridge: a WebSocket upgrade, bare and with each candidate as the cookie.
        const upgrade = (cookie) => new Promise((resolve) => {
          const headers = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
          if (cookie) headers.cookie = 'xpci-session-' + new URL(origin).port + '=' + cookie;
          const request = require('node:http').request(origin + 'bridge', { headers });
          request.on('upgrade', (_response, socket) => { socket.destroy(); resolve('open'); });
          request.on('response', (response) => resolve(response.statusCode));
          request.on('error', () => resolve('error'));
          request.end();
        });
        const ws = [await upgrade()];
        for (const c of candidates) ws.push(await upgrade(c));
        console.log(JSON.stringify({ statuses, ws }));
      })();
    `);
    const { statuses, ws } = JSON.parse(attempts) as { statuses: number[]; ws: (number | string)[] };
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.every((status) => status === 401)).toBe(true);
    expect(ws.every((status) => status === 401)).toBe(true);
  } finally {
    const exited = new Promise((r) => start.once('exit', r));
    if (start.exitCode === null && start.signalCode === null) start.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
