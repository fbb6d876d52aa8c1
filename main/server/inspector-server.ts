/**
 * Browser mode's server: the built renderer over HTTP and the bridge over a WebSocket, both on
 * 127.0.0.1 only. A browser gets in with a one-time launch URL (/launch?secret=…), which is
 * exchanged for an HttpOnly, SameSite=Strict session cookie and then leaves for `/`, so no
 * secret stays in the address bar or history. Everything else (page, assets, source maps,
 * bridge, uploads, downloads) needs that cookie; every request must name this server in Host
 * (and Origin, when present); pages get a strict CSP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { BRIDGE_SOCKET_PATH, DOWNLOAD_PATH_PREFIX, MAX_REQUEST_BYTES, UPLOAD_PATH } from '../../app/bridge/protocol';
import type { BridgeHost } from '../host/bridge-host';
import { serveBridgeSocket } from './bridge-socket';
import { contentSecurityPolicy } from './csp';
import { DownloadTickets, receiveUpload } from './file-transfer';
import { DEFAULT_LAUNCH_TTL_MS, LaunchSecrets } from './launch-secrets';
import { headerRefusal, LOOPBACK_HOST } from './security';
import { Sessions } from './session-cookie';
import { resolveStaticFile, sendStaticFile } from './static-files';

export interface InspectorServerOptions {
  readonly host: BridgeHost;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Only 127.0.0.1 is accepted; the option exists so a wrong value fails loudly. */
  readonly hostname?: string;
  /** How long an unused launch secret stays valid (default DEFAULT_LAUNCH_TTL_MS). */
  readonly launchTtlMs?: number;
  /** A session token accepted from the start (tests restarting a server under a page). */
  readonly session?: string;
  readonly log?: (line: string) => void;
}

export interface InspectorServer {
  /** http://127.0.0.1:PORT/ — no secret in it; a browser without the session cookie is refused. */
  readonly origin: string;
  readonly port: number;
  /** The address actually bound (always 127.0.0.1). */
  readonly address: string;
  /** A fresh one-time launch URL (http://127.0.0.1:PORT/launch?secret=…), good for one browser. */
  launchUrl(): string;
  close(): Promise<void>;
}

/** Where a launch secret is exchanged for the session cookie. */
export const LAUNCH_PATH = '/launch';

const NO_SESSION = 'This needs a browser-mode session: open the one-time URL printed by `xpc-inspector serve` (press Enter there for a new one).';

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // No URL of this server is anyone else's business.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
} as const;

