/**
 * The views beyond the basic scenarios, on the live demo traffic of `xpc-inspector serve`:
 * following the live tail and leaving it, column visibility, widths and sorting, the detail
 * pane's description, wire bytes and copy action, the services table, keyboard navigation and
 * the marks on the transaction chart.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const rows = (page: Page): Locator => page.getByTestId('message-row');

async function rowCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('match-count').innerText()).replace(/[^\d]/g, ''));
}

/** The text of a table cell by its column header. */
async function cell(table: Locator, row: Locator, header: string): Promise<string> {
  const headers = await table.locator('thead th').allInnerTexts();
  const index = headers.findIndex((h) => h.trim() === header);
  if (index < 0) throw new Error(`no column "${header}" among ${JSON.stringify(headers)}`);
  return (await row.locator('td').nth(index).innerText()).trim();
}

/** A latency cell ("681 µs", "22.8 ms", "1.2 s") in nanoseconds; empty cells are undefined. */
function latencyNs(text: string): number | undefined {
  const match = /^([\d.,]+)\s*(ns|µs|us|ms|s)$/.exec(text.trim());
  if (!match) return undefined;
  const scale = { ns: 1, µs: 1e3, us: 1e3, ms: 1e6, s: 1e9 }[match[2] as 'ns' | 'µs' | 'us' | 'ms' | 's'];
  return Number(match[1]!.replace(/,/g, '')) * scale;
}

test('scrolling up leaves the live tail where it is, and Jump to live follows it again', async ({ app }) => {
  await expect.poll(() => rowCount(app), { timeout: 30_000 }).toBeGreaterThan(80);
  const timeline = app.getByTestId('timeline');
  await expect(app.getByTestId('jump-to-live')).toBeHidden();
  await timeline.evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(app.getByTestId('jump-to-live')).toBeVisible();
  const firstShown = await rows(app).first().locator('div').first().innerText();
  await app.waitForTimeout(1500);
  // New rows keep arriving, but the rows the user scrolled to stay put.
  expect(await rows(app).first().locator('div').first().innerText()).toBe(firstShown);
  await app.screenshot({ path: test.info().outputPath('scrolled-up.png') });
  await app.getByTestId('jump-to-live').click();
  await expect(app.getByTestId('jump-to-live')).toBeHidden();
  await expect
    .poll(() => timeline.evaluate((el) => el.scrollHeight - el.clientHeight - el.scrollTop), { timeout: 5000 })
    .toBeLessThan(40);
});

test('columns can be hidden, shown again, resized and sorted', async ({ app }) => {
  await expect(rows(app).first()).toBeVisible();
  // A sorted header's name carries its arrow ("Latency ▲").
  const header = (title: string): Locator => app.getByRole('columnheader', { name: new RegExp(`^${title}( [▲▼])?$`) });
  await expect(header('Size')).toBeVisible();

  await app.getByTestId('columns-button').click();
  const menu = app.getByTestId('column-menu');
  await menu.getByRole('menuitemcheckbox', { name: 'Size' }).click();
  await app.keyboard.press('Escape');
  await expect(header('Size')).toHaveCount(0);
  await app.getByTestId('columns-button').click();
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Size' })).toHaveAttribute('aria-checked', 'false');
  await menu.getByRole('menuitemcheckbox', { name: 'Size' }).click();
  await app.keyboard.press('Escape');
  await expect(header('Size')).toBeVisible();

  const service = header('Service');
  const before = (await service.boundingBox())!;
  const handle = (await service.locator('.resizer').boundingBox())!;
  await app.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await app.mouse.down();
  await app.mouse.move(handle.x + handle.width / 2 + 90, handle.y + handle.height / 2, { steps: 6 });
  await app.mouse.up();
  const after = (await service.boundingBox())!;
  expect(after.width - before.width).toBeGreaterThan(70);
  expect(after.width - before.width).toBeLessThan(110);

  await app.getByTestId('filter-input').fill('kind:reply');
  await expect.poll(() => rowCount(app), { timeout: 20_000 }).toBeGreaterThan(5);
  await app.getByTestId('pause-button').click();
  await header('Latency').click();
  await expect(header('Latency')).toHaveAttribute('aria-sort', /ascending|descending/);
  const direction = await header('Latency').getAttribute('aria-sort');
  const latencyIndex = (await app.getByRole('columnheader').allInnerTexts()).findIndex((t) => t.trim().startsWith('Latency'));
  const shown = (await rows(app).evaluateAll((els, i) => els.map((el) => (el.children[i] as HTMLElement | undefined)?.innerText ?? ''), latencyIndex))
    .map(latencyNs)
    .filter((v): v is number => v !== undefined);
  expect(shown.length).toBeGreaterThan(3);
  const ordered = [...shown].sort((a, b) => (direction === 'ascending' ? a - b : b - a));
  expect(shown).toEqual(ordered);
  await app.screenshot({ path: test.info().outputPath('sorted-by-latency.png') });
});

