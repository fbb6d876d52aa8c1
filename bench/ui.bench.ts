/**
 * The UI under load, in Debian's Chromium (playwright-core, /usr/bin/chromium) on the built
 * renderer (out/renderer; run `npm run build` first):
 *  - stream: 50k events/s for DURATION seconds (default 60); frame times while streaming, and
 *    whether every generated event reached the model (none lost);
 *  - scroll: 1M timeline rows delivered at once, then wheel-scrolling through them; frame times.
 * Baseline, same run: frame times of the same page with no events at all. Targets (DESIGN.md):
 * no event lost at 50k/s for 60 s; scrolling 1M rows with frame p95 ≤ 16.7 ms.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium, type Page } from 'playwright-core';

const root = process.cwd();
const rendererDir = join(root, 'out', 'renderer');
const DURATION_S = Number(process.env.DURATION ?? 60);
const RATE = 50_000;
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

// Streaming at 50k events/s.
const stream = await openPage({ mode: 'stream', rate: RATE, total: RATE * DURATION_S });
await stream.waitForTimeout(500);
await takeFrames(stream);
const streamFrames: number[] = [];
for (let second = 5; second <= DURATION_S; second += 5) {
  await stream.waitForTimeout(5000);
  const frames = await takeFrames(stream);
  streamFrames.push(...frames);
  console.log(`  ${String(second).padStart(3)} s: ${describe(frames)}`);
}
await stream.waitForFunction(() => (window as unknown as { __uiBenchStats: { done: boolean } }).__uiBenchStats.done, null, { timeout: 30_000 });
const generated = await stream.evaluate(() => (window as unknown as { __uiBenchStats: { generated: number } }).__uiBenchStats.generated);
await stream.waitForFunction(async (n) => Number((document.querySelector('[data-testid=status-bar] .item:nth-child(2)')?.textContent ?? '').replace(/[^\d]/g, '')) >= n, generated, { timeout: 30_000, polling: 250 });
const applied = await modelEvents(stream);
await stream.close();
console.log(`stream ${RATE.toLocaleString('en')} events/s for ${DURATION_S} s: ${describe(streamFrames)}`);
console.log(`  events generated ${generated.toLocaleString('en')}, applied ${applied.toLocaleString('en')}: ${applied === generated ? 'none lost' : `${(generated - applied).toLocaleString('en')} LOST`}`);
console.log(`  ratio stream p95 ÷ idle p95: ${(percentile(streamFrames, 0.95) / percentile(idleFrames, 0.95)).toFixed(2)}`);

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
