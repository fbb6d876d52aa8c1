/**
 * Builds the renderer into out/renderer with relative asset paths, so the same files load from
 * the Electron app:// scheme and from browser mode's HTTP server. Nothing inline: the page runs
 * under a CSP without 'unsafe-inline' or 'unsafe-eval'.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, '../out/renderer'),
    emptyOutDir: true,
    // Assets as files, never data: URLs inlined into scripts or styles.
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
