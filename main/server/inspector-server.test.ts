import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeResponse, ServerMessage } from '../../app/bridge/protocol';
import { MAX_REQUEST_BYTES } from '../../app/bridge/protocol';
import { startInspectorServer } from './inspector-server';
import { bridgeUrl, signIn, startTestServer, TestClient, upgradeStatus } from './test-server';

type Served = Awaited<ReturnType<typeof startTestServer>>;

let served: Served;
let rendererDir: string;

/** A renderer directory with a page, an asset and a dotfile, so serving rules can be checked. */
function fakeRendererBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>XPC Inspector</title><script type="module" src="./assets/app.js"></script>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(dir, 'assets', 'app.js.map'), '{"version":3,"sources":["../../renderer/src/main.tsx"],"mappings":""}');
  writeFileSync(join(dir, '.secret.json'), '{}');
  return dir;
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request as the signed-in page makes it (with the session cookie) unless `headers` say otherwise. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> {
  return anonymousGet(port, path, { cookie: served.cookie, ...headers }, method);
}

function anonymousGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const isError = (m: ServerMessage): m is Extract<BridgeResponse, { error: unknown }> => 'error' in m;

beforeAll(async () => {
  rendererDir = fakeRendererBuild();
  const jobsDir = mkdtempSync(join(tmpdir(), 'xpci-jobs-'));
  served = await startTestServer({ jobsDir, rendererDir });
});

afterAll(async () => {
  await served?.dispose();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('browser mode: binding', () => {
  it('listens on 127.0.0.1 only', async () => {
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    expect(served.server.address).toBe('127.0.0.1');
    for (const address of [...others, '127.0.0.2', '::1']) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port: served.port });
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
      expect(refused, `connecting via ${address}`).toBe(true);
    }
    expect(served.origin).toBe(`http://127.0.0.1:${served.port}/`);
    expect(served.launchUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/launch\?secret=[\w-]{40,}$/);
  });

  it('refuses to bind any other address', async () => {
    for (const hostname of ['0.0.0.0', '::', '192.168.1.10', 'localhost']) {
      await expect(startInspectorServer({ host: served.host, rendererDir, hostname })).rejects.toThrow(/listens on 127\.0\.0\.1 only/);
    }
  });
});

