/**
 * Every view in the light and the dark appearance (following the system setting), on the live
 * demo traffic. Each shot checks the appearance really switched; with UPDATE_SCREENSHOTS=1 the
 * shots are written to docs/screenshots/ (the README and docs show them), otherwise they are
 * test artifacts.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, root, test } from './fixtures';

function shotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS ? join(root, 'docs', 'screenshots', name) : test.info().outputPath(name);
}

/** The page background, which the two appearances must set apart. */
async function background(app: Page): Promise<string> {
  return app.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every view renders in the ${scheme} appearance`, async ({ app }) => {
    test.setTimeout(120_000);
    await app.emulateMedia({ colorScheme: scheme });
    // Let the demo run long enough for a crash, an interruption and a few transactions.
    await app.getByTestId('nav-connections').click();
    await expect(app.getByTestId('connection-row').filter({ hasText: /interrupted/i }).first()).toBeVisible({ timeout: 60_000 });
    const backgroundColor = await background(app);
    const [r, g, b] = backgroundColor.match(/\d+/g)!.map(Number);
    const luminance = (r! + g! + b!) / 3;
    if (scheme === 'dark') expect(luminance, backgroundColor).toBeLessThan(90);
    else expect(luminance, backgroundColor).toBeGreaterThan(160);
    await app.screenshot({ path: shotPath(`connections-${scheme}.png`) });

    await app.getByTestId('nav-services').click();
    await expect(app.getByTestId('service-row').first()).toBeVisible();
    await app.screenshot({ path: shotPath(`services-${scheme}.png`) });

    await app.getByTestId('nav-transactions').click();
    await expect(app.getByTestId('transaction-chart').first()).toBeVisible();
    await app.screenshot({ path: shotPath(`transactions-${scheme}.png`) });

    await app.getByTestId('nav-timeline').click();
    await app.getByTestId('filter-input').fill('');
    const request = app.locator('[data-testid="message-row"][data-row-kind="message"]').filter({ hasText: 'com.example.echo' }).last();
    await expect(request).toBeVisible();
    await request.click();
    await expect(app.getByTestId('detail-tree')).toBeVisible();
    await app.screenshot({ path: shotPath(`timeline-${scheme}.png`) });

    await app.getByTestId('filter-input').fill('has:error OR kind:lifecycle -service:com.example.echo');
    await expect(app.getByTestId('match-count')).toHaveText(/ of /);
    await app.screenshot({ path: shotPath(`timeline-errors-${scheme}.png`) });
  });
}
