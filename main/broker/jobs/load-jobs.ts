/**
 * Loads every job of a jobs directory (layout in docs/jobs.md):
 *   DIR/*.plist, DIR/LaunchAgents/*.plist  launch agents
 *   DIR/LaunchDaemons/*.plist              launch daemons
 *   DIR/XPCServices/*.plist                XPC services
 * Each file stands alone: a broken file or job is reported and the rest still load. Files are taken
 * in that folder order, by name within a folder, so "the later job" of a conflict is well defined.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceKind } from '../../../app/events/schema';
import type { Job, JobLoadFailure, JobLoadResult, JobLoadWarning } from './job';
import { interpretJobPlist } from './parse-job';
import { readFileAtMost, type BoundedRead } from './read-bounded-file';
import { MAX_PLIST_BYTES, readPlistBytes } from './read-plist';

interface JobFolder {
  /** Relative to the jobs directory; '' is the directory itself. */
  readonly folder: string;
  readonly kind: ServiceKind;
}

export const JOB_FOLDERS: readonly JobFolder[] = [
  { folder: '', kind: 'launch-agent' },
  { folder: 'LaunchAgents', kind: 'launch-agent' },
  { folder: 'LaunchDaemons', kind: 'launch-daemon' },
  { folder: 'XPCServices', kind: 'xpc-service' },
];

const PLIST_SUFFIX = '.plist';

export async function loadJobsFromDirectory(dir: string): Promise<JobLoadResult> {
  const jobs: Job[] = [];
  const failures: JobLoadFailure[] = [];
  const warnings: JobLoadWarning[] = [];

  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a directory');
  } catch (e) {
    failures.push({ file: dir, error: `${dir}: cannot read the jobs directory: ${errorText(e)}` });
    return { jobs, failures, warnings };
  }

  const files: { file: string; kind: ServiceKind }[] = [];
  for (const { folder, kind } of JOB_FOLDERS) {
    const listed = await listPlists(dir, folder);
    if ('error' in listed) failures.push(listed.error);
    else for (const file of listed.files) files.push({ file, kind });
  }

  // The size is checked with fstat before reading: an oversized file is refused unread.
  const contents = await Promise.all(files.map(({ file }) => readFileAtMost(file, MAX_PLIST_BYTES)));
  const claims = new ClaimRegistry();

  files.forEach(({ file, kind }, i) => {
    const content = contents[i];
    if (content === undefined) return;
    if (content.kind !== 'read') {
      failures.push({ file, error: `${file}: ${unreadable(content)}` });
      return;
    }
    const read = readPlistBytes(content.bytes);
    if (!read.ok) {
      failures.push({ file, error: `${file}: ${read.error}` });
      return;
    }
    const parsed = interpretJobPlist(read.value, file, kind);
    warnings.push(...parsed.warnings);
    if (parsed.failure) failures.push(parsed.failure);
    if (!parsed.job) return;
    const conflict = claims.conflictFor(parsed.job);
    if (conflict) failures.push(conflict);
    else {
      claims.claim(parsed.job);
      jobs.push(parsed.job);
    }
  });
  return { jobs, failures, warnings };
}

function unreadable(content: Exclude<BoundedRead, { kind: 'read' }>): string {
  switch (content.kind) {
    case 'too-large':
      return `file is ${content.size} bytes; job plists are limited to ${MAX_PLIST_BYTES} bytes (refused without reading it)`;
    case 'not-a-file':
      return 'not a regular file; refused without reading it';
    case 'error':
      return `cannot read: ${content.message}`;
  }
}

/** The plist files of one folder, sorted by name; a missing optional folder is simply empty. */
async function listPlists(dir: string, folder: string): Promise<{ files: string[] } | { error: JobLoadFailure }> {
  const path = folder === '' ? dir : join(dir, folder);
  let names: string[];
  try {
    names = await readdir(path);
  } catch (e) {
    if (folder !== '' && isErrno(e, 'ENOENT')) return { files: [] };
    return { error: { file: path, error: `${path}: cannot list the folder: ${errorText(e)}` } };
  }
  const candidates = names
    .filter((name) => name.endsWith(PLIST_SUFFIX) && !name.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(path, name));
  // A folder named "x.plist" is not a job; stat follows symlinks, so linked plists still count.
  const isFile = await Promise.all(candidates.map((file) => stat(file).then((s) => s.isFile(), () => true)));
  return { files: candidates.filter((_, i) => isFile[i]) };
}

/** Labels and MachService names are global: the first job to claim one keeps it. */
class ClaimRegistry {
  private readonly labels = new Map<string, string>();
  private readonly services = new Map<string, { label: string; file: string }>();

  conflictFor(job: Job): JobLoadFailure | undefined {
    const labelOwner = this.labels.get(job.label);
    if (labelOwner !== undefined) {
      return {
        file: job.file,
        key: 'Label',
        error: `${job.file}: key "Label": "${job.label}" is already the label of the job in ${labelOwner}; this job is not loaded`,
      };
    }
    for (const service of job.machServices) {
      const owner = this.services.get(service);
      if (owner !== undefined) {
        return {
          file: job.file,
          key: 'MachServices',
          error: `${job.file}: key "MachServices": service "${service}" is already claimed by job "${owner.label}" in ${owner.file}; this job is not loaded`,
        };
      }
    }
    return undefined;
  }

  claim(job: Job): void {
    this.labels.set(job.label, job.file);
    for (const service of job.machServices) this.services.set(service, { label: job.label, file: job.file });
  }
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === code;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
