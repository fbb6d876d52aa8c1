import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBatch, SendTestMessageRequest, WireEvent } from '../../app/bridge/contract';
import type { MessageSentEvent } from '../../app/events/schema';
import { Broker } from '../broker';
import { BridgeHost } from './bridge-host';
import { demoServiceJobs } from './test-jobs';

let broker: Broker;
let host: BridgeHost;
let all: WireEvent[];
let stopCollecting: () => void;

const request = (payload: string, extra: Partial<SendTestMessageRequest> = {}): SendTestMessageRequest => ({
  service: 'com.example.echo',
  privileged: false,
  mode: 'send-with-reply',
  payload,
  processType: 'app',
  timeoutMs: 15_000,
  ...extra,
});

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sentEvent = (message: number): MessageSentEvent | undefined =>
  all.find((e): e is MessageSentEvent & WireEvent => e.kind === 'message-sent' && e.message === message) as MessageSentEvent | undefined;

beforeAll(async () => {
  const { dir, socketPath } = demoServiceJobs([
    { label: 'com.example.echo', script: 'echo.mjs' },
    { label: 'com.example.flaky', script: 'flaky.mjs', env: { FLAKY_CRASH_EVERY: '2' } },
    // Launches but never checks in, so a message to it is never delivered.
    { label: 'com.example.silent', inline: 'setInterval(() => {}, 1000)' },
  ]);
  broker = await Broker.start({ jobsDir: dir, socketPath, eventBodyCapBytes: 4096, log: () => undefined });
  host = new BridgeHost({ broker, jobsDir: dir, batchIntervalMs: 5 });
  all = [];
  stopCollecting = host.subscribe((batch: EventBatch) => all.push(...batch.events));
});

afterAll(async () => {
  stopCollecting?.();
  host?.close();
  await broker?.stop();
});

