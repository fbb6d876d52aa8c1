import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { HeldFiles } from './held-files';

let files: HeldFiles;

afterEach(() => files?.dispose());

describe('HeldFiles', () => {
  it('hands out opaque ids and refuses any other', () => {
    files = new HeldFiles();
    const path = files.scratchPath('.upload');
    writeFileSync(path, 'x');
    const held = files.hold(path, { fileName: 'mine.ndjson', temporary: true });
    expect(held.id).toMatch(/^file-[\w-]+$/);
    expect(files.get(held.id, 'openCapture')).toEqual(held);
    expect(() => files.get(path, 'openCapture')).toThrow(/openCapture: file ".*" is not one this host holds/);
    expect(() => files.get(42, 'openCapture')).toThrow(/not one this host holds/);
  });

  it('evicts the oldest unpinned temporary file past its limit, deleting it, but never a pinned one', () => {
    files = new HeldFiles();
    const make = (): string => {
      const path = files.scratchPath('.upload');
      writeFileSync(path, 'x');
      return path;
    };
    const pinnedPath = make();
    const pinned = files.hold(pinnedPath, { temporary: true });
    files.pin(pinned.id);
    const evictedPath = make();
    const evicted = files.hold(evictedPath, { temporary: true });
    for (let i = 0; i < 63; i++) files.hold(make(), { temporary: true });
    expect(() => files.get(evicted.id, 'readCapture')).toThrow(/not one this host holds/);
    expect(existsSync(evictedPath)).toBe(false);
    expect(files.get(pinned.id, 'readCapture').path).toBe(pinnedPath);
    expect(existsSync(pinnedPath)).toBe(true);
  });

  it('deletes temporary files when released, and leaves the user’s own files alone', async () => {
    files = new HeldFiles();
    const temporary = files.scratchPath('.upload');
    const own = files.scratchPath('.ndjson');
    writeFileSync(temporary, 'x');
    writeFileSync(own, 'x');
    await files.release(files.hold(temporary, { temporary: true }).id);
    await files.release(files.hold(own, { temporary: false }).id);
    expect(existsSync(temporary)).toBe(false);
    expect(existsSync(own)).toBe(true);
  });
});
