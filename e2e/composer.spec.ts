/**
 * The "send test message" composer, end to end: real sends through `xpc-inspector serve` to the
 * demo services (the host sends as a real client of the broker), answers shown in place, the
 * traffic in the timeline, validation as you type, resend from a captured message, history and
 * templates across a reload, and copy as C.
 *
 * Set UPDATE_SCREENSHOTS=1 to write the composer screenshots to docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, root, test } from './fixtures';

async function openComposer(app: Page) {
  await app.getByTestId('composer-open').click();
  const composer = app.getByTestId('composer');
  await expect(composer).toBeVisible();
  return composer;
}

/** Replaces the payload text the way a user would (select all, type). */
async function setPayload(app: Page, text: string): Promise<void> {
  const editor = app.getByTestId('composer-payload');
  await editor.click();
  await editor.press('ControlOrMeta+a');
  await editor.press('Delete');
  await editor.fill(text);
}

/** Clicks the theme toggle until the window shows `theme`. */
async function useTheme(app: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = app.getByTestId('theme-toggle');
  for (let i = 0; i < 3 && (await app.locator('html').getAttribute('data-theme')) !== theme; i++) await toggle.click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', theme);
}

function screenshotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS ? join(root, 'docs', 'screenshots', name) : test.info().outputPath(name);
}

test('a request with reply to the echo service shows its reply in place and appears in the timeline', async ({ app }) => {
  await expect(app.getByTestId('message-row').first()).toBeVisible();
  const composer = await openComposer(app);

  // Pick the service from the registered ones; the daemon is offered as privileged.
  await app.getByTestId('composer-service').click();
  const options = app.getByTestId('composer-service-option');
  await expect(options.filter({ hasText: 'com.example.clockd' })).toContainText('privileged');
  await options.filter({ hasText: 'com.example.echo' }).first().click();
  await expect(app.getByTestId('composer-service')).toHaveValue('com.example.echo');
  await expect(app.getByTestId('composer-privileged')).not.toBeChecked();

  await app.getByTestId('composer-mode').getByRole('button', { name: 'Send with reply' }).click();
  await app.getByTestId('composer-identity').getByRole('button', { name: 'App' }).click();
  await expect(app.getByTestId('composer-identity')).toHaveAttribute('title', /decides boosts/);
  await setPayload(app, '{\n  "text": "hello from the composer",\n  "n": {"$uint64": "7"}\n}');
  await expect(app.getByTestId('composer-valid')).toContainText('2 keys');

  // ⌘↵ (Ctrl+Enter here) sends.
  await app.getByTestId('composer-payload').press('ControlOrMeta+Enter');
  const result = app.getByTestId('composer-result');
  await expect(result).toHaveAttribute('data-status', 'ok');
  await expect(result).toContainText('Reply');
  await expect(result.getByTestId('composer-latency')).toHaveText(/^[\d.]+ (ns|µs|ms|s)$/);
  const tree = result.getByTestId('detail-tree');
  await expect(tree).toContainText('"hello from the composer"');
  await expect(tree).toContainText('servedBy');
  await result.getByRole('button', { name: 'XPC-JSON' }).click();
  await expect(result.getByTestId('composer-reply-text')).toContainText('"$uint64": "7"');
  await result.getByRole('button', { name: 'Tree' }).click();

  // The history remembers it, newest first.
  await expect(app.getByTestId('composer-history').getByTestId('composer-history-item').first()).toContainText('com.example.echo');

  // It is real broker traffic: the request is a row of the timeline, sent by the composer's client.
  await result.getByTestId('composer-show-in-timeline').click();
  const selected = app.locator('[data-testid="message-row"][aria-selected="true"]');
  await expect(selected).toHaveAttribute('data-row-kind', 'message');
  await expect(selected).toContainText('com.example.echo');
  const detail = app.getByTestId('detail-pane');
  await expect(detail).toContainText('XPC Inspector composer');
  await expect(detail.getByTestId('detail-tree')).toContainText('"hello from the composer"');
  await expect(composer).toBeVisible();

  await useTheme(app, 'light');
  await app.screenshot({ path: screenshotPath('composer-light.png') });
  await useTheme(app, 'dark');
  await app.screenshot({ path: screenshotPath('composer-dark.png') });
});

test('an unknown service comes back as CONNECTION_INVALID with the broker’s reason', async ({ app }) => {
  await openComposer(app);
  await app.getByTestId('composer-service').fill('com.example.nobody');
  await expect(app.getByTestId('composer-service-hint')).toContainText('Not registered');
  await app.getByTestId('composer-mode').getByRole('button', { name: 'Sync' }).click();
  await app.getByTestId('composer-send').click();

  const result = app.getByTestId('composer-result');
  await expect(result).toHaveAttribute('data-status', 'error');
  await expect(result.getByTestId('composer-result-error')).toHaveText('XPC_ERROR_CONNECTION_INVALID');
  await expect(result).toContainText('Connection invalid');
  await expect(result.getByTestId('composer-result-reason')).toContainText('no service named "com.example.nobody" is registered');
  await expect(app.getByTestId('composer-history-item').first()).toContainText('Connection invalid');
  await app.screenshot({ path: test.info().outputPath('composer-invalid.png') });
});

