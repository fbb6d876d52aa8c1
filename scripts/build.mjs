// One build for every bundle: main (CLI, broker, Electron shell), preload, demo services and
// the renderer. esbuild bundles the Node/Electron side; Vite builds the renderer.
import { build as esbuild } from 'esbuild';
import { existsSync, rmSync, readdirSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out');
const watch = process.argv.includes('--watch');

const demoDir = join(root, 'sdk', 'demo');
const demoEntries = existsSync(demoDir)
  ? readdirSync(demoDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join('sdk', 'demo', f))
  : [];

/** Node-side bundles; dependencies stay external so native modules (koffi) and electron resolve at run time. */
const nodeBundles = [
  { entry: 'main/cli/index.ts', outfile: 'main/cli.mjs', format: 'esm' },
  { entry: 'main/electron/main.ts', outfile: 'main/electron.cjs', format: 'cjs' },
  // Capture files are read in this worker thread, off the broker's event loop (main/import).
  { entry: 'main/import/import-worker.ts', outfile: 'main/import-worker.mjs', format: 'esm' },
  { entry: 'preload/index.ts', outfile: 'preload/index.cjs', format: 'cjs', preload: true },
  ...demoEntries.map((entry) => ({ entry, outfile: `demo/${basename(entry, '.ts')}.mjs`, format: 'esm' })),
];

if (!watch) rmSync(out, { recursive: true, force: true });

const started = Date.now();
await Promise.all(
  nodeBundles
    .filter((b) => existsSync(join(root, b.entry)))
    .map((b) =>
      esbuild({
        entryPoints: [join(root, b.entry)],
        outfile: join(out, b.outfile),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: b.format,
        sourcemap: 'linked',
        // The sandboxed preload may only require('electron'); everything else is bundled into it.
        packages: b.preload ? undefined : 'external',
        external: ['electron'],
        banner: b.format === 'esm' ? { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } : undefined,
        logLevel: 'warning',
        // Modules that find their own folder read __dirname in a CommonJS bundle, import.meta only in ESM.
        logOverride: b.format === 'cjs' ? { 'empty-import-meta': 'silent' } : undefined,
      }),
    ),
);

if (existsSync(join(root, 'renderer', 'index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}
console.log(`built out/ in ${Date.now() - started} ms`);
