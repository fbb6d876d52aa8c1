/**
 * Who may talk to browser mode. The server listens on 127.0.0.1 only; on top of that a request
 * must name this server in its Host header (so a DNS-rebound name is refused), carry an Origin
 * of this server when it carries one at all (so another site's page cannot open the bridge),
 * and, for the page and the bridge, present the random token printed with the URL.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The only interface browser mode binds to. */
export const LOOPBACK_HOST = '127.0.0.1';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function allowedHosts(port: number): readonly string[] {
  return [`${LOOPBACK_HOST}:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): readonly string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

/** Why the request's Host/Origin headers are refused, or undefined when they are fine. */
export function headerRefusal(headers: IncomingHttpHeaders, port: number): string | undefined {
  const host = headers.host;
  if (host === undefined || !allowedHosts(port).includes(host.toLowerCase())) {
    return `Host header ${JSON.stringify(host ?? '')} is not this server (expected ${allowedHosts(port).join(' or ')})`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin.toLowerCase())) {
    return `Origin ${JSON.stringify(origin)} may not use this server (expected ${allowedOrigins(port).join(' or ')})`;
  }
  return undefined;
}
