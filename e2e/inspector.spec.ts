/**
 * The inspector in browser mode, end to end: `xpc-inspector serve` on the demo jobs (real
 * broker, real service processes, the demo traffic generator), the built UI in Chromium.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, openInspector, test } from './fixtures';

/** The number a metric shows ("1,234" → 1234). */
async function metricValue(card: Locator, caption: string): Promise<number> {
  const text = await card.locator('.metric', { has: card.page().locator('.caption', { hasText: caption }) }).locator('.value').innerText();
  return Number(text.replace(/[^\d]/g, ''));
}

async function matchCount(page: Page): Promise<string> {
  return (await page.getByTestId('match-count').innerText()).trim();
}

test('the demo traffic appears in the timeline', async ({ app }) => {
  await expect(app.getByTestId('link-status')).toBeVisible();
  await expect(app.locator('[data-testid="message-row"][data-row-kind="message"]').first()).toBeVisible();
  await expect(app.locator('[data-testid="message-row"][data-row-kind="reply"]').first()).toBeVisible();
  await expect(app.getByTestId('message-row').filter({ hasText: 'com.example.echo' }).first()).toBeVisible();
  // The stream keeps flowing: the row count grows.
  const before = Number((await matchCount(app)).replace(/[^\d]/g, ''));
  await expect.poll(async () => Number((await matchCount(app)).replace(/[^\d]/g, '')), { timeout: 10_000 }).toBeGreaterThan(before);
  await app.screenshot({ path: test.info().outputPath('timeline.png') });
});

test('a crash of the flaky demo service shows the connection INTERRUPTED with its reason', async ({ app }) => {
  await app.getByTestId('nav-connections').click();
  const flaky = app.getByTestId('connection-row').filter({ hasText: 'com.example.flaky' });
  // com.example.flaky aborts on every 7th request; the traffic generator reaches it in ~15 s.
  await expect(flaky.filter({ hasText: /interrupted/i }).first()).toBeVisible({ timeout: 45_000 });
  const reason = flaky.first().getByTestId('connection-reason');
  await expect(reason).toContainText('com.example.flaky');
  await expect(reason).toContainText(/crash|SIGABRT|abort/i);
  await app.screenshot({ path: test.info().outputPath('connections-interrupted.png') });
});

test('filtering narrows the timeline to matching rows', async ({ app }) => {
  await expect(app.getByTestId('message-row').first()).toBeVisible();
  await expect(app.getByTestId('message-row').filter({ hasText: 'com.example.ticker' }).first()).toBeVisible({ timeout: 20_000 });
  await app.getByTestId('filter-input').fill('service:com.example.echo');
  await expect(app.getByTestId('match-count')).toHaveText(/^[\d,]+ of [\d,]+$/);
  const [shown, held] = (await matchCount(app)).split(' of ').map((n) => Number(n.replace(/[^\d]/g, '')));
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(held!);
  const rows = app.getByTestId('message-row');
  await expect(rows.first()).toContainText('com.example.echo');
  await expect(rows.filter({ hasText: 'com.example.ticker' })).toHaveCount(0);
  // A filter that cannot parse says where it went wrong and keeps the last valid one.
  await app.getByTestId('filter-input').fill('service:com.example.echo latency>');
  await expect(app.getByTestId('filter-error')).toBeVisible();
  await expect(rows.filter({ hasText: 'com.example.ticker' })).toHaveCount(0);
  await app.screenshot({ path: test.info().outputPath('filtered.png') });
  await app.getByTestId('filter-input').fill('');
  await expect(app.getByTestId('match-count')).toHaveText(/^[\d,]+ rows$/);
});

