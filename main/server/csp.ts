/**
 * The Content-Security-Policy of the inspector UI. The renderer is a bundled app: scripts and
 * styles come only from its own origin, nothing inline, nothing evaluated, no frames, no
 * forms, no plugins. The only network use is browser mode's bridge WebSocket.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connectSources.length > 0 ? connectSources.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
