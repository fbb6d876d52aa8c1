/**
 * Hostile peers that speak well-formed XPC but nonsense protocol: random sequences of real and
 * made-up ops with real and made-up fields, ids that were never issued, wrong types and huge
 * numbers. The broker must only ever close the offender (with a `fatal` op naming why) and keep
 * serving a well-behaved client connected all along.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeBrokerOp } from '../../app/protocol/codec';
import { PROCESS_OPS, PROTOCOL_VERSION } from '../../app/protocol/ops';
import { xpc, type XpcValue } from '../../app/xpc/value';
import { configureXpc, createConnection, shutdownXpc, type XPCConnection } from '../../sdk';
import { connectUnix } from '../transport';
import { bundleSdkPrograms } from './testing/bundle';
import { op, request } from './testing/client-helpers';
import { TestBroker } from './testing/harness';

const RUNS = 1000;
let tb: TestBroker;
let bystander: XPCConnection;

beforeAll(async () => {
  const bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts']);
  tb = await TestBroker.start([{ label: 'com.test.echo', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.echo'] }], { log: () => undefined }, () => false);
  configureXpc({ socketPath: tb.socketPath });
  bystander = createConnection('com.test.echo');
  bystander.activate();
});

afterAll(async () => {
  bystander?.cancel();
  shutdownXpc();
  await tb?.stop();
});

/** A listen for a service this peer does not own: a live connection always gets listen-failed back. */
const MARKER_LISTENER = 2 ** 40;
const MARKER = xpc.dictionary({ op: xpc.string('listen'), listener: xpc.int64(MARKER_LISTENER), service: xpc.string('com.test.nowhere'), api: xpc.string('connection') });

const OP_NAMES = Object.keys(PROCESS_OPS);
const FIELD_NAMES = [...new Set(Object.values(PROCESS_OPS).flatMap((spec) => Object.keys(spec)))];

const idLike = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: -5, max: 1_000_000 }));
const fieldValue: fc.Arbitrary<XpcValue> = fc.oneof(
  idLike.map((n) => xpc.int64(n)),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => xpc.uint64(n)),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((n) => xpc.int64(n)),
  fc.constantFrom('com.test.echo', 'com.test.nowhere', '', 'app', 'background', 'connection', 'session').map((s) => xpc.string(s)),
  fc.string({ maxLength: 40 }).map((s) => xpc.string(s)),
  fc.boolean().map((b) => xpc.bool(b)),
  fc.array(idLike, { maxLength: 5 }).map((ns) => xpc.array(ns.map((n) => xpc.int64(n)))),
  fc.constant(xpc.dictionary({ hello: xpc.string('world') })),
  fc.constant(xpc.null()),
  fc.double().map((d) => xpc.double(d)),
);

/** A dictionary shaped like a process op: a real or invented op name, real or invented fields. */
const hostileOp: fc.Arbitrary<XpcValue> = fc
  .record({
    name: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...OP_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
    fields: fc.array(fc.tuple(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), fieldValue), { maxLength: 6 }),
  })
  .map(({ name, fields }) => xpc.dictionary({ op: xpc.string(name), ...Object.fromEntries(fields) }));

async function bystanderIsServed(): Promise<void> {
  const r = await request(bystander, op('echo', { alive: xpc.bool(true) }));
  expect(r.error, r.reason).toBeUndefined();
}

it(`closes only the offender, with a reason, through ${RUNS} random op sequences, and keeps serving everyone else`, async () => {
  let fatals = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(hostileOp, { minLength: 1, maxLength: 12 }), fc.boolean(), async (ops, sayHello) => {
      const conn = await connectUnix(tb.socketPath);
      const fatalReasons: string[] = [];
      let markerAnswered!: () => void;
      const answered = new Promise<void>((resolve) => (markerAnswered = resolve));
      conn.on('message', (m) => {
        const decoded = decodeBrokerOp(m.value);
        if (decoded.ok && decoded.op.op === 'fatal') fatalReasons.push(decoded.op.reason);
        if (decoded.ok && decoded.op.op === 'listen-failed' && decoded.op.listener === MARKER_LISTENER) markerAnswered();
      });
      const closed = new Promise<string>((resolve) => conn.on('close', ({ reason }) => resolve(reason)));
      let id = 0n;
      const hello = xpc.dictionary({ op: xpc.string('hello'), version: xpc.int64(PROTOCOL_VERSION), name: xpc.string('op-fuzz'), processType: xpc.string('background') });
      for (const body of sayHello ? [hello, ...ops] : ops) conn.send(body, ++id);
      // The broker answers this last op only if the connection survived everything before it
      // (ops on one connection are handled in order), so each run's outcome is settled.
      conn.send(MARKER, ++id);
      const outcome = await Promise.race([answered.then(() => 'open' as const), closed.then(() => 'closed' as const)]);
      // A well-behaved round trip through the same broker after the hostile burst.
      await bystanderIsServed();
      if (!conn.closed) conn.close('fuzz run over');
      const reason = await closed;
      const open = outcome === 'open';
      if (!open) {
        fatals += 1;
        expect(fatalReasons.length, `closed without a fatal op: ${reason}`).toBeGreaterThan(0);
        expect(fatalReasons[0]).toMatch(/\S/);
      }
    }),
    { numRuns: RUNS },
  );
  // Most random sequences are refused somewhere; if none were, the generator is not reaching the broker.
  expect(fatals, `${fatals} of ${RUNS} runs closed`).toBeGreaterThan(RUNS / 4);
  console.log(`${fatals} of ${RUNS} random op sequences were refused with a fatal op`);
  await bystanderIsServed();
}, 120_000);
