/**
 * Raw frame bytes as offset | hex | ascii, 16 bytes a line, virtualized (frames can be
 * megabytes). The RemoteXPC frame header and the XPC payload header are tinted.
 */
import { useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { FRAME_HEADER_SIZE, FRAME_MAGIC } from '../../../app/xpc/frame';

const LINE_HEIGHT = 16;
const PAYLOAD_HEADER_SIZE = 8; // XPC magic + version

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(Math.floor(hex.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function hasFrameHeader(bytes: Uint8Array): boolean {
  if (bytes.length < FRAME_HEADER_SIZE) return false;
  const magic = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return magic === FRAME_MAGIC;
}

export function HexDump({ hex }: { readonly hex: string }) {
  const bytes = useMemo(() => hexToBytes(hex), [hex]);
  const framed = hasFrameHeader(bytes);
  const lines = Math.ceil(bytes.length / 16);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: lines, getScrollElement: () => scrollRef.current, estimateSize: () => LINE_HEIGHT, overscan: 10 });
  const regionOf = (offset: number): string => {
    if (!framed) return '';
    if (offset < FRAME_HEADER_SIZE) return 'h';
    if (offset < FRAME_HEADER_SIZE + PAYLOAD_HEADER_SIZE) return 'p';
    return '';
  };
  return (
    <>
      {framed && (
        <div className="hex-legend" style={{ padding: '2px 14px 4px' }}>
          <span>
            <span className="swatch h" />
            frame header (magic, flags, length, id)
          </span>
          <span>
            <span className="swatch p" />
            XPC payload header (magic 0x42133742, version)
          </span>
          <span className="faint">{bytes.length.toLocaleString('en')} bytes</span>
        </div>
      )}
      <div className="pane-scroll selectable" ref={scrollRef} data-testid="hex-dump">
        <div className="hex" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const start = item.index * 16;
            const cells = [];
            let ascii = '';
            for (let i = 0; i < 16; i++) {
              const offset = start + i;
              const byte = bytes[offset];
              const spacer = i === 8 ? ' ' : '';
              if (byte === undefined) {
                cells.push(<span key={i}>{spacer}   </span>);
                continue;
              }
              const region = regionOf(offset);
              cells.push(
                <span key={i} className={region}>
                  {spacer}
                  {byte.toString(16).padStart(2, '0')}{' '}
                </span>,
              );
              ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
            }
            return (
              <div key={item.key} className="hex-line" style={{ transform: `translateY(${item.start}px)` }}>
                <span className="hex-offset">{start.toString(16).padStart(8, '0')}</span>
                <span className="hex-bytes">{cells}</span>
                <span className="hex-ascii">{ascii}</span>
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