describe('BridgeHost on a live broker', () => {
  it('replays the start-up events from seq 1 to a subscriber that attaches after start', async () => {
    await until(() => (all.filter((e) => e.kind === 'job-loaded').length === 3 ? true : undefined), 'the job-loaded events');
    expect(all[0]!.seq).toBe(1);
    expect(all.slice(0, 3).map((e) => e.kind)).toEqual(['job-loaded', 'job-loaded', 'job-loaded']);
  });

  it('lists the broker’s jobs and describes the live session', async () => {
    expect((await host.listJobs()).map((j) => j.label).sort()).toEqual(['com.example.echo', 'com.example.flaky', 'com.example.silent']);
    expect(await host.getSession()).toMatchObject({ mode: 'live', paused: false, socketPath: broker.socketPath });
  });

  it('sends a composer request to the echo demo and returns its reply', async () => {
    const result = await host.sendTestMessage(request('{"text": "hello", "n": 42}'));
    if (!result.ok) throw new Error(`${result.error}: ${result.reason}`);
    expect(result.reply).toMatchObject({ echo: { text: 'hello', n: 42 }, text: 'hello' });
    expect(result.replyDescription).toMatch(/"text" => <string: 0x0> \{ length = 5, contents = "hello" \}/);
    expect(result.latencyNs).toBeGreaterThan(0);
    expect(result.message).toBeGreaterThan(0);
  });

  it('shows a sent message with its XPC-JSON value, description, wire bytes and reply link', async () => {
    const result = await host.sendTestMessage(request('{"text": "detail", "when": {"$date": "2026-01-02T03:04:05.000000006Z"}}'));
    if (!result.ok) throw new Error(`${result.error}: ${result.reason}`);
    const id = result.message!;
    const detail = await until(async () => {
      const d = await host.getMessage(id);
      return d?.reply !== undefined ? d : undefined;
    }, 'the reply link');
    expect(detail.value).toEqual({ text: 'detail', when: { $date: '2026-01-02T03:04:05.000000006Z' } });
    expect(detail.description).toMatch(/^<dictionary: 0x0> \{ count = 2,/);
    expect(detail.description).toContain('contents = "detail"');
    // RemoteXPC frame magic 0x29b00b92, little-endian.
    expect(detail.wireHex).toMatch(/^920bb029/);
    const reply = await host.getMessage(detail.reply!);
    expect(reply?.inReplyTo).toBe(id);
    expect(reply?.value).toMatchObject({ echo: { text: 'detail' } });
  });

  it('recovers a payload the event left out (over the body cap) from the frame bytes', async () => {
    const big = 'x'.repeat(10_000);
    const result = await host.sendTestMessage(request(JSON.stringify({ big })));
    if (!result.ok) throw new Error(`${result.error}: ${result.reason}`);
    const event = await until(() => sentEvent(result.message!), 'the message-sent event');
    expect(event.value).toBeUndefined();
    const detail = await host.getMessage(result.message!);
    expect(detail?.value).toEqual({ big });
    expect(detail?.description).toContain('xxxx');
  });

  it('reports CONNECTION_INVALID with the reason for a service nobody provides', async () => {
    const result = await host.sendTestMessage(request('{"hello": 1}', { service: 'com.example.nobody' }));
    expect(result).toMatchObject({ ok: false, error: 'Connection invalid' });
    if (result.ok) return;
    expect(result.reason).toContain('com.example.nobody');
  });

  it('delivers a one-way send and a synchronous request', async () => {
    const oneWay = await host.sendTestMessage(request('{"oneWay": true}', { mode: 'send' }));
    expect(oneWay).toMatchObject({ ok: true });
    const sync = await host.sendTestMessage(request('{"text": "sync"}', { mode: 'sync' }));
    expect(sync).toMatchObject({ ok: true, reply: { text: 'sync' } });
    const event = await until(() => sentEvent((sync as { message: number }).message), 'the sync message-sent event');
    expect(event.sync).toBe(true);
  });

  it('sends as an app-type client (boosting) or a background one (not boosting), as asked', async () => {
    const background = await host.sendTestMessage(request('{"n": 1}', { processType: 'background' }));
    const app = await host.sendTestMessage(request('{"n": 2}', { processType: 'app' }));
    if (!background.ok || !app.ok) throw new Error('a composer request failed');
    expect((await until(() => sentEvent(background.message!), 'background send')).boosting).toBe(false);
    expect((await until(() => sentEvent(app.message!), 'app send')).boosting).toBe(true);
  });

  it('reports CONNECTION_INTERRUPTED when the service crashes while handling the request', async () => {
    // FLAKY_CRASH_EVERY=2: the second request crashes the flaky demo.
    const first = await host.sendTestMessage(request('{"work": 1}', { service: 'com.example.flaky' }));
    expect(first).toMatchObject({ ok: true, reply: { ok: true } });
    const second = await host.sendTestMessage(request('{"work": 2}', { service: 'com.example.flaky' }));
    expect(second).toMatchObject({ ok: false, error: 'Connection interrupted' });
  });

  it('times out a request whose reply does not come in time, and a send that is not delivered', async () => {
    const reply = await host.sendTestMessage(request('{"work": 3}', { service: 'com.example.silent', timeoutMs: 300 }));
    expect(reply).toMatchObject({ ok: false, error: 'Timed out', reason: 'the message to "com.example.silent" got no reply within 300 ms' });
    const send = await host.sendTestMessage(request('{"work": 4}', { service: 'com.example.silent', mode: 'send', timeoutMs: 300 }));
    expect(send).toMatchObject({ ok: false, error: 'Timed out', reason: 'the message to "com.example.silent" was not delivered within 300 ms' });
    expect(send.message).toBeGreaterThan(0);
  });

  it('stops a running service on request and refuses unknown jobs by name', async () => {
    await host.sendTestMessage(request('{"warm": true}'));
    await host.stopService('com.example.echo');
    await until(() => all.find((e) => e.kind === 'process-exited' && e.job === 'com.example.echo' && e.reason === 'terminated'), 'the echo service to be terminated');
    await expect(host.stopService('com.example.nope')).rejects.toThrow('stopService: no job labelled "com.example.nope"; known jobs: com.example.echo, com.example.flaky, com.example.silent');
  });

  it('answers undefined for a message it does not know and refuses a malformed id', async () => {
    expect(await host.getMessage(999_999)).toBeUndefined();
    await expect(host.getMessage('7' as never)).rejects.toThrow(/message id must be a positive integer/);
  });

  it('streams the live events of its traffic in seq order without gaps', () => {
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