test('selecting a request shows its payload tree and links to its reply', async ({ app }) => {
  await app.getByTestId('filter-input').fill('service:com.example.echo is:answered');
  const request = app.locator('[data-testid="message-row"][data-row-kind="message"]').first();
  await expect(request).toBeVisible({ timeout: 20_000 });
  await request.click();
  const detail = app.getByTestId('detail-pane');
  await expect(detail).toBeVisible();
  const tree = detail.getByTestId('detail-tree');
  await expect(tree).toBeVisible();
  await expect(tree.locator('[role="treeitem"]').filter({ hasText: 'text' }).first()).toBeVisible();
  await expect(tree).toContainText('message');
  const toReply = detail.getByTestId('detail-link').filter({ hasText: /Reply #\d+/ });
  await expect(toReply).toBeVisible();
  await app.screenshot({ path: test.info().outputPath('request-detail.png') });

  // Following the link selects the reply, whose tree echoes the request.
  await app.getByTestId('filter-input').fill('service:com.example.echo');
  await toReply.click();
  await expect(app.locator('[data-testid="message-row"][aria-selected="true"]')).toHaveAttribute('data-row-kind', 'reply');
  await expect(detail.getByTestId('detail-tree')).toContainText('echo');
  await expect(detail.getByTestId('detail-link').filter({ hasText: /In reply to #\d+/ })).toBeVisible();
  await app.screenshot({ path: test.info().outputPath('reply-detail.png') });
});

test('the transaction count of a service rises while it works and falls back to zero', async ({ app }) => {
  await app.getByTestId('nav-transactions').click();
  // com.example.ticker holds a transaction (xpc_transaction_begin) for the ~2 s it sends ticks.
  const card = app.locator('[data-testid="transaction-card"][data-service="com.example.ticker"]');
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => metricValue(card, 'transactions'), { timeout: 20_000, intervals: [100] }).toBeGreaterThan(0);
  await app.screenshot({ path: test.info().outputPath('transactions-held.png') });
  await expect.poll(() => metricValue(card, 'transactions'), { timeout: 20_000, intervals: [100] }).toBe(0);
  expect(await metricValue(card, 'peak')).toBeGreaterThan(0);
  await expect(card.getByTestId('transaction-chart')).toBeVisible();
  await app.screenshot({ path: test.info().outputPath('transactions-idle.png') });
});

test('pausing holds the stream and resuming delivers what was held', async ({ app }) => {
  await expect(app.getByTestId('message-row').first()).toBeVisible();
  await app.getByTestId('pause-button').click();
  // Let a batch already in flight land before reading the frozen count.
  await app.waitForTimeout(300);
  const frozen = await matchCount(app);
  await app.waitForTimeout(1500);
  expect(await matchCount(app)).toBe(frozen);
  await app.getByTestId('pause-button').click();
  await expect.poll(() => matchCount(app), { timeout: 10_000 }).not.toBe(frozen);
});

test('the page needs a session: the launch URL works once and leaves no secret in the address bar or history', async ({ page, inspector }) => {
  expect((await page.goto(inspector.origin))?.status()).toBe(401);
  const entriesBefore = await page.evaluate(() => history.length);
  await openInspector(page, inspector);
  expect(page.url()).toBe(inspector.origin);
  await expect(page.getByTestId('message-row').first()).toBeVisible();
  const secret = new URL(inspector.launchUrl).searchParams.get('secret')!;
  // The page replaced the launch URL's history entry: one entry for both.
  expect(await page.evaluate(() => history.length)).toBe(entriesBefore + 1);
  const cookies = await page.context().cookies();
  expect(cookies).toEqual([expect.objectContaining({ name: `xpci-session-${new URL(inspector.origin).port}`, httpOnly: true, sameSite: 'Strict' })]);
  expect(cookies[0]!.value).not.toBe(secret);
  expect(await page.evaluate(() => document.cookie)).toBe('');
  const csp = (await page.request.get(inspector.origin)).headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  // Back from the page does not return to a URL with the secret in it.
  await page.goBack();
  expect(page.url()).not.toContain(secret);
  // Used once, the launch URL is refused, even to this browser.
  const again = await page.context().newPage();
  await again.context().clearCookies();
  expect((await again.goto(inspector.launchUrl))?.status()).toBe(401);
});
