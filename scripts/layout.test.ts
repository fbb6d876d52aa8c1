/**
 * Keeps the folder architecture of DESIGN.md true: each top-level folder imports only the
 * folders it is allowed to, and app/ stays free of Node, DOM and Electron.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOP_LEVEL = ['app', 'main', 'preload', 'renderer', 'native-probe', 'sdk'] as const;
type Folder = (typeof TOP_LEVEL)[number];

/** Which project folders each folder may import (besides itself). */
const ALLOWED: Record<Folder, readonly string[]> = {
  app: [],
  main: ['app', 'sdk'], // the host's composer is a real SDK client of the broker
  preload: ['app'],
  renderer: ['app'],
  'native-probe': ['app'],
  sdk: ['app'],
};

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts') && !/\.config\.ts$/.test(name)) out.push(path); // build configs run in Node, not in the folder's process
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) specs.push((match[1] ?? match[2] ?? match[3])!);
  return specs;
}

describe('folder architecture (DESIGN.md layout table)', () => {
  for (const folder of TOP_LEVEL) {
    it(`${folder}/ imports only ${ALLOWED[folder].length ? ALLOWED[folder].join(', ') : 'itself'} among project folders`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(join(root, folder))) {
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(root, resolve(dirname(file), spec)).split(sep)[0]!;
          if (target !== folder && !ALLOWED[folder].includes(target)) violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('app/ imports no Node built-ins, Electron, React or other packages', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, 'app'))) {
      for (const spec of importsOf(file)) if (!spec.startsWith('.')) violations.push(`${relative(root, file)} imports ${spec}`);
    }
    expect(violations).toEqual([]);
  });

  it('renderer/ and preload/ import no Node built-ins', () => {
    const violations: string[] = [];
    for (const folder of ['renderer', 'preload']) {
      for (const file of sourceFiles(join(root, folder))) {
        for (const spec of importsOf(file)) {
          if (spec.startsWith('node:') || ['fs', 'path', 'child_process', 'net', 'os'].includes(spec)) violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
