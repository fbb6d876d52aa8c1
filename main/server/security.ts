/**
 * Who may talk to browser mode. The server listens on 127.0.0.1 only; on top of that a request
 * must name this server in its Host header (so a DNS-rebound name is refused), carry an Origin
 * of this server when it carries one at all (so another site's page cannot open the bridge),
 * and carry the session cookie a one-time launch secret was exchanged for (launch-secrets.ts,
 * session-cookie.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The only interface browser mode binds to. */
export const LOOPBACK_HOST = '127.0.0.1';

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
