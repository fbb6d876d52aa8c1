/**
 * A window that joins late starts from the host's snapshot: seeded with it and then fed the
 * events that follow, a model describes the same services, processes, connections and
 * outstanding replies as one that saw every event from the start.
 */
import { describe, expect, test } from 'vitest';
import type { WireEvent } from '../events/wire-event';
import { InspectorModel } from './inspector-model';
import { modelSnapshot, type ModelSnapshot } from './snapshot';
import { syntheticSession } from './synthetic-session';

/** The parts of a snapshot that describe the system, not this model's own timeline rows. */
function described(snapshot: ModelSnapshot): unknown {
  return {
    services: snapshot.services,
    processes: snapshot.processes,
    connections: snapshot.connections,
    outstanding: snapshot.outstandingReplies.map(({ row: _row, ...rest }) => rest),
    jobErrors: snapshot.jobErrors,
    totals: snapshot.totals,
  };
}

describe('seeding a model from a snapshot', () => {
  test('then applying the later events gives the state of a model that saw everything', () => {
    const events: WireEvent[] = [...syntheticSession({ requests: 3000, services: 5, clients: 4, seed: 7 })];
    const cut = Math.floor(events.length * 0.6);
    const whole = new InspectorModel();
    whole.applyBatch(events.slice(0, cut));
    const host = new InspectorModel({ rowCapacity: 16 });
    host.applyBatch(events.slice(0, cut));

    const late = new InspectorModel();
    late.seed(JSON.parse(JSON.stringify(modelSnapshot(host))) as ModelSnapshot);
    whole.applyBatch(events.slice(cut));
    late.applyBatch(events.slice(cut));

    expect(late.services().length).toBeGreaterThan(0);
    expect(late.connections().length).toBeGreaterThan(0);
    expect(described(modelSnapshot(late))).toEqual(described(modelSnapshot(whole)));
    // Only the events after the snapshot are rows of the late window's timeline.
    expect(late.rows.count).toBeLessThan(whole.rows.count);
    expect(late.totals.missedEvents).toBe(0);
  });

  test('refuses a model that already has events', () => {
    const model = new InspectorModel();
    model.applyBatch([...syntheticSession({ requests: 5 })]);
    expect(() => model.seed(modelSnapshot(new InspectorModel()))).toThrow(/only an empty model can be seeded/);
  });
});