test('a daemon is reached only with the privileged lookup, which picking it turns on', async ({ app }) => {
  await openComposer(app);
  await app.getByTestId('composer-service').fill('com.example.clockd');
  await expect(app.getByTestId('composer-privileged')).toBeChecked();
  await setPayload(app, '{"op": "now"}');
  await app.getByTestId('composer-send').click();
  const result = app.getByTestId('composer-result');
  await expect(result).toHaveAttribute('data-status', 'ok');
  await expect(result.getByTestId('detail-tree')).toContainText('uptimeSec');

  await app.getByTestId('composer-privileged').uncheck();
  await app.getByTestId('composer-send').click();
  await expect(result).toHaveAttribute('data-status', 'error');
  await expect(result.getByTestId('composer-result-reason')).toContainText('daemons are looked up only with the privileged flag');
});

test('invalid XPC-JSON shows its path and line:column as you type, and the palette inserts typed values', async ({ app }) => {
  await openComposer(app);
  await app.getByTestId('composer-service').fill('com.example.echo');
  await setPayload(app, '{\n  "items": [\n    {"count": {"$int64": 5}}\n  ]\n}');

  const error = app.getByTestId('composer-error');
  await expect(error).toBeVisible();
  await expect(error.getByTestId('composer-error-path')).toHaveText('$.items[0].count');
  await expect(error).toContainText('Line 3, column 26');
  await expect(error).toContainText('expected an integer string for $int64, got number');
  await expect(app.locator('.composer-error-line mark')).toHaveText('5');
  await expect(app.getByTestId('composer-send')).toBeDisabled();
  await useTheme(app, 'light');
  await app.getByTestId('composer').screenshot({ path: screenshotPath('composer-error-light.png') });
  await useTheme(app, 'dark');
  await app.getByTestId('composer').screenshot({ path: screenshotPath('composer-error-dark.png') });

  // Unfinished text points at its end.
  await setPayload(app, '{"big": ');
  await expect(error).toContainText('Line 1, column 9');

  // The palette puts a tag object at the cursor with its placeholder selected: typing replaces it.
  await setPayload(app, '{"big": }');
  await app.getByTestId('composer-payload').evaluate((element: HTMLTextAreaElement) => element.setSelectionRange(8, 8));
  await app.getByTestId('composer-palette').getByRole('button', { name: '$uint64' }).click();
  await app.keyboard.type('18446744073709551615');
  await expect(app.getByTestId('composer-payload')).toHaveValue('{"big": {"$uint64": "18446744073709551615"}}');
  await expect(app.getByTestId('composer-valid')).toBeVisible();
  await expect(app.getByTestId('composer-send')).toBeEnabled();
});

test('Edit and resend opens a captured request in the composer and sends it again', async ({ app }) => {
  await app.getByTestId('filter-input').fill('service:com.example.echo is:answered');
  const request = app.locator('[data-testid="message-row"][data-row-kind="message"]').first();
  await expect(request).toBeVisible({ timeout: 20_000 });
  await request.click();
  const detail = app.getByTestId('detail-pane');
  await expect(detail.getByTestId('detail-tree')).toBeVisible();
  await detail.getByTestId('detail-resend').click();

  await expect(app.getByTestId('composer')).toBeVisible();
  await expect(app.getByTestId('composer-service')).toHaveValue('com.example.echo');
  await expect(app.getByTestId('composer-mode').getByRole('button', { name: 'Send with reply' })).toHaveAttribute('aria-pressed', 'true');
  const payload = await app.getByTestId('composer-payload').inputValue();
  expect(JSON.parse(payload)).toHaveProperty('text');

  await app.getByTestId('composer-send').click();
  await expect(app.getByTestId('composer-result')).toHaveAttribute('data-status', 'ok');
  await expect(app.getByTestId('composer-result').getByTestId('detail-tree')).toContainText('echo');
});

test('templates and history survive a reload, and a message copies as C', async ({ app, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openComposer(app);
  await app.getByTestId('composer-service').fill('com.example.echo');
  await setPayload(app, '{"text": "saved", "when": {"$date": "2026-01-02T03:04:05.000000006Z"}}');
  await app.getByTestId('composer-save-template').click();
  await expect(app.getByTestId('composer-template-name')).toBeFocused();
  await app.keyboard.type('echo saved');
  await app.getByTestId('composer-template-save').click();
  await expect(app.getByTestId('composer-templates').getByTestId('composer-template')).toHaveText(/echo saved.*com\.example\.echo/);
  await app.getByTestId('composer-send').click();
  await expect(app.getByTestId('composer-result')).toHaveAttribute('data-status', 'ok');

  await app.getByTestId('composer-copy').click();
  await app.getByTestId('composer-copy-c').click();
  await expect(app.getByTestId('notice').filter({ hasText: 'Copied the payload as C code' })).toBeVisible();
  const code = await app.evaluate(() => navigator.clipboard.readText());
  expect(code).toContain('xpc_dictionary_set_string(message, "text", "saved");');
  expect(code).toContain('xpc_dictionary_set_date(message, "when", 1767323045000000006LL);');

  await app.reload();
  await openComposer(app);
  await app.getByTestId('composer-history-tab').click();
  const item = app.getByTestId('composer-history-item').first();
  await expect(item).toContainText('com.example.echo');
  await expect(item).toContainText('"saved"');
  await app.getByTestId('composer-templates-tab').click();
  await setPayload(app, '{"other": true}');
  await app.getByTestId('composer-template').filter({ hasText: 'echo saved' }).locator('.composer-template-apply').click();
  await expect(app.getByTestId('composer-payload')).toHaveValue('{"text": "saved", "when": {"$date": "2026-01-02T03:04:05.000000006Z"}}');
  await app.getByRole('button', { name: 'Delete template echo saved' }).click();
  await expect(app.getByTestId('composer-template')).toHaveCount(0);
});
