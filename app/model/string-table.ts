/**
 * Interned strings addressed by a small integer, so columnar rows can hold a service name or a
 * job label as one Int32 and filters can match a name once per distinct string instead of once
 * per row.
 */
export class StringTable {
  private readonly byText = new Map<string, number>();
  private readonly texts: string[] = [];

  /** The index of `text`, adding it on first sight. */
  intern(text: string): number {
    let index = this.byText.get(text);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, index);
    }
    return index;
  }

  /** The index of `text`, or -1 when it was never interned. */
  find(text: string): number {
    return this.byText.get(text) ?? -1;
  }

  /** The text at `index`; '' for -1 or an index never handed out. */
  text(index: number): string {
    return index >= 0 ? (this.texts[index] ?? '') : '';
  }

  get size(): number {
    return this.texts.length;
  }
}
