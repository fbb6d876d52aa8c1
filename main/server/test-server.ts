/**
 * A real browser-mode stack for the server's tests: broker on a jobs directory, bridge host,
 * server on a free port, each with a private socket directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeBatchFrame } from '../../app/bridge/batch-codec';
import type { ServerMessage } from '../../app/bridge/protocol';
import { startBrowserMode, type BrowserMode, type BrowserModeOptions } from './browser-mode';

export interface TestServer extends BrowserMode {
  /** `Cookie` header of a session signed in through a launch URL, as a browser would hold it. */
  readonly cookie: string;
  dispose(): Promise<void>;
}

export async function startTestServer(options: BrowserModeOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-server-'));
  const mode = await startBrowserMode({ socketPath: join(dir, 'broker.sock'), capturesDir: join(dir, 'captures'), log: () => undefined, ...options });
  return {
    ...mode,
    cookie: await signIn(mode.launchUrl()),
    dispose: async () => {
      await mode.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Redeems a launch URL like a browser does; resolves with the `Cookie` header it earns. */
export async function signIn(launchUrl: string): Promise<string> {
  const response = await fetch(launchUrl, { redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie');
  if (response.status !== 200 || setCookie === null) throw new Error(`signing in at ${launchUrl} failed: HTTP ${response.status} ${await response.text()}`);
  return setCookie.split(';')[0]!;
}

/** The bridge WebSocket URL of a server. */
export function bridgeUrl(mode: { readonly origin: string }): string {
  return `ws://${new URL(mode.origin).host}/bridge`;
}

/** A connected bridge socket that records every server message. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      // Batches arrive as binary frames; everything else is JSON text.
      if (isBinary) this.messages.push({ push: 'batch', ...decodeBatchFrame(bytes) });
      else this.messages.push(JSON.parse(bytes.toString('utf8')) as ServerMessage);
    });
  }

  static async connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TestClient(socket);
  }

  /** Sends a request and resolves with its answer. */
  async call(method: string, params: unknown[] = []): Promise<ServerMessage> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return this.waitFor((m) => 'id' in m && m.id === id);
  }

  async sendRaw(data: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.send(data, (error) => (error ? reject(error) : resolve())));
  }

  async waitFor(match: (message: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Resolves with the HTTP status a WebSocket upgrade was refused with. */
export function upgradeStatus(url: string, headers?: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      reject(new Error(`the upgrade to ${url} was accepted`));
    });
    socket.once('error', (error) => reject(error));
  });
}
