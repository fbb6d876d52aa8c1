/**
 * Bundles the SDK programs the broker tests run as real child processes (test fixtures in
 * sdk/testing, demo services in sdk/demo) with the same esbuild settings as scripts/build.mjs,
 * into a private temporary directory — so every test run exercises the current source.
 */
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Bundles {
  readonly dir: string;
  /** Absolute path of the bundle built from `sdk/<folder>/<name>.ts`. */
  path(name: string): string;
}

export async function bundleSdkPrograms(entries: readonly string[]): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'xpc-bundles-'));
  await Promise.all(
    entries.map((entry) =>
      build({
        entryPoints: [join(REPO_ROOT, entry)],
        outfile: join(dir, `${basename(entry, '.ts')}.mjs`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        packages: 'external',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'warning',
      }),
    ),
  );
  return { dir, path: (name) => join(dir, `${name}.mjs`) };
}
