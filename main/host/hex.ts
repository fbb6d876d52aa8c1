/** Lower-case hex of raw frame bytes, as MessageDetail.wireHex carries them. */
const DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = DIGITS[bytes[i]!]!;
  return parts.join('');
}
