/**
 * One-time launch secrets of browser mode. A launch URL (/launch?secret=…) is what a browser is
 * given to get in: the secret is good for one use within its lifetime, and is exchanged for the
 * session cookie (session-cookie.ts). A secret that is used, expired or evicted is refused, so
 * a copy of it in a history, a terminal scrollback or a file is worth nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long an unused launch secret stays valid by default. */
export const DEFAULT_LAUNCH_TTL_MS = 5 * 60_000;
/** Most launch secrets waiting at once; minting more retires the oldest. */
export const MAX_PENDING_LAUNCH_SECRETS = 8;

export class LaunchSecrets {
  /** secret → when it expires (ms since the epoch). */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly ttlMs: number = DEFAULT_LAUNCH_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`the launch secret lifetime must be a positive number of milliseconds, got ${ttlMs}`);
  }

  mint(): string {
    const secret = randomBytes(32).toString('base64url');
    this.pending.set(secret, this.now() + this.ttlMs);
    if (this.pending.size > MAX_PENDING_LAUNCH_SECRETS) this.pending.delete(this.pending.keys().next().value!);
    return secret;
  }

  /** True once for a pending, unexpired secret; it is gone afterwards whatever the answer. */
  redeem(presented: string | null): boolean {
    if (presented === null || presented === '') return false;
    const now = this.now();
    let found: string | undefined;
    for (const [secret, expires] of this.pending) {
      if (expires <= now) this.pending.delete(secret);
      else if (found === undefined && sameText(presented, secret)) found = secret;
    }
    if (found === undefined) return false;
    this.pending.delete(found);
    return true;
  }

  clear(): void {
    this.pending.clear();
  }
}

/** Constant-time comparison, so a secret cannot be guessed byte by byte from timings. */
export function sameText(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
