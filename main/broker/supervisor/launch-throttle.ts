/**
 * launchd's ThrottleInterval: an instance is not launched again sooner than ThrottleInterval after
 * its previous launch (measured from the launch, not from the exit). Keyed per instance, so one
 * client's crash-looping XPC service does not delay another client's first launch.
 */
export class LaunchThrottle {
  private readonly lastLaunch = new Map<string, { at: number; intervalMs: number }>();

  /** Milliseconds to wait before `key` may launch; 0 when it may launch now. */
  delayMs(key: string, now: number): number {
    const last = this.lastLaunch.get(key);
    if (last === undefined) return 0;
    return Math.max(0, last.at + last.intervalMs - now);
  }

  recordLaunch(key: string, now: number, intervalSec: number): void {
    // Entries whose interval has passed no longer delay anything; drop them so per-client keys do not pile up.
    for (const [k, v] of this.lastLaunch) if (v.at + v.intervalMs <= now) this.lastLaunch.delete(k);
    this.lastLaunch.set(key, { at: now, intervalMs: intervalSec * 1000 });
  }
}
