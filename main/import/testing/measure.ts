/**
 * Runs measured-import.ts in a child process per file (bundled once, with the import worker
 * beside it), so each import's peak memory is measured alone.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeasuredImport } from './measured-import';

export interface ImportMeter {
  measure(path: string, env?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<MeasuredImport>;
}

/** `root` is the repository (where main/ is). */
export async function importMeter(root: string): Promise<ImportMeter> {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-measured-import-'));
  const entries = { 'measured-import': 'main/import/testing/measured-import.ts', 'import-worker': 'main/import/import-worker.ts' };
  await Promise.all(
    Object.entries(entries).map(([name, entry]) =>
      build({
        entryPoints: [join(root, entry)],
        outfile: join(dir, `${name}.mjs`),
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
  return { measure: (path, env, timeoutMs) => runChild(join(dir, 'measured-import.mjs'), path, env ?? process.env, timeoutMs ?? 60_000) };
}

function runChild(script: string, path: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<MeasuredImport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, path], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`importing ${path} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`importing ${path} exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as MeasuredImport);
    });
  });
}
