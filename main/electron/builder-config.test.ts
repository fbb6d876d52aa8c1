/**
 * electron-builder.yml is only read at `npm run dist`, which needs the Electron binary; check
 * it against electron-builder's own schema here so a broken key fails at test time.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findPackageRoot } from '../server/paths';

const root = findPackageRoot(__dirname);
const require = createRequire(join(root, 'package.json'));
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
};
const yaml = require('js-yaml') as { load(text: string): unknown };

const quietLogger = { isEnabled: false, add: () => undefined };
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('matches electron-builder’s configuration schema', async () => {
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('would be refused by the same check if it had a key electron-builder does not know', async () => {
    await expect(validateConfiguration({ ...config, notAnOption: true }, quietLogger)).rejects.toThrow(/notAnOption/);
  });

  it('packages the app as “XPC Inspector”: a hardened-runtime developer-tools dmg on macOS, an AppImage on Linux', () => {
    expect(config).toMatchObject({
      productName: 'XPC Inspector',
      mac: { target: 'dmg', category: 'public.app-category.developer-tools', hardenedRuntime: true },
      linux: { target: 'AppImage' },
    });
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'package.json', 'sdk/demo/jobs/**']));
  });

  it('flips every Electron fuse the app does not need off, and keeps RunAsNode for the broker\'s node jobs', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
