/** Events per second over the last couple of seconds, from counts added as they are applied. */
export class RateMeter {
  private samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 2000) {}

  add(count: number, at = performance.now()): void {
    this.samples.push({ at, count });
    this.trim(at);
  }

  perSecond(at = performance.now()): number {
    this.trim(at);
    let total = 0;
    for (const sample of this.samples) total += sample.count;
    return (total * 1000) / this.windowMs;
  }

  private trim(at: number): void {
    const oldest = at - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.at < oldest) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
