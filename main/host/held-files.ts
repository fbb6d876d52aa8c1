/**
 * Files the host holds on behalf of a page: uploads of browser mode (temporary copies in the
 * host's private directory) and files the user chose in the desktop app's open dialog. The page
 * only ever sees an opaque id, never a path it could substitute: every operation that reads a
 * file takes one of these ids.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createScratchDirectory } from './stale-scratch';
import { BridgeArgumentError, show } from './validate';

export interface HeldFile {
  readonly id: string;
  readonly path: string;
  /** The name shown to the user (the upload's name, or the file's base name). */
  readonly fileName: string;
  /** A copy the host made (an upload, a converted description): deleted when released. */
  readonly temporary: boolean;
}

/** Most files held at once; the oldest temporary ones go first. */
const MAX_HELD_FILES = 64;

export class HeldFiles {
  private readonly files = new Map<string, HeldFile>();
  /** Files an opened capture reads from: never evicted, only released with their session. */
  private readonly pinned = new Set<string>();
  private directory: string | undefined;

  /** A private (0700) directory for temporary files, created on first use. */
  scratchDirectory(): string {
    this.directory ??= createScratchDirectory();
    return this.directory;
  }

  /** A fresh path in the scratch directory, ending in `suffix`. */
  scratchPath(suffix: string): string {
    return join(this.scratchDirectory(), `${randomBytes(9).toString('base64url')}${suffix}`);
  }

  hold(path: string, options: { readonly fileName?: string; readonly temporary: boolean }): HeldFile {
    const file: HeldFile = { id: `file-${randomBytes(12).toString('base64url')}`, path, fileName: options.fileName ?? basename(path), temporary: options.temporary };
    this.files.set(file.id, file);
    if (this.files.size > MAX_HELD_FILES) {
      const oldest = [...this.files.keys()].find((id) => !this.pinned.has(id));
      if (oldest !== undefined) this.evict(oldest);
    }
    return file;
  }

  /** Keeps a file until it is released explicitly (an opened capture reads from it). */
  pin(id: string): void {
    if (this.files.has(id)) this.pinned.add(id);
  }

  /** The file behind an id a page sent; a BridgeArgumentError for anything else. */
  get(id: unknown, where: string): HeldFile {
    const file = typeof id === 'string' ? this.files.get(id) : undefined;
    if (file === undefined) throw new BridgeArgumentError(`${where}: file ${show(id)} is not one this host holds (upload or choose it again)`);
    return file;
  }

  async release(id: string): Promise<void> {
    const file = this.files.get(id);
    if (file === undefined) return;
    this.files.delete(id);
    this.pinned.delete(id);
    if (file.temporary) await rm(file.path, { force: true });
  }

  private evict(id: string): void {
    const file = this.files.get(id)!;
    this.files.delete(id);
    if (file.temporary) rmSync(file.path, { force: true });
  }

  /** Deletes every temporary file (host shutdown). */
  dispose(): void {
    this.files.clear();
    this.pinned.clear();
    if (this.directory !== undefined) rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }
}
