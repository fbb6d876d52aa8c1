/**
 * The UI under load, in Debian's Chromium (playwright-core, /usr/bin/chromium) on the built
 * renderer (out/renderer; run `npm run build` first):
 *  - live: the whole stack as `xpc-inspector serve` runs it — broker, echo demo service
 *    process, bridge host, WebSocket, renderer — with a client process sending requests paced
 *    so the broker produces 50k events/s for DURATION seconds (default 60). Prints the events
 *    the broker emitted next to the events the renderer applied (must be equal), the share of
 *    the page's time spent in long tasks (> 50 ms), and frame times while streaming;
 *  - scroll: 1M timeline rows delivered at once (bench/ui/load-bridge.ts stands in for the
 *    host here, so only the renderer is measured), then wheel-scrolling through them.
 * UI_BENCH_PROFILE=FILE writes a CPU profile of the page during the live stage, UI_BENCH_TRACE=FILE
 * a Chromium trace (open it in chrome://tracing or summarise it by event name).
 * Baseline, same run: frame times of the same page with no events at all. Targets (DESIGN.md):
 * no event lost at 50k/s for 60 s; scrolling 1M rows with frame p95 ≤ 16.7 ms.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { extname, join, normalize } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ENV_PROCESS_TYPE, ENV_SOCKET } from '../app/protocol/env';
import { plistFor } from '../main/broker/testing/harness';
import { startBrowserMode } from '../main/server/browser-mode';

const root = process.cwd();
const rendererDir = join(root, 'out', 'renderer');
const DURATION_S = Number(process.env.DURATION ?? 60);
const RATE = 50_000;
const CALIBRATION_REQUESTS = 2000;
const SCROLL_ROWS = 1_000_000;
const ORIGIN = 'http://inspector.bench';

if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`${rendererDir}/index.html is missing: run \`npm run build\` first`);
  process.exit(1);
}

const bridgeScript = (
  await build({ entryPoints: [join(root, 'bench', 'ui', 'load-bridge.ts')], bundle: true, format: 'iife', write: false, logLevel: 'warning' })
).outputFiles[0]!.text;

const FRAME_PROBE = `
  window.__frames = [];
  let last = 0;
  const tick = (t) => { if (last) window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__longTaskMs = 0;
  new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTaskMs += entry.duration; }).observe({ type: 'longtask', buffered: true });
`;

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.map': 'application/json' };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function openPage(parameters: { mode: 'stream' | 'bulk' | 'idle'; rate: number; total: number }): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  // Serve the built renderer without a server: every request is answered from out/renderer.
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = normalize(new URL(route.request().url()).pathname).replace(/^\/+/, '') || 'index.html';
    const file = join(rendererDir, path);
    if (!file.startsWith(rendererDir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    await route.fulfill({ status: 200, contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  });
  await page.addInitScript({ content: `window.__uiBench = ${JSON.stringify({ ...parameters, mode: parameters.mode === 'idle' ? 'stream' : parameters.mode })};` });
  await page.addInitScript({ content: bridgeScript });
  await page.addInitScript({ content: FRAME_PROBE });
  await page.goto(`${ORIGIN}/index.html`);
  return page;
}

async function takeFrames(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[] };
    const frames = w.__frames;
    w.__frames = [];
    return frames;
  });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function describe(frames: readonly number[]): string {
  return `${frames.length} frames, p50 ${percentile(frames, 0.5).toFixed(1)} ms, p95 ${percentile(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms`;
}

async function modelEvents(page: Page): Promise<number> {
  const text = (await page.getByTestId('status-bar').locator('.item').nth(1).innerText()).replace(/[^\d]/g, '');
  return Number(text);
}

// Baseline: the same page with nothing arriving.
const idle = await openPage({ mode: 'idle', rate: 0, total: 0 });
await idle.waitForTimeout(1500);
await takeFrames(idle);
await idle.waitForTimeout(5000);
const idleFrames = await takeFrames(idle);
await idle.close();
console.log(`baseline (idle page): ${describe(idleFrames)}`);

// Live: broker → bridge host → WebSocket → renderer at 50k events/s.
const live = await runLive();
console.log(`live ${RATE.toLocaleString('en')} events/s asked, ${Math.round(live.emitted / live.seconds).toLocaleString('en')} events/s emitted for ${live.seconds.toFixed(1)} s: ${describe(live.frames)}`);
console.log(`  requests sent ${live.sent.toLocaleString('en')}, replied ${live.replied.toLocaleString('en')}; ${live.eventsPerRequest.toFixed(2)} events per request; load client held back at ${live.behind} ticks`);
console.log(`  events emitted by the broker ${live.emitted.toLocaleString('en')}, applied by the renderer ${live.applied.toLocaleString('en')}: ${live.applied === live.emitted ? 'none lost' : `${(live.emitted - live.applied).toLocaleString('en')} LOST`}`);
console.log(`  renderer long tasks: ${(live.longTaskShare * 100).toFixed(1)}% of the time; caught up ${live.catchUpMs} ms after the load stopped`);
console.log(`  ratio live p95 ÷ idle p95: ${(percentile(live.frames, 0.95) / percentile(idleFrames, 0.95)).toFixed(2)}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// 1M rows, then scrolling through them.
const bulk = await openPage({ mode: 'bulk', rate: 0, total: Math.ceil(SCROLL_ROWS * 1.452) });
const loadStart = Date.now();
await bulk.waitForFunction((n) => Number((document.querySelector('[data-testid=match-count]')?.textContent ?? '').replace(/[^\d]/g, '')) >= n, SCROLL_ROWS, {
  timeout: 300_000,
  polling: 500,
});
console.log(`1M rows delivered and shown in ${((Date.now() - loadStart) / 1000).toFixed(1)} s (includes generating the events in the page)`);
await bulk.waitForTimeout(1000);
await bulk.mouse.move(720, 400);
await takeFrames(bulk);
for (let i = 0; i < 240; i++) {
  // A fast wheel or trackpad flick: about 15 000 px (750 rows) a second.
  await bulk.mouse.wheel(0, i < 120 ? -240 : 240);
  await bulk.waitForTimeout(16);
}
const scrollFrames = await takeFrames(bulk);
await bulk.close();
console.log(`scrolling 1M rows: ${describe(scrollFrames)} (target p95 ≤ 16.7 ms)`);
console.log(`  ratio scroll p95 ÷ idle p95: ${(percentile(scrollFrames, 0.95) / percentile(idleFrames, 0.95)).toFixed(2)}`);
await browser.close();

interface LiveResult {
  readonly seconds: number;
  readonly emitted: number;
  readonly applied: number;
  readonly sent: number;
  readonly replied: number;
  readonly behind: number;
  readonly eventsPerRequest: number;
  readonly frames: number[];
  readonly longTaskShare: number;
  readonly catchUpMs: number;
}

/** Browser mode on a jobs directory holding only the echo demo, a page on it, and the load client. */
async function runLive(): Promise<LiveResult> {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-uibench-'));
  const jobsDir = join(dir, 'jobs');
  mkdirSync(join(jobsDir, 'LaunchAgents'), { recursive: true });
  // Same shape as the echo demo job, but it never idle-exits mid-run.
  writeFileSync(
    join(jobsDir, 'LaunchAgents', 'com.example.echo.plist'),
    plistFor({ label: 'com.example.echo', kind: 'agent', program: join(root, 'out', 'demo', 'echo.mjs'), argv: [process.execPath, join(root, 'out', 'demo', 'echo.mjs')], services: ['com.example.echo'], processType: 'Adaptive' }),
  );
  const mode = await startBrowserMode({ jobsDir, socketPath: join(dir, 'broker.sock'), capturesDir: join(dir, 'captures'), rendererDir, log: () => undefined });
  let emitted = 0;
  const detach = mode.broker.onEvent(() => (emitted += 1));
  const loadClient = await buildLoadClient();
  const child = spawn(process.execPath, [loadClient], { env: { ...process.env, [ENV_SOCKET]: mode.broker.socketPath, [ENV_PROCESS_TYPE]: 'app' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async <T>(command: Record<string, unknown>): Promise<T> => {
    if (command.cmd !== undefined) child.stdin.write(`${JSON.stringify(command)}\n`);
    const line = await lines.next();
    if (line.done) throw new Error(`the load client exited (code ${child.exitCode})`);
    return JSON.parse(line.value) as T;
  };
  try {
    await ask({});
    // Calibrate: how many broker events one request/reply produces (launch included in the first burst).
    await ask({ cmd: 'burst', count: 200 });
    const before = emitted;
    await ask({ cmd: 'burst', count: CALIBRATION_REQUESTS });
    const eventsPerRequest = (emitted - before) / CALIBRATION_REQUESTS;

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.addInitScript({ content: FRAME_PROBE });
    await page.goto(mode.launchUrl());
    await page.waitForURL(mode.origin);
    await page.getByTestId('status-bar').waitFor();
    await page.waitForTimeout(1500);
    await takeFrames(page);
    const longTaskStart = await longTaskMs(page);
    const wallStart = performance.now();
    const emittedAtStart = emitted;

    const profiler = process.env.UI_BENCH_PROFILE ? await page.context().newCDPSession(page) : undefined;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.start');
    }
    const tracePath = process.env.UI_BENCH_TRACE;
    if (tracePath) await browser.startTracing(page, { path: tracePath, categories: ['devtools.timeline', 'v8', 'blink'] });
    const running = ask<{ sent: number; replied: number; seconds: number; behind: number }>({ cmd: 'run', rate: RATE / eventsPerRequest, seconds: DURATION_S });
    const frames: number[] = [];
    let done = false;
    void running.then(() => (done = true));
    for (let second = 5; !done; second += 5) {
      await Promise.race([page.waitForTimeout(5000), running]);
      const chunk = await takeFrames(page);
      frames.push(...chunk);
      console.log(`  ${String(second).padStart(3)} s: ${describe(chunk)}; ${(await modelEvents(page)).toLocaleString('en')} events applied`);
    }
    const load = await running;
    if (tracePath) {
      await browser.stopTracing();
      console.log(`  renderer trace written to ${tracePath}`);
    }
    if (profiler) {
      const { profile } = await profiler.send('Profiler.stop');
      writeFileSync(process.env.UI_BENCH_PROFILE!, JSON.stringify(profile));
      console.log(`  renderer CPU profile written to ${process.env.UI_BENCH_PROFILE}`);
    }
    const stoppedAt = performance.now();
    const total = emitted;
    await page.waitForFunction((n) => Number((document.querySelector('[data-testid=status-bar] .item:nth-child(2)')?.textContent ?? '').replace(/[^\d]/g, '')) >= n, total, {
      timeout: 120_000,
      polling: 100,
    });
    const catchUpMs = Math.round(performance.now() - stoppedAt);
    const wallMs = performance.now() - wallStart;
    const longTaskShare = ((await longTaskMs(page)) - longTaskStart) / wallMs;
    const applied = await modelEvents(page);
    await page.close();
    return { seconds: load.seconds, emitted: total - emittedAtStart, applied: applied - emittedAtStart, sent: load.sent, replied: load.replied, behind: load.behind, eventsPerRequest, frames, longTaskShare, catchUpMs };
  } finally {
    child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    detach();
    await mode.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function longTaskMs(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __longTaskMs: number }).__longTaskMs);
}

async function buildLoadClient(): Promise<string> {
  const outfile = join(root, 'out', 'bench', 'ui-live-load.mjs');
  await build({
    entryPoints: [join(root, 'bench', 'ui', 'live-load.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
