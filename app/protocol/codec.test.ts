import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xpc, xpcEquals, type XpcValue } from '../xpc/value';
import { decodeBrokerOp, decodeProcessOp, encodeBrokerOp, encodeProcessOp } from './codec';
import { BROKER_OPS, PROCESS_OPS, type BrokerOp, type ProcessOp } from './ops';
import type { Field, FieldSpec } from './fields';

const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const smallValue: fc.Arbitrary<XpcValue> = fc.oneof(
  fc.string().map((s) => xpc.string(s)),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((n) => xpc.int64(n)),
  fc.boolean().map((b) => xpc.bool(b)),
  fc.constant(xpc.null()),
  fc.uint8Array({ maxLength: 16 }).map((b) => xpc.data(b)),
);

/** An arbitrary value for a field, by its declared expectation. */
function arbitraryFor(f: Field<unknown>): fc.Arbitrary<unknown> {
  if (f.expected === 'int64') return id;
  if (f.expected === 'string') return fc.string();
  if (f.expected === 'bool') return fc.boolean();
  if (f.expected === 'an XPC value') return smallValue;
  if (f.expected === 'error') return fc.constantFrom('Connection invalid', 'Connection interrupted', 'Peer Forbidden');
  if (f.expected === 'array of int64') return fc.array(id, { maxLength: 5 });
  const choices = /^one of (.*)$/.exec(f.expected);
  if (choices) return fc.constantFrom(...choices[1]!.split(', ').map((c) => c.slice(1, -1)));
  if (f.expected.startsWith('dictionary with')) {
    return fc.record({ uid: fc.option(id, { nil: undefined }), executablePath: fc.option(fc.string(), { nil: undefined }) });
  }
  throw new Error(`no arbitrary for ${f.expected}`);
}

function arbitraryOp(table: Readonly<Record<string, FieldSpec>>): fc.Arbitrary<{ op: string } & Record<string, unknown>> {
  return fc.constantFrom(...Object.keys(table)).chain((name) => {
    const spec = table[name]!;
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, f] of Object.entries(spec)) {
      record[key] = f.optional ? fc.option(arbitraryFor(f), { nil: undefined }) : arbitraryFor(f);
    }
    return fc.record(record).map((fields) => {
      const clean: Record<string, unknown> = { op: name };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) clean[k] = v;
      return clean as { op: string } & Record<string, unknown>;
    });
  });
}

function sameOp(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (x !== null && typeof x === 'object' && 'type' in x) {
      if (!(y !== null && typeof y === 'object' && 'type' in y && xpcEquals(x as XpcValue, y as XpcValue))) return false;
    } else if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

describe('protocol ops', () => {
  it('every process op survives encode then decode unchanged', () => {
    fc.assert(
      fc.property(arbitraryOp(PROCESS_OPS), (op) => {
        const decoded = decodeProcessOp(encodeProcessOp(op as unknown as ProcessOp));
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(sameOp(decoded.op as unknown as Record<string, unknown>, op)).toBe(true);
      }),
    );
  });

  it('every broker op survives encode then decode unchanged', () => {
    fc.assert(
      fc.property(arbitraryOp(BROKER_OPS), (op) => {
        const decoded = decodeBrokerOp(encodeBrokerOp(op as unknown as BrokerOp));
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(sameOp(decoded.op as unknown as Record<string, unknown>, op)).toBe(true);
      }),
    );
  });

  it('puts the op name first so a dump of the frame reads naturally', () => {
    const value = encodeProcessOp({ op: 'send', connection: 3, body: xpc.string('hi'), reply: true, sync: false });
    expect(value.type === 'dictionary' && [...value.entries.keys()]).toEqual(['op', 'connection', 'body', 'reply', 'sync']);
  });

  it('names the op, the sender and the key when a field has the wrong type', () => {
    const bad = xpc.dictionary({ op: xpc.string('send'), connection: xpc.string('x'), body: xpc.null(), reply: xpc.bool(false), sync: xpc.bool(false) });
    expect(decodeProcessOp(bad, 'pid 123')).toEqual({ ok: false, error: `op 'send' from pid 123: key 'connection' must be int64, got string "x"` });
  });

  it('names a missing key and what it must be', () => {
    const bad = xpc.dictionary({ op: xpc.string('barrier'), connection: xpc.int64(1) });
    expect(decodeProcessOp(bad, 'pid 9')).toEqual({ ok: false, error: `op 'barrier' from pid 9: key 'token' is missing (must be int64)` });
  });

  it('rejects negative ids and ids beyond exact JS integers', () => {
    const neg = xpc.dictionary({ op: xpc.string('activate'), connection: xpc.int64(-1) });
    const huge = xpc.dictionary({ op: xpc.string('activate'), connection: xpc.uint64(1n << 60n) });
    expect(decodeProcessOp(neg).ok).toBe(false);
    expect(decodeProcessOp(huge).ok).toBe(false);
  });

  it('rejects unknown ops, frames that are not dictionaries, and empty frames with a reason', () => {
    expect(decodeProcessOp(xpc.dictionary({ op: xpc.string('teleport') }), 'pid 1')).toEqual({ ok: false, error: 'unknown op "teleport" from pid 1' });
    expect(decodeProcessOp(xpc.dictionary({ op: xpc.string('toString') })).ok).toBe(false);
    expect(decodeProcessOp(xpc.string('hello'), 'pid 1')).toEqual({ ok: false, error: 'frame from pid 1 is string, not an op dictionary' });
    expect(decodeProcessOp(undefined, 'pid 1').ok).toBe(false);
    expect(decodeProcessOp(xpc.dictionary({}), 'pid 1')).toEqual({ ok: false, error: "frame from pid 1 has no 'op' key" });
  });

  it('rejects a value outside an enumerated field', () => {
    const bad = xpc.dictionary({ op: xpc.string('hello'), version: xpc.int64(1), name: xpc.string('x'), processType: xpc.string('daemon') });
    const r = decodeProcessOp(bad, 'pid 4');
    expect(r).toEqual({ ok: false, error: `op 'hello' from pid 4: key 'processType' must be one of 'app', 'background', got string "daemon"` });
  });

  it('never throws on arbitrary dictionaries', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('op', 'connection', 'body', 'reply', 'sync', 'token'), smallValue), (rec) => {
        const r = decodeProcessOp(xpc.dictionary(rec));
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});
