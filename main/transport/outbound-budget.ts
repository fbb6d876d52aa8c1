/**
 * The bound on output queued for one peer. A peer that stops reading must not make us buffer
 * without end: past `pauseBytes` its input is no longer read (every reply the broker makes is
 * caused by something the peer sent, so it cannot make us produce more), past `closeBytes`
 * — or when the queue has not drained for `stallMs` — the connection is closed.
 */
export interface OutboundBudget {
  /** Output queued for the peer beyond which its input is no longer read. */
  readonly pauseBytes: number;
  /** Output queued beyond which the connection is closed at once. */
  readonly closeBytes: number;
  /** How long output may stay past pauseBytes without draining before the connection is closed. */
  readonly stallMs: number;
}

export interface OutboundGuardHooks {
  /** Stop reading the peer's input. */
  hold(): void;
  /** The queue drained: reading may go on. */
  release(): void;
  /** Close the connection with this reason. */
  close(reason: string): void;
  /** "pid 1234 (/usr/bin/node)", for the reasons. */
  peerName(): string;
}

export class OutboundGuard {
  private held = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastQueued = 0;

  constructor(
    private readonly budget: OutboundBudget,
    private readonly hooks: OutboundGuardHooks,
  ) {
    checkBudget(budget);
  }

  get holding(): boolean {
    return this.held;
  }

  /** Called after output was queued; `queued` is what is now buffered for the peer. */
  queued(queued: number): void {
    this.lastQueued = queued;
    if (queued > this.budget.closeBytes) {
      this.stop();
      this.hooks.close(
        `${this.hooks.peerName()} is not reading its messages: ${queued} bytes queued for it, past the limit of ${this.budget.closeBytes}`,
      );
      return;
    }
    if (this.held || queued <= this.budget.pauseBytes) return;
    this.held = true;
    this.hooks.hold();
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (!this.held) return;
      this.held = false;
      this.hooks.close(
        `${this.hooks.peerName()} is not reading its messages: ${this.lastQueued} bytes queued for it (budget ${this.budget.pauseBytes}) did not drain within ${this.budget.stallMs} ms`,
      );
    }, this.budget.stallMs);
    // A stalled peer must not keep the process alive by itself.
    this.stallTimer.unref();
  }

  /** The socket's buffer emptied. */
  drained(): void {
    this.lastQueued = 0;
    if (!this.held) return;
    this.stop();
    this.hooks.release();
  }

  /** The connection closed: nothing is pending any more. */
  stop(): void {
    this.held = false;
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

function checkBudget(b: OutboundBudget): void {
  for (const [name, v] of Object.entries(b)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`outbound budget ${name} must be a positive integer, got ${String(v)}`);
  }
  if (b.closeBytes < b.pauseBytes) throw new RangeError(`outbound budget closeBytes (${b.closeBytes}) must be at least pauseBytes (${b.pauseBytes})`);
}
