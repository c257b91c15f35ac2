import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** Content types of the files a Vite build emits. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

/** A running static server and the URL its files are served under. */
export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the files of `dir` under `http://127.0.0.1:<port><prefix>` (a sub-path, as a static
 * host like GitHub Pages would), with plain `Content-Type`s and no special headers; `/` of
 * the prefix gives `index.html`. Anything outside `dir` or the prefix is a 404.
 */
export async function serveStatic(dir: string, prefix: string): Promise<StaticServer> {
  const root = normalize(dir);
  /** The file a request path names, or null (outside the prefix or `dir`, or missing). */
  const fileOf = (path: string): { file: string; size: number } | null => {
    if (!path.startsWith(prefix)) return null;
    const file = normalize(join(root, path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(root + sep)) return null;
    try {
      const stats = statSync(file);
      return stats.isFile() ? { file, size: stats.size } : null;
    } catch {
      return null;
    }
  };
  const server: Server = createServer((request, response) => {
    const found = fileOf(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    if (found === null) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(found.file)] ?? 'application/octet-stream',
      'Content-Length': found.size,
    });
    createReadStream(found.file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
