import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyEvent } from '../../app/capture/fixtures/event-arbitrary';
import { eventLine, fromWireEvent, wireEventLine } from '../../app/capture/format';
import type { InspectorEvent } from '../../app/events/schema';
import { writeEventLine } from './line-bytes';
import { sampleEvents } from './sample-events';

function written(event: Parameters<typeof writeEventLine>[3], wire: boolean, offset = 3): Buffer {
  const target = Buffer.alloc(1 << 16, 0xee);
  const end = writeEventLine(target, offset, target.length, event, wire);
  expect(end).toBeGreaterThan(offset);
  return target.subarray(offset, end);
}

describe('writeEventLine', () => {
  it('writes the bytes of wireEventLine and eventLine, newline included (property)', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        expect(written(event, true).equals(Buffer.from(`${wireEventLine(event)}\n`))).toBe(true);
        const live = fromWireEvent(event);
        expect(written(live, false).equals(Buffer.from(`${eventLine(live)}\n`))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes realistic traffic as eventLine does', () => {
    for (const event of sampleEvents(2000)) expect(written(event, false).toString()).toBe(`${eventLine(event)}\n`);
  });

  it('says when the line does not fit, at any limit', () => {
    const event = [...sampleEvents(3)][2] as InspectorEvent;
    const bytes = Buffer.from(`${eventLine(event)}\n`);
    const target = Buffer.alloc(bytes.length);
    for (let limit = 0; limit < bytes.length; limit++) expect(writeEventLine(target, 0, limit, event, false)).toBe(-1);
    expect(writeEventLine(target, 0, bytes.length, event, false)).toBe(bytes.length);
    expect(target.equals(bytes)).toBe(true);
  });

  it('raises the string writer’s errors for events it cannot write', () => {
    const bad = { seq: 1, t: 0, kind: 'message-delivered', message: 1 } as unknown as InspectorEvent;
    expect(() => writeEventLine(Buffer.alloc(1024), 0, 1024, bad, false)).toThrow('field "toPid" is missing');
    const infinite = { seq: 1, t: Infinity, kind: 'idle', pid: 1, job: 'x' } as unknown as InspectorEvent;
    expect(() => writeEventLine(Buffer.alloc(1024), 0, 1024, infinite, false)).toThrow('must be a finite number');
  });
});
