/**
 * The renderer's WebSocket bridge (renderer/bridge-client.ts) against the real server: the
 * same InspectorBridge the UI uses in browser mode, with the ws package standing in for the
 * browser's WebSocket class (same API).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import WebSocket from 'ws';
import type { WireEvent } from '../../app/bridge/contract';
import { BridgeCallError, bridgeUrlFromLocation, WebSocketBridge } from '../../renderer/bridge-client';
import { demoServiceJobs } from '../host/test-jobs';
import { startInspectorServer } from './inspector-server';
import { waitFor } from '../transport/test-helpers';
import { startTestServer } from './test-server';

type Served = Awaited<ReturnType<typeof startTestServer>>;
let served: Served;

/** The ws package standing in for the browser's WebSocket, sending the page's cookie as a browser would. */
function browserLikeWebSocket(cookie: string): new (url: string) => globalThis.WebSocket {
  class WithCookie extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { cookie } });
    }
  }
  return WithCookie as unknown as new (url: string) => globalThis.WebSocket;
}

function clientFor(served: Served, onStatus?: (status: 'open' | 'closed', detail: string) => void): WebSocketBridge {
  const page = new URL(served.origin);
  return new WebSocketBridge({ url: bridgeUrlFromLocation(page), WebSocket: browserLikeWebSocket(served.cookie), onStatus });
}

beforeAll(async () => {
  const { dir } = demoServiceJobs([{ label: 'com.example.echo', script: 'echo.mjs' }]);
  served = await startTestServer({ jobsDir: dir, stream: { batchIntervalMs: 5 } });
});

afterAll(async () => {
  await served?.dispose();
});

describe('WebSocketBridge (browser mode client)', () => {
  it('derives the bridge URL from the page URL, with no secret in it', () => {
    expect(bridgeUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/bridge');
  });

  it('answers every bridge operation over the socket', async () => {
    const bridge = clientFor(served);
    expect(await bridge.getSession()).toMatchObject({ mode: 'live', paused: false });
    expect((await bridge.listJobs()).map((j) => j.label)).toEqual(['com.example.echo']);
    const result = await bridge.sendTestMessage({ service: 'com.example.echo', privileged: false, mode: 'send-with-reply', payload: '{"text":"hi"}', processType: 'app' });
    expect(result).toMatchObject({ ok: true, reply: { text: 'hi' } });
    const detail = await bridge.getMessage((result as { message: number }).message);
    expect(detail?.value).toEqual({ text: 'hi' });
    await bridge.setPaused(true);
    expect((await bridge.getSession()).paused).toBe(true);
    await bridge.setPaused(false);
    await bridge.clear();
    bridge.close();
  });

  it('rejects a refused call with the server’s code and message', async () => {
    const bridge = clientFor(served);
    const error = await bridge.getMessage(-1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeCallError);
    expect(error).toMatchObject({ method: 'getMessage', code: 'bad-argument', message: 'getMessage: message id must be a positive integer, got -1' });
    await expect(bridge.stopService('com.example.none')).rejects.toThrow(/no job labelled "com.example.none"/);
    bridge.close();
  });

  it('streams batches and, after the socket drops, resumes from the next seq with no gap or duplicate', async () => {
    const statuses: string[] = [];
    const bridge = clientFor(served, (status) => statuses.push(status));
    const seen: WireEvent[] = [];
    let batches = 0;
    const unsubscribe = bridge.subscribe((batch) => {
      batches += 1;
      seen.push(...batch.events);
    });
    await waitFor(() => batches > 0, 'the first batch');
    await bridge.sendTestMessage({ service: 'com.example.echo', privileged: false, mode: 'send-with-reply', payload: '{"before":"outage"}', processType: 'app' });
    await waitFor(() => seen.at(-1)?.seq === served.host.stream.lastSeq, 'the events before the outage');

    // The server goes away and comes back on the same port, keeping the page's session; traffic happens meanwhile.
    await served.server.close();
    await waitFor(() => statuses.includes('closed'), 'the client to notice the drop');
    await served.host.sendTestMessage({ service: 'com.example.echo', privileged: false, mode: 'send-with-reply', payload: '{"during":"outage"}', processType: 'app' });
    const again = await startInspectorServer({ host: served.host, rendererDir: tmpdir(), port: served.port, session: served.cookie.split('=')[1]! });
    try {
      await waitFor(() => seen.at(-1)?.seq === served.host.stream.lastSeq, 'the events of the outage after the reconnect');
      const driver = clientFor(served);
      await driver.sendTestMessage({ service: 'com.example.echo', privileged: false, mode: 'send-with-reply', payload: '{"after":"outage"}', processType: 'app' });
      await waitFor(() => seen.at(-1)?.seq === served.host.stream.lastSeq, 'the events after the reconnect');
      driver.close();
    } finally {
      await again.close();
    }
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(statuses.filter((s) => s === 'open').length).toBe(2);
    unsubscribe();
    bridge.close();
  });
});

