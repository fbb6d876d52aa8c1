/**
 * Opening hostile uploads in browser mode never stalls the process that also runs the broker:
 * while the files are read (in the import worker), broker hellos, page requests and bridge calls
 * are answered about as fast as without them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenCaptureResult } from '../../app/bridge/contract';
import { UPLOAD_PATH, type ServerMessage, type UploadResult } from '../../app/bridge/protocol';
import { PROTOCOL_VERSION } from '../../app/protocol/ops';
import { BrokerSocket } from '../../sdk/broker-socket';
import { badLinesFile, newlineBomb, newlineFreeBomb, oneLineFile, type HostileFile } from '../import/testing/hostile-files';
import { bridgeUrl, startTestServer, TestClient, type TestServer } from './test-server';

let served: TestServer;
let client: TestClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xpci-hostile-upload-'));
  mkdirSync(join(dir, 'captures'));
  served = await startTestServer({ jobsDir: join(dir, 'no-jobs'), capturesDir: join(dir, 'captures'), rendererDir: join(dir, 'no-renderer') });
  client = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
});

afterAll(async () => {
  client?.close();
  await served?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(file: HostileFile): Promise<UploadResult> {
  const name = file.path.split('/').pop()!;
  const response = await fetch(`${new URL(served.origin).origin}${UPLOAD_PATH}?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { cookie: served.cookie }, body: new Uint8Array(readFileSync(file.path)) });
  expect(response.status).toBe(200);
  return (await response.json()) as UploadResult;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** A new SDK client's handshake: connect to the broker's socket, send hello, wait for hello-ok. */
function hello(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: BrokerSocket = new BrokerSocket(served.broker.socketPath, {
      onOp: (op) => {
        if (op.op !== 'hello-ok') return;
        socket.close('measured');
        resolve();
      },
      onClose: (reason) => reject(new Error(reason)),
    });
    socket.send({ op: 'hello', version: PROTOCOL_VERSION, name: 'latency-probe', processType: 'app' });
  });
}

async function pageRequest(): Promise<void> {
  const response = await fetch(served.origin, { headers: { cookie: served.cookie } });
  await response.arrayBuffer();
}

async function bridgeCall(): Promise<void> {
  const answer: ServerMessage = await client.call('getSession');
  if ('error' in answer) throw new Error(answer.error.message);
}

const PROBES = { hello, pageRequest, bridgeCall } as const;
type Probe = keyof typeof PROBES;
type Samples = Record<Probe, number[]>;

/** Measures every probe in turn until `done()` holds. */
async function sampleUntil(done: () => boolean): Promise<Samples> {
  const samples: Samples = { hello: [], pageRequest: [], bridgeCall: [] };
  while (!done()) {
    for (const probe of Object.keys(PROBES) as Probe[]) samples[probe].push(await timed(PROBES[probe]));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

describe('browser mode while a hostile upload is opened', () => {
  it('answers broker hellos, page requests and bridge calls as fast as without it', async () => {
    const files = [badLinesFile(dir), newlineBomb(dir), newlineFreeBomb(dir), oneLineFile(dir), badLinesFile(dir, 2_000_000)];
    const uploaded = [];
    for (const file of files) uploaded.push({ file, held: await upload(file) });

    const baselineStarted = performance.now();
    const baseline = await sampleUntil(() => performance.now() - baselineStarted > 1500);

    let opening = true;
    const importStarted = performance.now();
    const opened = (async () => {
      const results: OpenCaptureResult[] = [];
      for (const { held } of uploaded) {
        const answer = await client.call('openCapture', [{ format: 'capture', file: held.file }]);
        if ('error' in answer) throw new Error(answer.error.message);
        results.push((answer as { result: OpenCaptureResult }).result);
      }
      return results;
    })().finally(() => (opening = false));
    const during = await sampleUntil(() => !opening);
    const results = await opened;
    const importMs = performance.now() - importStarted;

    results.forEach((result, index) => {
      expect(result.status).toBe('invalid');
      const message = result.status === 'invalid' ? result.errors[0]?.message : undefined;
      expect(message).toMatch(files[index]!.expected);
    });
    console.log(`opening ${files.length} hostile uploads took ${importMs.toFixed(0)} ms`);
    // A blocked event loop shows as few samples as well as slow ones.
    expect(during.hello.length).toBeGreaterThanOrEqual(10);
    for (const probe of Object.keys(PROBES) as Probe[]) {
      const [base50, base90, during50, during90] = [percentile(baseline[probe], 50), percentile(baseline[probe], 90), percentile(during[probe], 50), percentile(during[probe], 90)];
      console.log(
        `${probe}: p50 ${during50.toFixed(1)} ms during the import vs ${base50.toFixed(1)} ms without (${(during50 / base50).toFixed(2)}×), ` +
          `p90 ${during90.toFixed(1)} vs ${base90.toFixed(1)} ms (${(during90 / base90).toFixed(2)}×), max ${Math.max(...during[probe]).toFixed(1)} ms, ${during[probe].length} samples`,
      );
      expect(during50).toBeLessThanOrEqual(2 * base50 + 10);
      expect(during90).toBeLessThanOrEqual(2 * base90 + 25);
    }
  }, 120_000);
});