test('the detail pane shows the description text and the frame bytes, and copies the payload as XPC-JSON', async ({ app, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await app.getByTestId('filter-input').fill('service:com.example.echo kind:message');
  const request = rows(app).first();
  await expect(request).toBeVisible({ timeout: 20_000 });
  await app.getByTestId('pause-button').click();
  await request.click();
  const detail = app.getByTestId('detail-pane');

  await detail.getByRole('button', { name: 'Description', exact: true }).click();
  await expect(detail.getByTestId('description')).toContainText(/<dictionary: 0x[0-9a-f]+> \{ count = \d+, transaction: \d, voucher = .*, contents =/);
  await expect(detail.getByTestId('description')).toContainText('"text" => <string: ');

  await detail.getByRole('button', { name: 'Hex', exact: true }).click();
  const hex = detail.getByTestId('hex-dump');
  // The RemoteXPC frame magic 0x29b00b92 and the XPC payload magic 0x42133742, little-endian.
  await expect(hex).toContainText('92 0b b0 29');
  await expect(hex).toContainText('42 37 13 42');

  await detail.getByTestId('copy-xpc-json').click();
  const copied = JSON.parse(await app.evaluate(() => navigator.clipboard.readText())) as Record<string, unknown>;
  expect(typeof copied.text).toBe('string');
  await app.screenshot({ path: test.info().outputPath('detail-description.png') });
});

test('arrow keys move the selection through the timeline and Escape clears it', async ({ app }) => {
  await expect.poll(() => rowCount(app), { timeout: 20_000 }).toBeGreaterThan(10);
  await app.getByTestId('pause-button').click();
  await rows(app).nth(2).click();
  const selected = app.locator('[data-testid="message-row"][aria-selected="true"]');
  const first = (await selected.getAttribute('data-seq'))!;
  await app.keyboard.press('ArrowDown');
  await expect(selected).not.toHaveAttribute('data-seq', first);
  await app.keyboard.press('ArrowUp');
  await expect(selected).toHaveAttribute('data-seq', first);
  await app.keyboard.press('Escape');
  await expect(selected).toHaveCount(0);
  await app.keyboard.press('Control+f');
  await expect(app.getByTestId('filter-input')).toBeFocused();
});

test('the services table shows state, pid, launches, crashes and why the flaky service last exited', async ({ app }) => {
  await app.getByTestId('nav-services').click();
  const table = app.getByTestId('services-table');
  const echo = table.locator('[data-testid="service-row"][data-service="com.example.echo"]');
  await expect(echo).toHaveAttribute('data-state', /running|idle/, { timeout: 20_000 });
  expect(Number(await cell(table, echo, 'PID'))).toBeGreaterThan(1);
  expect(Number(await cell(table, echo, 'Launches'))).toBeGreaterThanOrEqual(1);

  const flaky = table.locator('[data-testid="service-row"][data-service="com.example.flaky"]');
  await expect.poll(async () => Number(await cell(table, flaky, 'Crashes')), { timeout: 45_000 }).toBeGreaterThan(0);
  expect(await cell(table, flaky, 'Last exit')).toMatch(/SIGABRT|crash/i);
  await app.screenshot({ path: test.info().outputPath('services.png') });

  // Stopping a service ends its process; the next message launches it again.
  const pid = await cell(table, echo, 'PID');
  await echo.getByTestId('stop-service').click();
  await expect.poll(() => cell(table, echo, 'PID'), { timeout: 20_000 }).not.toBe(pid);
});

test('the transaction chart marks a launch on its time axis, with the time and what happened', async ({ app }) => {
  await app.getByTestId('nav-transactions').click();
  // The ticker job launches on demand, so its chart carries a launch mark at once.
  const chart = app.locator('[data-testid="transaction-chart"][data-service="com.example.ticker"]');
  await expect(chart).toBeVisible({ timeout: 20_000 });
  await expect(chart.locator('g.mark.launch').first()).toBeAttached({ timeout: 20_000 });
  await expect(chart.locator('g.mark.launch title').first()).toContainText(/s — /);
  await app.screenshot({ path: test.info().outputPath('transactions-marks.png') });
});

test('a window opened after Clear starts from the host snapshot: every service and the open connections are there', async ({ app }) => {
  await app.getByTestId('nav-services').click();
  const services = app.getByTestId('service-row');
  await expect(services.filter({ hasText: 'com.example.flaky' })).toBeVisible({ timeout: 20_000 });
  const before = await services.count();
  await app.getByTestId('nav-timeline').click();
  const rowsBefore = await rowCount(app);
  await app.getByTestId('clear-button').click();
  await expect.poll(() => rowCount(app), { timeout: 5000 }).toBeLessThan(rowsBefore);

  await app.reload();
  await app.getByTestId('nav-services').click();
  // The jobs were loaded, and the traffic client connected, long before the events the host still holds.
  await expect(services).toHaveCount(before);
  const echo = app.locator('[data-testid="service-row"][data-service="com.example.echo"]');
  expect(Number(await cell(app.getByTestId('services-table'), echo, 'Launches'))).toBeGreaterThanOrEqual(1);
  await app.getByTestId('nav-connections').click();
  await expect(app.getByTestId('connection-row').filter({ hasText: 'com.example.echo' }).first()).toBeVisible();
  await expect(app.getByTestId('status-bar')).not.toContainText('earlier events not received');
  await app.screenshot({ path: test.info().outputPath('after-clear-and-reload.png') });
});

test('the view keeps at most its row cap, says how many older events it dropped, and the cap is chosen in the status bar', async ({ app }) => {
  // A tiny cap (the status bar offers 100k and up; any cap from 100 on is accepted) fills in seconds.
  await app.evaluate(() => {
    const key = 'xpc-inspector.preferences.v1';
    const saved = JSON.parse(window.localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
    window.localStorage.setItem(key, JSON.stringify({ ...saved, viewRows: 150 }));
  });
  await app.reload();
  const cap = app.getByTestId('row-cap');
  await expect(cap).toContainText('of 150 rows in view');
  const notice = app.getByTestId('dropped-notice');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toHaveText(/^[\d,]+ older events dropped from view \(kept on disk\)$/);
  await expect(cap).toHaveText('150 of 150 rows in view');
  expect(await rowCount(app)).toBeLessThanOrEqual(150);
  await app.screenshot({ path: test.info().outputPath('row-cap.png') });

  await cap.click();
  const menu = app.getByTestId('row-cap-menu');
  await expect(menu.getByRole('menuitemradio', { name: '150 rows' })).toHaveAttribute('aria-checked', 'true');
  await Promise.all([app.waitForEvent('load'), menu.getByRole('menuitemradio', { name: '100,000 rows' }).click()]);
  await expect(app.getByTestId('row-cap')).toContainText('of 100,000 rows in view');
});
