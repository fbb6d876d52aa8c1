import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { descriptionsToCapture } from './description-capture';

/** The public samples kept beside the repository (../shared/interop/xpc-samples). */
const sample = (name: string) => fileURLToPath(new URL(`../../../shared/interop/xpc-samples/${name}`, import.meta.url));

describe('descriptionsToCapture with pasted interop samples', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('makes one message of a pasted fragment of entries (T9) and of a dictionary that lost its } (T10)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'desc-capture-'));
    for (const name of ['launchk-launchd-reply-fragment.desc.txt', 'launchk-printf-dumpstate.desc.txt']) {
      const result = await descriptionsToCapture(sample(name), join(dir, `${name}.ndjson`), name);
      expect(result, name).toEqual({ messages: 1, errors: [], errorCount: 0 });
    }
  });
});
