/**
 * Turns a process's boosted/unboosted state into priority changes, which are syscalls (one
 * setpriority per thread). Under steady traffic a service's boost comes and goes with every
 * message, so applying each change would renice it thousands of times a second for nothing:
 *  - a boost is applied at the end of the tick it began in (a boost that starts and ends
 *    within one tick changes nothing);
 *  - the end of a boost is applied only once the process has stayed unboosted for
 *    UNBOOST_DELAY_MS, so a process serving a stream of boosting messages stays boosted.
 * The boost events themselves are exact; only the priority they imply is coalesced.
 */
export const UNBOOST_DELAY_MS = 50;

interface PriorityState {
  wanted: boolean;
  applied: boolean;
  /** When `wanted` last became false (performance.now() ms). */
  offSince: number;
  timer: NodeJS.Timeout | undefined;
}

export class BoostPriority {
  private readonly states = new Map<number, PriorityState>();
  private readonly toBoost = new Set<number>();
  private boostScheduled = false;

  constructor(
    /** Applies the priority of a boosted (true) or unboosted (false) process. */
    private readonly apply: (pid: number, boosted: boolean) => void,
  ) {}

  /** The process went from unboosted to boosted (true) or back (false). */
  set(pid: number, boosted: boolean): void {
    let state = this.states.get(pid);
    if (state === undefined) {
      state = { wanted: false, applied: false, offSince: 0, timer: undefined };
      this.states.set(pid, state);
    }
    state.wanted = boosted;
    if (boosted) {
      if (!state.applied) this.scheduleBoost(pid);
      return;
    }
    state.offSince = performance.now();
    if (state.applied && state.timer === undefined) this.armUnboost(pid, state, UNBOOST_DELAY_MS);
  }

  /** The process is gone: nothing more is applied to its pid. */
  forget(pid: number): void {
    const state = this.states.get(pid);
    if (state?.timer !== undefined) clearTimeout(state.timer);
    this.states.delete(pid);
    this.toBoost.delete(pid);
  }

  private scheduleBoost(pid: number): void {
    this.toBoost.add(pid);
    if (this.boostScheduled) return;
    this.boostScheduled = true;
    setImmediate(() => {
      this.boostScheduled = false;
      for (const p of this.toBoost) {
        const state = this.states.get(p);
        if (state === undefined || !state.wanted || state.applied) continue;
        state.applied = true;
        this.apply(p, true);
      }
      this.toBoost.clear();
    });
  }

  private armUnboost(pid: number, state: PriorityState, delayMs: number): void {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.states.get(pid) !== state || state.wanted || !state.applied) return;
      const left = UNBOOST_DELAY_MS - (performance.now() - state.offSince);
      if (left > 1) {
        this.armUnboost(pid, state, left);
        return;
      }
      state.applied = false;
      this.apply(pid, false);
    }, delayMs);
    // Priority bookkeeping alone never keeps the broker alive.
    state.timer.unref();
  }
}
