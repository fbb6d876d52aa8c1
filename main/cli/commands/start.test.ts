/**
 * `xpc-inspector start` where the Electron binary is missing: it falls back to browser mode and
 * says which way it went — the URL printed when there is no browser to open, the URL kept
 * serving when the browser fails to start. Runs the built CLI (`npm run build`) as a real
 * process with its real broker and demo services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..', '..');
const cli = join(root, 'bin', 'xpc-inspector.mjs');

interface Started {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const running: { child: ChildProcess; dir: string }[] = [];
const scratch: string[] = [];

afterEach(async () => {
  for (const { child, dir } of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function start(browser: string, extraArgs: (dir: string) => readonly string[] = () => []): Started {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-start-'));
  const child = spawn(process.execPath, [cli, 'start', '--socket', join(dir, 'b.sock'), ...extraArgs(dir)], {
    cwd: root,
    // No Electron binary at this path, whatever the machine has installed.
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'no-electron'), XPC_INSPECTOR_BROWSER: browser },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push({ child, dir });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolvePattern, reject) => {
        const check = (): boolean => {
          const match = pattern.exec(output);
          if (match) resolvePattern(match);
          return match !== null;
        };
        if (check()) return;
        const timer = setInterval(() => check() && clearInterval(timer), 50);
        setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`start printed nothing matching ${pattern} in ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
      }),
  };
}

/** The pid of the process whose command line runs `program`. */
async function waitForProcess(program: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(program)) return Number(entry);
      } catch {
        // Exited meanwhile.
      }
    }
    if (Date.now() > deadline) throw new Error(`no process runs ${program}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const URL_LINE = /(http:\/\/127\.0\.0\.1:\d+\/launch\?secret=[\w-]+)/;

/** Redeems a launch URL; the Cookie header it earns. */
async function signIn(url: string): Promise<string> {
  const launched = await fetch(url, { redirect: 'manual' });
  expect(launched.status).toBe(200);
  return launched.headers.get('set-cookie')!.split(';')[0]!;
}

describe.skipIf(!existsSync(join(root, 'out', 'main', 'cli.mjs')))('xpc-inspector start without Electron', () => {
  it('serves browser mode and prints a one-time URL when there is no browser to open', async () => {
    const started = start('none');
    const [, url] = await started.waitFor(URL_LINE);
    expect(started.output()).toMatch(/Electron is not available: .*binary/);
    expect(started.output()).toContain('XPC_INSPECTOR_BROWSER=none, so open this URL in a browser');
    const origin = new URL(url!).origin;
    expect((await fetch(origin)).status).toBe(401);
    const cookie = await signIn(url!);
    const page = await fetch(origin, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    // The printed URL lets one browser in, once.
    expect((await fetch(url!)).status).toBe(401);
  }, 40_000);

  it('hands the browser it opens its launch URL through a private file, never on its command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xpci-fake-browser-'));
    scratch.push(dir);
    const browser = join(dir, 'fake-browser');
    // Stays up like a browser window; its own command line is what `ps` shows to everyone.
    writeFileSync(browser, '#!/bin/sh\nwhile :; do sleep 1; done\n', { mode: 0o755 });
    const started = start(browser);
    await started.waitFor(/The same UI is at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const pid = await waitForProcess(browser);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.join(' ')).not.toMatch(/secret|token|http:/);
    const app = argv.find((arg) => arg.startsWith('--app='))!;
    expect(app).toMatch(/^--app=file:\/\/\/.*\/open\.html$/);
    const page = fileURLToPath(app.slice('--app='.length));
    expect(statSync(page).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(page)).mode & 0o777).toBe(0o700);
    const [, launchUrl] = URL_LINE.exec(readFileSync(page, 'utf8'))!;
    expect(started.output()).not.toContain(launchUrl);
    await signIn(launchUrl!);
    expect((await fetch(launchUrl!)).status).toBe(401);
  }, 40_000);

  it('also listens for native probes where --probe-socket says, and prints where', async () => {
    let probeSocket = '';
    const started = start('none', (dir) => ['--probe-socket', (probeSocket = join(dir, 'probe.sock'))]);
    await started.waitFor(URL_LINE);
    expect(started.output()).toContain(`Native probes connect to ${probeSocket}`);
    expect(statSync(probeSocket).isSocket()).toBe(true);
  }, 40_000);

  it('keeps serving, and says so, when the browser fails to start', async () => {
    const started = start('/bin/false');
    await started.waitFor(/Chromium exited with code 1; still serving at (http:\S+)/);
    const [, url] = await started.waitFor(URL_LINE);
    expect((await fetch(url!)).status).toBe(200);
    expect(started.child.exitCode).toBeNull();
  }, 40_000);
});