export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const hostname = options.hostname ?? LOOPBACK_HOST;
  if (hostname !== LOOPBACK_HOST) {
    throw new Error(`browser mode listens on ${LOOPBACK_HOST} only; refusing to bind ${JSON.stringify(hostname)}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer from 0 to 65535, got ${port}`);
  const launches = new LaunchSecrets(options.launchTtlMs ?? DEFAULT_LAUNCH_TTL_MS);
  const sessions = new Sessions(options.session);
  const log = options.log ?? ((line: string) => console.warn(`xpc-inspector serve: ${line}`));
  const indexFile = join(options.rendererDir, 'index.html');

  // Exports of this page become one-time downloads; files to open arrive as uploads.
  const downloads = new DownloadTickets();
  options.host.useFileAccess(downloads.fileAccess());

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, perMessageDeflate: false });
  sockets.on('connection', (socket) => serveBridgeSocket(socket, options.host, log));

  let boundPort = 0;
  const server = createServer((request, response) => {
    try {
      handleHttp(request, response);
    } catch (error) {
      // The path only: a query may hold a launch secret, which must not reach a log.
      log(`request ${pathOf(request.url)} failed: ${(error as Error).message}`);
      if (!response.headersSent) reply(response, 500, 'internal error');
      else response.destroy();
    }
  });

  const handleHttp = (request: IncomingMessage, response: ServerResponse): void => {
    const refusal = headerRefusal(request.headers, boundPort);
    if (refusal !== undefined) return reply(response, 403, refusal);
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${boundPort}`);
    if (url.pathname === LAUNCH_PATH) return handleLaunch(request, response, url);
    if (!sessions.authenticates(request.headers, boundPort)) {
      request.resume();
      return reply(response, 401, NO_SESSION);
    }
    if (url.pathname === UPLOAD_PATH || url.pathname.startsWith(DOWNLOAD_PATH_PREFIX)) return handleTransfer(request, response, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(response, 405, `${request.method ?? ''} is not allowed`);
    }
    const headOnly = request.method === 'HEAD';
    setSecurityHeaders(response);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!existsSync(indexFile)) return reply(response, 503, `the renderer is not built (${indexFile} is missing); run \`npm run build\``);
      const file = resolveStaticFile(options.rendererDir, '/index.html');
      if (file === undefined) return reply(response, 503, `cannot read ${indexFile}`);
      return sendStaticFile(response, file, headOnly);
    }
    const file = resolveStaticFile(options.rendererDir, url.pathname);
    if (file === undefined) return reply(response, 404, `${url.pathname} not found`);
    sendStaticFile(response, file, headOnly);
  };

  /**
   * GET /launch?secret=…: a pending secret becomes a session cookie, and the answer is a page
   * that moves on to `/` (a same-site navigation, so the SameSite=Strict cookie goes with it
   * even when the launch itself came from a file:// page or the address bar).
   */
  const handleLaunch = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    request.resume();
    if (request.method !== 'GET') {
      response.setHeader('Allow', 'GET');
      return reply(response, 405, `${request.method ?? ''} is not allowed on ${LAUNCH_PATH}`);
    }
    if (!launches.redeem(url.searchParams.get('secret'))) {
      return reply(response, 401, 'This launch link was used already or has expired (each one opens one browser, once). Open a new one: press Enter where `xpc-inspector serve` runs, or restart it.');
    }
    log('a browser used a launch URL and holds a session now');
    setSecurityHeaders(response);
    const body = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><meta http-equiv="refresh" content="0; url=/"><title>XPC Inspector</title><a href="/">Open XPC Inspector</a>\n';
    response.writeHead(200, {
      'Set-Cookie': sessions.setCookie(boundPort, sessions.open()),
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  };

  /** Uploads (POST) and downloads (GET), both only with the session cookie (checked above). */
  const handleTransfer = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) response.setHeader(name, value);
    const upload = url.pathname === UPLOAD_PATH;
    const allowed = upload ? 'POST' : 'GET';
    if (request.method !== allowed) {
      request.resume();
      response.setHeader('Allow', allowed);
      return reply(response, 405, `${request.method ?? ''} is not allowed on ${url.pathname}`);
    }
    const done = upload
      ? receiveUpload(request, response, options.host.captures.files, url.searchParams.get('name'))
      : downloads.serve(url.pathname.slice(DOWNLOAD_PATH_PREFIX.length), response, log);
    done.catch((error: unknown) => {
      log(`${url.pathname} failed: ${(error as Error).message}`);
      if (!response.headersSent) reply(response, 500, 'internal error');
      else response.destroy();
    });
  };

  const setSecurityHeaders = (response: ServerResponse): void => {
    // 'self': the page uploads files to open with fetch (UPLOAD_PATH).
    const sources = [`ws://${LOOPBACK_HOST}:${boundPort}`, `ws://localhost:${boundPort}`, "'self'"];
    response.setHeader('Content-Security-Policy', contentSecurityPolicy(sources));
    for (const [name, value] of Object.entries(COMMON_HEADERS)) response.setHeader(name, value);
  };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = headerRefusal(request.headers, boundPort);
    if (refusal !== undefined) return refuseUpgrade(socket, 403, refusal);
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${boundPort}`);
    if (url.pathname !== BRIDGE_SOCKET_PATH) return refuseUpgrade(socket, 404, `no WebSocket at ${url.pathname}`);
    if (!sessions.authenticates(request.headers, boundPort)) return refuseUpgrade(socket, 401, 'no session cookie of this server');
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  boundPort = bound.port;
  server.on('error', (error) => log(`server error: ${error.message}`));

  const origin = `http://${LOOPBACK_HOST}:${boundPort}`;
  return {
    origin: `${origin}/`,
    port: boundPort,
    address: bound.address,
    launchUrl: () => `${origin}${LAUNCH_PATH}?secret=${launches.mint()}`,
    close: async () => {
      launches.clear();
      sessions.clear();
      downloads.dispose();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pathOf(requestUrl: string | undefined): string {
  return (requestUrl ?? '/').split('?')[0]!;
}

function reply(response: ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...COMMON_HEADERS });
  response.end(body);
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found';
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
