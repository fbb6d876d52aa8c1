/**
 * Serves the built renderer (out/renderer) read-only: only files inside that directory, only
 * regular files, with a content type from a fixed list; anything else is a 404.
 */
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, relative, isAbsolute, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
}

/** The file a URL path names inside `root`, or undefined when there is none (or it escapes root). */
export function resolveStaticFile(root: string, urlPath: string): StaticFile | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const path = normalize(join(root, decoded));
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).some((part) => part.startsWith('.'))) return undefined;
  const contentType = CONTENT_TYPES[extname(path).toLowerCase()];
  if (contentType === undefined) return undefined;
  try {
    const stat = statSync(path);
    return stat.isFile() ? { path, size: stat.size, contentType } : undefined;
  } catch {
    return undefined;
  }
}

export function sendStaticFile(response: ServerResponse, file: StaticFile, headOnly: boolean): void {
  response.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.size });
  if (headOnly) {
    response.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
