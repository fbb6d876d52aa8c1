/**
 * Flow control for a push channel that cannot report what it still holds (Electron IPC:
 * webContents.send queues without limit, and nothing tells how much is queued). Batches count
 * as in flight from the moment they are sent until the page acknowledges them; past the limit
 * the event stream holds further batches back, exactly as it does for a WebSocket whose buffer
 * is full, and the page catches up from its cursor once it has read what it has.
 */
export class AckWindow {
  private inFlight = 0;

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`an ack window needs a limit of at least 1, got ${limit}`);
  }

  /** Whether another batch may be sent now. */
  canSend(): boolean {
    return this.inFlight < this.limit;
  }

  sent(): void {
    this.inFlight += 1;
  }

  /** The page took a batch. An acknowledgement without a batch in flight is ignored. */
  acknowledged(): void {
    if (this.inFlight > 0) this.inFlight -= 1;
  }

  get unacknowledged(): number {
    return this.inFlight;
  }
}
