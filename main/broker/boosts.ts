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
  /** 'm<id>' for a message's boost, 'r<id>' for the boost its reply carries. */
  private readonly held = new Set<string>();

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
    return this.held.has(`m${message}`);
  }

  /** A boosting message now lives in (or is launching) this process. */
  messageArrived(message: number): void {
    this.take(`m${message}`, 'message', message);
  }

  /** The message's handler returned: its own boost ends (a reply created from it keeps one). */
  messageHandled(message: number): void {
    this.drop(`m${message}`, 'handled', message);
  }

  /** A reply was created for a boosting message: the reply carries the boost from now on. */
  transferToReply(request: number): void {
    if (this.held.has(`m${request}`)) this.take(`r${request}`, 'reply-transfer', request);
  }

  replyFinished(request: number): void {
    this.drop(`r${request}`, 'reply-sent', request);
  }

  processExited(): void {
    for (const key of [...this.held]) this.drop(key, 'process-exit', Number(key.slice(1)));
  }

  private take(key: string, cause: BoostCause, message: number): void {
    if (this.held.has(key)) return;
    this.held.add(key);
    this.bus.emit({ kind: 'boost', pid: this.owner.pid, job: this.owner.job, delta: 1, count: this.held.size, cause, message });
    if (this.held.size === 1) this.setBoosted(true);
  }

  private drop(key: string, cause: BoostCause, message: number): void {
    if (!this.held.delete(key)) return;
    this.bus.emit({ kind: 'boost', pid: this.owner.pid, job: this.owner.job, delta: -1, count: this.held.size, cause, message });
    if (this.held.size === 0) this.setBoosted(false);
  }
}
