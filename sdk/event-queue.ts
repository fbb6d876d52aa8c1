/**
 * A connection's event handler runs serially: never concurrently with itself, and an async
 * handler finishes before the next event is handed over. While suspended, events wait.
 */
export class SerialQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private running = false;
  private suspended = false;

  constructor(
    private readonly run: (item: T) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    this.drain();
  }

  setSuspended(on: boolean): void {
    this.suspended = on;
    if (!on) this.drain();
  }

  /** Removes and returns the items not started yet. */
  takeAll(): T[] {
    const rest = this.items.slice(this.head);
    this.items.length = 0;
    this.head = 0;
    return rest;
  }

  private drain(): void {
    if (this.running) return;
    this.running = true;
    while (!this.suspended && this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.head += 1;
      let result: void | Promise<void>;
      try {
        result = this.run(item);
      } catch (error) {
        this.onError(error);
        continue;
      }
      if (result instanceof Promise) {
        void result.catch(this.onError).finally(() => {
          this.running = false;
          this.drain();
        });
        this.compact();
        return;
      }
    }
    this.compact();
    this.running = false;
  }

  private compact(): void {
    if (this.head > 0 && this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}
