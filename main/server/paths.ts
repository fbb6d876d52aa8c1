/**
 * Where the package's own files are, whether running from source (vitest), from the bundled
 * CLI (out/main/cli.mjs) or from the Electron bundle (out/main/electron.cjs): found by walking
 * up to the package.json of xpc-inspector.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function findPackageRoot(startDir: string): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'xpc-inspector') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the xpc-inspector package.json above ${startDir}`);
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}

/** The demo jobs the app runs when no --jobs directory is given. */
export const demoJobsDir = (root: string): string => join(root, 'sdk', 'demo', 'jobs');
/** The built renderer served by browser mode and loaded by the Electron window. */
export const rendererDir = (root: string): string => join(root, 'out', 'renderer');
export const electronMainBundle = (root: string): string => join(root, 'out', 'main', 'electron.cjs');
export const preloadBundle = (root: string): string => join(root, 'out', 'preload', 'index.cjs');
