// End-to-end tests of the whole app in browser mode, driven through Debian's Chromium (the
// Electron binary cannot be downloaded everywhere; e2e/electron.spec.ts runs where it can).
import { defineConfig } from '@playwright/test';
import { findChromium } from './main/cli/launchers';

/** The system's Chromium ($CHROMIUM_PATH first); browsers are never downloaded for the tests. */
function chromiumForTests(): string {
  const found = process.env.CHROMIUM_PATH || findChromium();
  if (found === undefined) {
    throw new Error('the e2e tests need Chromium: install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH to its executable');
  }
  return found;
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Two cores, and every test runs its own broker with real service processes.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: chromiumForTests(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
