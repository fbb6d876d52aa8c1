/**
 * Browser mode's server: the built renderer over HTTP and the bridge over a WebSocket, both on
 * 127.0.0.1 only. The page and the bridge need the random token of the printed URL; every
 * request must name this server in Host (and Origin, when present); pages get a strict CSP.
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
import { headerRefusal, LOOPBACK_HOST, newToken, tokenMatches } from './security';
import { resolveStaticFile, sendStaticFile } from './static-files';

export interface InspectorServerOptions {
  readonly host: BridgeHost;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Only 127.0.0.1 is accepted; the option exists so a wrong value fails loudly. */
  readonly hostname?: string;
  /** A fixed token (tests); by default a fresh random one. */
  readonly token?: string;
  readonly log?: (line: string) => void;
}

export interface InspectorServer {
  /** http://127.0.0.1:PORT/?token=… — what to open. */
  readonly url: string;
  readonly port: number;
  /** The address actually bound (always 127.0.0.1). */
  readonly address: string;
  readonly token: string;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page URL; it must never leave in a Referer.
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
  const token = options.token ?? newToken();
  const log = options.log ?? ((line: string) => console.warn(`xpc-inspector serve: ${line}`));
  const indexFile = join(options.rendererDir, 'index.html');

  // Exports of this page become one-time downloads; files to open arrive as uploads.
  const downloads = new DownloadTickets(() => token);
  options.host.useFileAccess(downloads.fileAccess());

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, perMessageDeflate: false });
  sockets.on('connection', (socket) => serveBridgeSocket(socket, options.host, log));

  let boundPort = 0;
  const server = createServer((request, response) => {
    try {
      handleHttp(request, response);
    } catch (error) {
      log(`request ${request.url ?? ''} failed: ${(error as Error).message}`);
      if (!response.headersSent) reply(response, 500, 'internal error');
      else response.destroy();
    }
  });

  const handleHttp = (request: IncomingMessage, response: ServerResponse): void => {
    const refusal = headerRefusal(request.headers, boundPort);
    if (refusal !== undefined) return reply(response, 403, refusal);
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${boundPort}`);
    if (url.pathname === UPLOAD_PATH || url.pathname.startsWith(DOWNLOAD_PATH_PREFIX)) return handleTransfer(request, response, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(response, 405, `${request.method ?? ''} is not allowed`);
    }
    const headOnly = request.method === 'HEAD';
    setSecurityHeaders(response);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!tokenMatches(url.searchParams.get('token'), token)) {
        return reply(response, 401, 'This page needs the token of the URL printed by `xpc-inspector serve`.');
      }
      if (!existsSync(indexFile)) return reply(response, 503, `the renderer is not built (${indexFile} is missing); run \`npm run build\``);
      const file = resolveStaticFile(options.rendererDir, '/index.html');
      if (file === undefined) return reply(response, 503, `cannot read ${indexFile}`);
      return sendStaticFile(response, file, headOnly);
    }
    const file = resolveStaticFile(options.rendererDir, url.pathname);
    if (file === undefined) return reply(response, 404, `${url.pathname} not found`);
    sendStaticFile(response, file, headOnly);
  };

  /** Uploads (POST) and downloads (GET), both only with the token. */
  const handleTransfer = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) response.setHeader(name, value);
    if (!tokenMatches(url.searchParams.get('token'), token)) {
      request.resume();
      return reply(response, 401, 'missing or wrong token');
    }
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
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuseUpgrade(socket, 401, 'missing or wrong token');
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

  return {
    url: `http://${LOOPBACK_HOST}:${boundPort}/?token=${token}`,
    port: boundPort,
    address: bound.address,
    token,
    close: async () => {
      downloads.dispose();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
