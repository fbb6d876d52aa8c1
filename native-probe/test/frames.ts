/** Reads a RemoteXPC frame header (app/xpc/frame.ts layout) for assertions in the probe's tests. */
export interface FrameHeader {
  readonly flags: number;
  readonly bodyLength: number;
  readonly messageId: bigint;
}

export function decodeFrameHeaderForTest(bytes: Uint8Array): FrameHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== 0x29b00b92) throw new Error(`not a frame: magic 0x${view.getUint32(0, true).toString(16)}`);
  return { flags: view.getUint32(4, true), bodyLength: Number(view.getBigUint64(8, true)), messageId: view.getBigUint64(16, true) };
}
