// A dependency-free static server for the demo: demo/ at /, the page's bundle (demo/dist/, made by
// demo/build.js) at /assets/, the repository's js/ at /js/ and dist/ at /dist/. Only GET and HEAD;
// nothing outside those roots is reachable.
//
//   node demo/serve.js            -> http://127.0.0.1:5173/  (PORT=8080 node demo/serve.js)
//   import { startDemoServer } from './serve.js';  const { url, close } = await startDemoServer();
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runningDirectly, portFromEnv } from './cli.js';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repoDir = fileURLToPath(new URL('..', import.meta.url));

/** URL prefix -> folder on disk. Longest prefixes first; '/' last. */
const MOUNTS = [
  { prefix: '/assets/', root: resolve(demoDir, 'dist') },
  { prefix: '/js/', root: resolve(repoDir, 'js') },
  { prefix: '/dist/', root: resolve(repoDir, 'dist') },
  { prefix: '/', root: resolve(demoDir) },
];

/** True when a file's real path (symlinks followed) still lies inside one of the mounts. */
async function insideMounts(file) {
  const real = await realpath(file);
  for (const { root } of MOUNTS) {
    const realRoot = await realpath(root).catch(() => null);
    if (realRoot && (real === realRoot || real.startsWith(realRoot + sep))) return true;
  }
  return false;
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Maps a request path to a file inside one of the mounts, or null when it does not belong to
 * any (bad encoding, NUL bytes, dot-segments or dotfiles, or a path that resolves outside).
 */
export function resolveRequestPath(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const mount = MOUNTS.find((m) => decoded === m.prefix.slice(0, -1) || decoded.startsWith(m.prefix));
  if (!mount) return null;
  const rest = decoded.slice(mount.prefix.length);
  // No '..', '.', or hidden segments: the server never needs them and they are how escapes start.
  if (rest.split('/').some((seg) => seg.startsWith('.'))) return null;
  const file = resolve(mount.root, rest);
  if (file !== mount.root && !file.startsWith(mount.root + sep)) return null;
  return file;
}

/** A request listener serving the demo's static files; usable inside another node:http server. */
export function createStaticHandler() {
  return async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'Method Not Allowed');
    }
    let pathname;
    try {
      pathname = new URL(req.url, 'http://localhost').pathname;
    } catch {
      return send(res, 400, 'Bad Request');
    }
    let file = resolveRequestPath(pathname);
    if (!file) return send(res, 404, 'Not Found');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile() || !(await insideMounts(file))) return send(res, 404, 'Not Found');
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') return res.end();
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (err) {
      if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return send(res, 404, 'Not Found');
      if (!res.headersSent) return send(res, 500, 'Internal Server Error');
      res.destroy();
    }
  };
}

/**
 * Starts the demo server; port 0 picks a free port. Resolves to { url, close() }. `before(req,
 * res)` -> true when it answered (e.g. the sync server's file endpoints), else the static files.
 */
export async function startDemoServer({ port = 0, host = '127.0.0.1', before = null } = {}) {
  const serveStatic = createStaticHandler();
  const server = createServer(async (req, res) => {
    if (before && (await before(req, res))) return;
    return serveStatic(req, res);
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address();
  const shownHost = address.family === 'IPv6' || address.family === 6 ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  return {
    url,
    server,
    close() {
      return new Promise((resolveClose, reject) => {
        server.close((err) => (err ? reject(err) : resolveClose()));
        server.closeAllConnections?.();
      });
    },
  };
}

if (runningDirectly(import.meta.url)) {
  const port = portFromEnv();
  const { url, close } = await startDemoServer({ port, host: '127.0.0.1' });
  console.log(`syncore demo: ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
