/**
 * A window that joins after Clear (or after the replay window moved on) gets the state of the
 * events the host no longer holds from getSnapshot, rebuilt from the live journal on disk — with
 * the real broker, demo services and traffic of browser mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../../app/bridge/contract';
import { waitFor } from '../transport/test-helpers';
import { startTestServer } from '../server/test-server';

let mode: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  mode = await startTestServer();
});
afterAll(async () => {
  await mode?.dispose();
});

describe('getSnapshot', () => {
  it('rebuilds services, processes and connections from the journal for the events the host no longer holds', async () => {
    const seen: WireEvent[] = [];
    const stop = mode.host.subscribe((batch) => seen.push(...batch.events), 0);
    await waitFor(() => seen.some((e) => e.kind === 'message-sent' && e.service === 'com.example.echo'), 'echo traffic flows', 20_000);
    stop();
    expect((await mode.host.getSession()).heldFromSeq).toBe(1);

    await mode.host.clear();
    await waitFor(() => mode.host.stream.lastSeq > mode.host.stream.heldFromSeq, 'new events after the clear', 20_000);
    const heldFromSeq = (await mode.host.getSession()).heldFromSeq!;
    expect(heldFromSeq).toBeGreaterThan(seen.at(-1)!.seq);

    const snapshot = await mode.host.getSnapshot(heldFromSeq - 1);
    expect(snapshot.totals.lastSeq).toBe(heldFromSeq - 1);
    expect(snapshot.services.map((s) => s.label)).toEqual(expect.arrayContaining(['com.example.echo', 'com.example.flaky', 'com.example.traffic']));
    expect(snapshot.services.find((s) => s.label === 'com.example.echo')!.launches).toBeGreaterThanOrEqual(1);
    const traffic = snapshot.processes.find((p) => p.job === 'com.example.traffic');
    expect(traffic?.state).toMatch(/running|idle/);
    expect(snapshot.connections.some((c) => c.service === 'com.example.echo' && c.clientPid === traffic!.pid)).toBe(true);
  }, 40_000);

  it('refuses a seq past the newest event, naming both', async () => {
    const newest = mode.host.stream.lastSeq;
    await expect(mode.host.getSnapshot(newest + 1000)).rejects.toThrow(/getSnapshot: throughSeq \d+ is past the newest event, seq \d+/);
    await expect(mode.host.getSnapshot(-1)).rejects.toThrow(/getSnapshot/);
  });
});
