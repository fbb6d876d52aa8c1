/**
 * Where the import worker's script is. Bundled (CLI, browser mode, desktop app, benches) it is
 * out/main/import-worker.mjs, next to the bundle that starts it; run from source (the tests) it
 * is bundled once per process from import-worker.ts, with the settings of scripts/build.mjs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const IMPORT_WORKER_BUNDLE = 'import-worker.mjs';

let fromSource: Promise<string> | undefined;

export function importWorkerScript(): Promise<string> {
  const dir = here();
  // out/main/* bundles find it beside them; out/bench/* one folder over.
  for (const candidate of [join(dir, IMPORT_WORKER_BUNDLE), join(dir, '..', 'main', IMPORT_WORKER_BUNDLE)]) {
    if (existsSync(candidate)) return Promise.resolve(outsideArchive(candidate));
  }
  const source = join(dir, 'import-worker.ts');
  if (!existsSync(source)) return Promise.reject(new Error(`the import worker is missing: expected ${join(dir, IMPORT_WORKER_BUNDLE)} (npm run build writes it)`));
  fromSource ??= bundleSource(source);
  return fromSource;
}

async function bundleSource(source: string): Promise<string> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'xpci-import-worker-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, IMPORT_WORKER_BUNDLE);
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

/** The packaged app unpacks the worker beside its archive (electron-builder.yml, asarUnpack). */
function outsideArchive(path: string): string {
  return path.replace(/\.asar([\\/])/, '.asar.unpacked$1');
}

/** This module's directory, from the ESM bundle, from source, or from a CommonJS bundle. */
function here(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}
