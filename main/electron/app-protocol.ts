/**
 * The window loads the renderer from app://inspector/ instead of file://: a standard, secure
 * origin of its own, so the CSP's 'self' means exactly the bundled files, IPC senders can be
 * recognised by origin, and nothing else on disk is reachable.
 */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { contentSecurityPolicy } from '../server/csp';
import { resolveStaticFile } from '../server/static-files';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://inspector`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const headers = { 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' };
    const file = url.host === 'inspector' ? resolveStaticFile(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname) : undefined;
    if (file === undefined) return new Response(`${url.pathname} not found`, { status: 404, headers });
    return new Response(await readFile(file.path), { status: 200, headers: { ...headers, 'Content-Type': file.contentType } });
  });
}
