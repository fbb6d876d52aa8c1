import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpc } from '../../app/xpc/value';
import { summarizeXpc, SUMMARY_MAX_CHARS } from './summary';

describe('summarizeXpc', () => {
  it('writes a dictionary as a compact one-line record', () => {
    expect(summarizeXpc(xpc.dictionary({ op: xpc.string('echo'), n: xpc.int64(3), ok: xpc.bool(true), blob: xpc.data(new Uint8Array(5)) }))).toBe(
      '{op: "echo", n: 3, ok: true, blob: <5 bytes>}',
    );
  });

  it('never exceeds its length bound, however large the value', () => {
    const huge = xpc.array(Array.from({ length: 10_000 }, (_, i) => xpc.dictionary({ i: xpc.int64(i), s: xpc.string('x'.repeat(100)) })));
    expect(summarizeXpc(huge).length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 200 }), (s, max) => summarizeXpc(xpc.string(s), max).length <= max));
  });
});
