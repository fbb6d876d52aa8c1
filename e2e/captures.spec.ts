/**
 * Captures in the UI, end to end in browser mode: exporting the live capture as a download,
 * opening files in read-only tabs (a re-imported export, a corrupted capture, description text)
 * and reopening the journal of a run that was killed.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { createCaptureHeader, endLine, eventLine, headerLine } from '../app/capture/format';
import { sampleEvents } from '../main/capture/sample-events';
import { expect, openInspector, serveInspector, test } from './fixtures';

/** Opens a file through the toolbar's Open menu and the page's file chooser. */
async function openThroughMenu(page: Page, item: 'open-capture' | 'open-description', file: string): Promise<void> {
  await page.getByTestId('open-menu').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId(item).click()]);
  await chooser.setFiles(file);
}

function sampleCapture(count: number): string[] {
  const header = headerLine(createCaptureHeader(Date.UTC(2026, 10, 22, 10, 0, 0), { kind: 'broker', jobsDir: '/demo/jobs' }));
  return [header, ...[...sampleEvents(count)].map((event) => eventLine(event)), endLine({ events: count, lastSeq: count })];
}

const activeTab = (page: Page) => page.locator('[data-testid="session-tab"].active');

test('the live capture exported from the toolbar opens again in a read-only tab with the same messages', async ({ app }) => {
  // An answered request: its row is complete (its latency is known) before the export.
  await app.getByTestId('filter-input').fill('service:com.example.echo is:answered');
  const echoRequest = app.locator('[data-testid="message-row"][data-row-kind="message"]').first();
  await expect(echoRequest).toBeVisible({ timeout: 20_000 });
  // Both read from one element at once: the live timeline keeps scrolling as rows stream in.
  const { seq, rowText } = await echoRequest.evaluate((row: HTMLElement) => ({ seq: row.dataset.seq, rowText: row.textContent }));
  await app.getByTestId('filter-input').fill('');

  await app.getByTestId('export-menu').click();
  await expect(app.getByTestId('export-popover')).toBeVisible();
  await app.getByTestId('export-format-ndjson.gz').check();
  await app.screenshot({ path: test.info().outputPath('export-popover.png') });
  const [download] = await Promise.all([app.waitForEvent('download'), app.getByTestId('export-confirm').click()]);
  expect(download.suggestedFilename()).toMatch(/^xpc-capture-.*\.ndjson\.gz$/);
  const saved = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(saved);
  const lines = gunzipSync(readFileSync(saved)).toString('utf8').trimEnd().split('\n');
  expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'xpc-inspector-capture' });
  expect(lines.some((line) => line.startsWith(`{"seq":${seq},`))).toBe(true);

  await openThroughMenu(app, 'open-capture', saved);
  await expect(activeTab(app)).toHaveAttribute('data-mode', 'capture');
  await expect(activeTab(app)).toContainText(download.suggestedFilename());
  await expect(app.getByTestId('link-status')).toHaveText('Capture · read-only');
  await expect(app.getByTestId('tab-loading')).toHaveCount(0);
  // The same request, with the same cells, in the imported timeline.
  await app.getByTestId('filter-input').fill(`seq:${seq}`);
  const imported = app.locator(`[data-testid="message-row"][data-seq="${seq}"]`);
  await expect(imported).toBeVisible();
  expect(await imported.textContent()).toBe(rowText);
  await app.getByTestId('filter-input').fill('');
  await expect(app.getByTestId('message-row').filter({ hasText: 'com.example.echo' }).first()).toBeVisible();
  await app.screenshot({ path: test.info().outputPath('imported-timeline.png') });
  await app.getByTestId('nav-connections').click();
  await expect(app.getByTestId('connection-row').filter({ hasText: 'com.example.echo' }).first()).toBeVisible();
  await app.screenshot({ path: test.info().outputPath('imported-connections.png') });

  // The live session is still there, still streaming, beside the capture.
  await app.locator('[data-testid="session-tab"][data-session="live"] [role="tab"]').click();
  await expect(app.getByTestId('link-status')).toHaveText('Live');
  await expect(app.getByTestId('pause-button')).toBeVisible();
  await app.locator('[data-testid="session-tab"][data-mode="capture"] [data-testid="close-tab"]').click();
  await expect(app.getByTestId('tab-bar')).toHaveCount(0);
});

