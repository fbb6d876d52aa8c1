// app/ is pure TypeScript shared by Node, the sandboxed preload and the browser. These are the
// only host globals it may use; declaring them here keeps Node and DOM typings out of app/.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
declare function queueMicrotask(callback: () => void): void;
