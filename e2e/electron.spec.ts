/**
 * The desktop shell itself, where an Electron binary is installed: the window opens on the
 * bundled renderer with the preload bridge, locked down, and shows the demo traffic.
 * Skipped, with the reason printed, where the binary is missing.
 */
import { _electron as electron, test, expect } from '@playwright/test';
import { join } from 'node:path';
import { BRIDGE_METHODS } from '../app/bridge/contract';
import { findElectronBinary } from '../main/cli/launchers';
import { root } from './fixtures';

const binary = findElectronBinary(root);
if ('reason' in binary) console.log(`electron.spec.ts skipped: ${binary.reason}; browser mode is covered by the other specs.`);

test.describe('Electron shell', () => {
  test.skip('reason' in binary, 'reason' in binary ? binary.reason : '');

  test('opens a sandboxed window whose bridge streams the demo traffic', async () => {
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [join(root, 'out', 'main', 'electron.cjs')],
      cwd: root,
    });
    try {
      const page = await app.firstWindow();
      await expect(page).toHaveTitle(/XPC Inspector/);
      // The page sees the preload bridge and nothing of Node.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(await page.evaluate(() => Object.keys((globalThis as { xpcInspector?: object }).xpcInspector ?? {}).sort())).toEqual(
        [...BRIDGE_METHODS, 'subscribe'].sort(),
      );
      const session = await page.evaluate(() => (globalThis as unknown as { xpcInspector: { getSession(): Promise<{ mode: string }> } }).xpcInspector.getSession());
      expect(session.mode).toBe('live');
      // New windows are denied.
      await page.evaluate(() => globalThis.open('https://example.com'));
      expect(app.windows()).toHaveLength(1);
      await expect(page.getByTestId('message-row').first()).toBeVisible({ timeout: 30_000 });
      await page.screenshot({ path: test.info().outputPath('electron-window.png') });
    } finally {
      await app.close();
    }
  });
});
