/**
 * Why a process ended, in the ExitReason vocabulary, with a sentence a user can read. An exit the
 * broker asked for (idle exit, termination, the client going away) keeps the reason it was given;
 * otherwise a signal or a non-zero status is a crash and status 0 a plain exit.
 */
import type { ExitReason } from '../../../app/events/schema';

const EXPECTED_PREFIX: Record<ExitReason, string> = {
  'idle-exit': 'idle exit',
  terminated: 'terminated',
  'client-exited': 'client exited',
  exited: 'exited',
  crashed: 'crashed',
  'launch-failed': 'launch failed',
};

export function classifyExit(
  code: number | null,
  signal: string | null,
  expected: ExitReason | undefined,
): { reason: ExitReason; description: string } {
  const what = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
  if (expected !== undefined) return { reason: expected, description: `${EXPECTED_PREFIX[expected]}: ${what}` };
  return { reason: signal !== null || code !== 0 ? 'crashed' : 'exited', description: what };
}

/** "ENOENT: no such file /x/y": the errno code, what it means, and the path it is about. */
export function describeLaunchError(error: unknown, path: string, what = 'file'): string {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
      return path.includes('/') ? `ENOENT: no such ${what} ${path}` : `ENOENT: no such ${what} ${path} (searched PATH)`;
    case 'EACCES':
      return `EACCES: permission denied ${path}`;
    case 'ENOTDIR':
      return `ENOTDIR: not a directory ${path}`;
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return code === undefined ? `${message} (${path})` : `${code}: ${message}`;
    }
  }
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
