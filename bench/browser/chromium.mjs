// W4/W5 in headless Chromium: serves the worktree (js/, dist/, bench/) on loopback, opens
// bench/browser/page.html and runs the same durable workloads against real IndexedDB.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const SERVED = ['/js/', '/dist/', '/bench/'];
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A static server on loopback for the repo's js/, dist/ and bench/ (and `pages`: path -> HTML). */
export function serveFiles(pages = {}) {
  return serveTree(ROOT, pages);
}

/** serveFiles for the tree at `root` (another worktree, for an A/B run). */
export function serveTree(root, pages = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (Object.hasOwn(pages, path)) return void res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
    if (!SERVED.some((p) => path.startsWith(p))) return void res.writeHead(404).end();
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** { w4: [ms per run], w5: [ms per run], version } from Chromium. */
export async function runInChromium(sizes) {
  const server = await serveFiles();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/bench/browser/page.html`);
    await page.waitForFunction(() => window.benchReady === true || undefined, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`bench page did not start: ${errors.join('; ')}`);
    });
    const out = await page.evaluate((s) => window.bench(s), sizes);
    return { ...out, version: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}