describe('browser mode: HTTP', () => {
  it('serves the page only with the session cookie, with a strict CSP', async () => {
    expect((await anonymousGet(served.port, '/')).status).toBe(401);
    expect((await get(served.port, '/', { cookie: served.cookie.replace(/=.*/, '=wrong') })).status).toBe(401);
    // The cookie of another port's server is not this one's.
    expect((await get(served.port, '/', { cookie: served.cookie.replace(/-\d+=/, '-1=') })).status).toBe(401);
    const page = await get(served.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>XPC Inspector</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain(`connect-src ws://127.0.0.1:${served.port}`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves assets and the source map only with the session cookie', async () => {
    const asset = await get(served.port, '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get(served.port, '/assets/app.js.map')).status).toBe(200);
    for (const path of ['/assets/app.js', '/assets/app.js.map']) {
      const refused = await anonymousGet(served.port, path);
      expect(refused.status, path).toBe(401);
      expect(refused.body).not.toContain('sources');
    }
  });

  it('answers 403 to a Host header that is not this server (DNS rebinding)', async () => {
    const result = await get(served.port, '/', { host: `evil.example:${served.port}` });
    expect(result.status).toBe(403);
    expect(result.body).toMatch(/Host header "evil.example:\d+" is not this server/);
    expect((await get(served.port, '/assets/app.js', { host: `127.0.0.1:1` })).status).toBe(403);
  });

  it('answers 403 to a foreign Origin', async () => {
    const result = await get(served.port, '/assets/app.js', { origin: 'http://evil.example' });
    expect(result.status).toBe(403);
    expect(result.body).toMatch(/Origin "http:\/\/evil.example" may not use this server/);
    expect((await get(served.port, '/assets/app.js', { origin: `http://127.0.0.1:${served.port}` })).status).toBe(200);
  });

  it('serves nothing outside the renderer directory, and no dotfiles', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/.secret.json', '/assets/%00.js', '/etc/passwd']) {
      expect((await get(served.port, path)).status, path).toBe(404);
    }
  });

  it('allows only GET and HEAD', async () => {
    expect((await get(served.port, '/assets/app.js', {}, 'POST')).status).toBe(405);
    expect((await get(served.port, '/assets/app.js', {}, 'HEAD')).status).toBe(200);
  });
});

describe('browser mode: launch secret and session cookie', () => {
  const launchPath = (): string => {
    const url = new URL(served.launchUrl());
    return `${url.pathname}${url.search}`;
  };

  it('exchanges a launch secret for an HttpOnly, SameSite=Strict cookie and moves on to a URL without the secret', async () => {
    const path = launchPath();
    const launched = await anonymousGet(served.port, path);
    expect(launched.status).toBe(200);
    const setCookie = String(launched.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^xpci-session-${served.port}=[\\w-]{40,}; Path=/; HttpOnly; SameSite=Strict$`));
    expect(setCookie).not.toContain(new URL(path, served.origin).searchParams.get('secret')!);
    expect(launched.body).toContain('<meta http-equiv="refresh" content="0; url=/">');
    expect(String(launched.headers['content-security-policy'])).toContain("default-src 'none'");
    const cookie = setCookie.split(';')[0]!;
    expect((await anonymousGet(served.port, '/', { cookie })).status).toBe(200);
  });

  it('refuses a launch secret the second time', async () => {
    const path = launchPath();
    expect((await anonymousGet(served.port, path)).status).toBe(200);
    const again = await anonymousGet(served.port, path);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toMatch(/used already or has expired/);
  });

  it('refuses made-up secrets, and spends none on a foreign Host or a HEAD', async () => {
    expect((await anonymousGet(served.port, '/launch')).status).toBe(401);
    expect((await anonymousGet(served.port, '/launch?secret=made-up')).status).toBe(401);
    const path = launchPath();
    expect((await anonymousGet(served.port, path, { host: `evil.example:${served.port}` })).status).toBe(403);
    expect((await anonymousGet(served.port, path, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await anonymousGet(served.port, path, {}, 'HEAD')).status).toBe(405);
    expect((await anonymousGet(served.port, path)).status).toBe(200);
  });

  it('gives each launch its own session', async () => {
    const first = await signIn(served.launchUrl());
    const second = await signIn(served.launchUrl());
    expect(first).not.toBe(second);
    expect((await anonymousGet(served.port, '/', { cookie: first })).status).toBe(200);
    expect((await anonymousGet(served.port, '/', { cookie: second })).status).toBe(200);
  });
});

describe('browser mode: bridge WebSocket', () => {
  it('refuses a missing or wrong session cookie', async () => {
    expect(await upgradeStatus(bridgeUrl(served))).toBe(401);
    expect(await upgradeStatus(bridgeUrl(served), { cookie: served.cookie.replace(/=.*/, '=not-the-session') })).toBe(401);
    expect(await upgradeStatus(bridgeUrl(served), { cookie: served.cookie.slice(0, -1) })).toBe(401);
    // A secret in the URL, as older pages sent, is no way in.
    expect(await upgradeStatus(`${bridgeUrl(served)}?token=${served.cookie.split('=')[1]!}`)).toBe(401);
  });

  it('refuses a foreign Origin or Host with 403 even with the session cookie', async () => {
    expect(await upgradeStatus(bridgeUrl(served), { cookie: served.cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(bridgeUrl(served), { cookie: served.cookie, host: `attacker.example:${served.port}` })).toBe(403);
  });

  it('accepts the page origin with the session cookie and answers calls', async () => {
    const client = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie, origin: `http://127.0.0.1:${served.port}` });
    const answer = await client.call('getSession');
    expect(answer).toMatchObject({ result: { mode: 'live', paused: false } });
    client.close();
  });

  it('answers malformed requests with an error and keeps serving', async () => {
    const client = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const errors = async (send: () => Promise<void>): Promise<string> => {
      const before = client.messages.length;
      await send();
      const reply = await client.waitFor((m) => client.messages.indexOf(m) >= before && isError(m));
      return isError(reply) ? `${reply.error.code}: ${reply.error.message}` : '';
    };
    expect(await errors(() => client.sendRaw('not json'))).toMatch(/^bad-message: the request is not JSON/);
    expect(await errors(() => client.sendRaw(Buffer.from([1, 2, 3])))).toMatch(/^bad-message: .*binary/);
    expect(await errors(() => client.sendRaw('[1,2]'))).toMatch(/^bad-message: a request must be an object/);
    expect(await errors(() => client.sendRaw('{"method":"getSession"}'))).toMatch(/^bad-message: request id must be/);
    expect(await errors(() => client.sendRaw('{"id":1,"method":7}'))).toMatch(/^bad-message: request 1: method must be a string/);
    expect(await errors(() => client.call('rm -rf', []).then(() => undefined))).toMatch(/^unknown-method: unknown bridge method "rm -rf"/);
    expect(await errors(() => client.call('__proto__', []).then(() => undefined))).toMatch(/^unknown-method/);
    expect(await errors(() => client.call('getMessage', ['7']).then(() => undefined))).toMatch(/^bad-argument: getMessage: message id must be a positive integer/);
    expect(await errors(() => client.call('getMessage', [1, 'live', 3]).then(() => undefined))).toMatch(/^bad-argument: getMessage: expected 1 to 2 arguments, got 3/);
    expect(await errors(() => client.call('setPaused', 'yes' as never).then(() => undefined))).toMatch(/^bad-argument: setPaused: params must be an array/);
    expect(await errors(() => client.call('stopService', ['com.example.nope']).then(() => undefined))).toMatch(/no job labelled "com.example.nope"/);
    expect(await errors(() => client.call('unsubscribe', [99]).then(() => undefined))).toMatch(/^bad-argument: unsubscribe: no subscription 99/);
    expect(await errors(() => client.call('sendTestMessage', [{ service: 'x' }]).then(() => undefined))).toMatch(/^bad-argument: sendTestMessage: privileged must be/);
    // Still serving on the same socket, and to new ones.
    expect(await client.call('getSession')).toMatchObject({ result: { mode: 'live' } });
    const other = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    expect(await other.call('listJobs')).toMatchObject({ result: [] });
    other.close();
    client.close();
  });

  it('closes a socket that sends an oversized message (1009) and keeps serving others', async () => {
    const client = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    client.socket.send('x'.repeat(MAX_REQUEST_BYTES + 1));
    expect(await closed).toBe(1009);
    const other = await TestClient.connect(bridgeUrl(served), { cookie: served.cookie });
    expect(await other.call('getSession')).toMatchObject({ result: { mode: 'live' } });
    other.close();
  });
});
