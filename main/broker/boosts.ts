/**
 * One process's priority boosts. A boost lives as long as the message that brought it: it is
 * taken when a boosting message is sent to the process (or when the process is launched for
 * it), transfers to the reply when one is created, and ends when the handler returns or the
 * reply is sent. The process is boosted while any boost is held.
 */
import type { BoostCause } from '../../app/events/schema';
import type { EventBus } from './event-bus';
import type { TransactionOwner } from './transactions';

export class BoostLedger {
  /**
   * 2·id for a message's boost, 2·id+1 for the boost its reply carries: numbers, not strings,
   * as this runs for every boosting message.
   */
  private readonly held = new Set<number>();

  constructor(
    private readonly owner: TransactionOwner,
    private readonly bus: EventBus,
    /** Told when the process goes from unboosted to boosted and back. */
    private readonly setBoosted: (on: boolean) => void,
  ) {}

  get count(): number {
    return this.held.size;
  }

  holdsMessage(message: number): boolean {
    return this.held.has(messageKey(message));
  }

  /** A boosting message now lives in (or is launching) this process. */
  messageArrived(message: number): void {
    this.take(messageKey(message), 'message', message);
  }

  /** The message's handler returned: its own boost ends (a reply created from it keeps one). */
  messageHandled(message: number): void {
    this.drop(messageKey(message), 'handled', message);
  }

  /** A reply was created for a boosting message: the reply carries the boost from now on. */
  transferToReply(request: number): void {
    if (this.held.has(messageKey(request))) this.take(replyKey(request), 'reply-transfer', request);
  }

  replyFinished(request: number): void {
    this.drop(replyKey(request), 'reply-sent', request);
  }

  processExited(): void {
    for (const key of [...this.held]) this.drop(key, 'process-exit', Math.floor(key / 2));
  }

  private take(key: number, cause: BoostCause, message: number): void {
    if (this.held.has(key)) return;
    this.held.add(key);
    this.bus.emit({ kind: 'boost', pid: this.owner.pid, job: this.owner.job, delta: 1, count: this.held.size, cause, message });
    if (this.held.size === 1) this.setBoosted(true);
  }

  private drop(key: number, cause: BoostCause, message: number): void {
    if (!this.held.delete(key)) return;
    this.bus.emit({ kind: 'boost', pid: this.owner.pid, job: this.owner.job, delta: -1, count: this.held.size, cause, message });
    if (this.held.size === 0) this.setBoosted(false);
  }
}

function messageKey(message: number): number {
  return message * 2;
}

function replyKey(request: number): number {
  return request * 2 + 1;
}
