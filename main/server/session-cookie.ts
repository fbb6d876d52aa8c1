/**
 * Browser-mode sessions: what a redeemed launch secret buys. Each session is a random token held
 * only in an HttpOnly, SameSite=Strict cookie (the page's scripts cannot read it, other sites'
 * pages cannot make the browser send it), never in a URL. The cookie's name carries the port, so
 * two servers on 127.0.0.1 do not overwrite each other's cookie.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sameText } from './launch-secrets';

/** Most sessions held at once (one per browser that was launched); more retire the oldest. */
export const MAX_SESSIONS = 16;

export class Sessions {
  private readonly tokens = new Set<string>();

  /** `fixed`: a session accepted from the start (tests restarting a server for the same page). */
  constructor(fixed?: string) {
    if (fixed !== undefined) this.tokens.add(fixed);
  }

  cookieName(port: number): string {
    return `xpci-session-${port}`;
  }

  /** A new session; the answer is its token, for the cookie. */
  open(): string {
    const token = randomBytes(32).toString('base64url');
    this.tokens.add(token);
    if (this.tokens.size > MAX_SESSIONS) this.tokens.delete(this.tokens.values().next().value!);
    return token;
  }

  /** The Set-Cookie value for a session: no Max-Age, so it ends when the browser does. */
  setCookie(port: number, token: string): string {
    return `${this.cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Whether the request carries the cookie of a session of this server. */
  authenticates(headers: IncomingHttpHeaders, port: number): boolean {
    const presented = cookieValue(headers.cookie, this.cookieName(port));
    if (presented === undefined) return false;
    let match = false;
    for (const token of this.tokens) match = sameText(presented, token) || match;
    return match;
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** The value of cookie `name` in a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