test('a corrupted capture shows the bad line and opens with the good lines kept', async ({ app }) => {
  const lines = sampleCapture(200);
  lines[41] = '{"seq":41,"t":1517000,"kind":"message-sent","message":'; // line 42: cut short
  const file = test.info().outputPath('damaged.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await expect(app.getByTestId('message-row').first()).toBeVisible({ timeout: 20_000 });

  await openThroughMenu(app, 'open-capture', file);
  const sheet = app.getByTestId('import-problem');
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText('“damaged.ndjson” has a bad line');
  await expect(app.getByTestId('import-problem-first')).toContainText('Line 42:');
  await expect(app.getByTestId('import-problem-first')).toContainText('not valid JSON');
  await app.screenshot({ path: test.info().outputPath('corrupted-capture.png') });
  await app.getByTestId('keep-good-lines').click();
  await expect(sheet).toHaveCount(0);
  await expect(activeTab(app)).toContainText('damaged.ndjson');
  await expect(app.getByTestId('capture-status')).toContainText('1 bad lines skipped');
  await expect(app.locator('[data-testid="message-row"][data-seq="40"]')).toBeVisible();
  await expect(app.locator('[data-testid="message-row"][data-seq="41"]')).toHaveCount(0);
  await expect(app.getByTestId('match-count')).toHaveText(/rows$/);
  await app.screenshot({ path: test.info().outputPath('corrupted-kept.png') });
  // The host keeps the capture open: a reloaded page shows its tab again.
  await app.reload();
  const restored = app.locator('[data-testid="session-tab"][data-mode="capture"]');
  await expect(restored).toContainText('damaged.ndjson');
  await restored.getByRole('tab').click();
  await expect(app.locator('[data-testid="message-row"][data-seq="40"]')).toBeVisible();
});

test('a capture from a newer version is refused with the reason', async ({ app }) => {
  const lines = sampleCapture(3);
  lines[0] = lines[0]!.replace('"version":1', '"version":7');
  const file = test.info().outputPath('future.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  // ⌘O / Ctrl+O opens a capture too.
  await expect(app.getByTestId('message-row').first()).toBeVisible({ timeout: 20_000 });
  const [chooser] = await Promise.all([app.waitForEvent('filechooser'), app.keyboard.press('Control+O')]);
  await chooser.setFiles(file);
  await expect(app.getByTestId('import-problem')).toContainText('cannot be opened');
  await expect(app.getByTestId('import-problem-first')).toContainText('Line 1: capture format version 7 is newer');
  await expect(app.getByTestId('keep-good-lines')).toHaveCount(0);
  await app.getByTestId('import-problem-cancel').click();
  await expect(app.getByTestId('tab-bar')).toHaveCount(0);
});

test('description text from lldb opens as messages of a read-only tab', async ({ app }) => {
  const file = test.info().outputPath('lldb-po.txt');
  writeFileSync(
    file,
    [
      '(lldb) po message',
      '<OS_xpc_dictionary: <dictionary: 0x600000c04000> { count = 2, transaction: 0, voucher = 0x0, contents =',
      '\t"op" => <string: 0x600000c04010> { length = 5, contents = "fetch" }',
      '\t"id" => <int64: 0x600000c04020>: 42',
      '}>',
      '2026-11-22 10:00:00.123 MyApp[123:4567] reply: <dictionary: 0x600000c05000> { count = 1, transaction: 0, voucher = 0x0, contents =',
      '\t"status" => <string: 0x600000c05010> { length = 2, contents = "ok" }',
      '}',
    ].join('\n'),
  );
  await openThroughMenu(app, 'open-description', file);
  await expect(activeTab(app)).toContainText('lldb-po.txt');
  const rows = app.locator('[data-testid="message-row"][data-row-kind="message"]');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('fetch');
  await expect(rows.nth(1)).toContainText('ok');
  await rows.nth(0).click();
  await expect(app.getByTestId('detail-tree')).toContainText('42');
  await app.screenshot({ path: test.info().outputPath('description-import.png') });

  // The table as CSV: the visible columns, only the rows the filter keeps.
  await app.getByTestId('filter-input').fill('kind:message');
  await expect(app.getByTestId('match-count')).toHaveText('2 of 4');
  await app.getByTestId('export-menu').click();
  await app.getByTestId('export-format-csv').check();
  await app.getByTestId('export-scope-filtered').check();
  const [download] = await Promise.all([app.waitForEvent('download'), app.getByTestId('export-confirm').click()]);
  expect(download.suggestedFilename()).toBe('lldb-po.txt-timeline.csv');
  const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
  expect(csv).toEqual([
    'No.,Time,Direction,From,To,Service,Kind,Flags,Size,Latency,Tx,Summary',
    '3,0.000000,→,description text (0),,lldb-po.txt,message,,56 B,,,"{op: ""fetch"", id: 42}"',
    '4,0.000000,→,description text (0),,lldb-po.txt,message,,40 B,,,"{status: ""ok""}"',
    '',
  ]);
});

test('a journal left by a killed run is offered on start and reopens read-only', async ({ page }) => {
  const { served, stop } = await serveInspector([], {
    prepareCaptures: (captures) => {
      // The run was killed: no end line, a torn last line, and its writer is gone.
      const header = headerLine(createCaptureHeader(Date.UTC(2026, 10, 22, 9, 30, 0), { kind: 'broker', pid: 2 ** 22 + 17, hostname: hostname() }));
      const events = [...sampleEvents(300)].map((event) => eventLine(event));
      writeFileSync(join(captures, 'capture-2026-11-22T09-30-00.ndjson'), `${header}\n${events.join('\n')}\n${events[0]!.slice(0, 30)}`, { mode: 0o600 });
    },
  });
  try {
    await openInspector(page, served);
    const notice = page.getByTestId('interrupted-notice');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('capture-2026-11-22T09-30-00.ndjson');
    await expect(notice).toContainText('300 events');
    await page.screenshot({ path: test.info().outputPath('interrupted-notice.png') });
    await page.getByTestId('reopen-interrupted').click();
    await expect(notice).toHaveCount(0);
    await expect(activeTab(page)).toContainText('capture-2026-11-22T09-30-00.ndjson');
    await expect(page.getByTestId('capture-status')).toContainText('interrupted');
    await expect(page.locator('[data-testid="message-row"][data-seq="300"]').or(page.getByTestId('message-row').first())).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('interrupted-reopened.png') });
  } finally {
    await stop();
  }
});
