#!/usr/bin/env node
// Entry point of the `xpc-inspector` command; the CLI itself is bundled by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error(`xpc-inspector: ${cli} is missing; run \`npm run build\` first.`);
  process.exit(1);
}
await import(cli);
