// The demo gradebook page (demo/) against the Django back end: `npm run demo:django`.
//
//   node server/django/demo.js     -> http://127.0.0.1:5173/  (the page; /sync goes to Daphne)
//   PORT=8080 SYNCORE_DJANGO_DATA=/tmp/x node server/django/demo.js
//
// Builds the page (demo/build.js), starts Daphne serving server/django/example with
// example.settings_demo (SQLite in server/django/.demo-data/ unless SYNCORE_DATABASE_URL is set), seeds
// an empty database with the page's class, and serves the page on one port with /sync passed
// through to Daphne, so the page's `ws://<its host>/sync` reaches the Django consumer.
//
//   import { startDjangoDemo } from './server/django/demo.js';   // tests
//   const demo = await startDjangoDemo({ port: 0, dataDir });      // { url, syncUrl, seeded, close }
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { buildDemo } from '../../demo/build.js';
import { startDemoServer } from '../../demo/serve.js';
import { portFromEnv, runningDirectly } from '../../demo/cli.js';
import { ASSESSMENTS, SEED_STUDENTS } from '../../demo/src/gradebook.js';
import { PYTHON, startDjango } from './launch.js';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('./.demo-data', import.meta.url));
const exampleDir = fileURLToPath(new URL('./example', import.meta.url));

function seed(env) {
  return new Promise((resolveSeed, reject) => {
    const child = spawn(PYTHON, [join(exampleDir, 'manage.py'), 'seed_demo'], { env, cwd: exampleDir, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveSeed(Number.parseInt(out, 10)) : reject(new Error(`seed_demo exited with ${code}`))));
    child.stdin.end(JSON.stringify({ students: SEED_STUDENTS, assessments: ASSESSMENTS }));
  });
}

/** Passes a WebSocket upgrade on `path` through to the Daphne port, bytes as they are. */
function proxyUpgrades(server, path, targetPort) {
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://x').pathname !== path) return socket.destroy();
    const upstream = connect(targetPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head?.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const drop = () => (upstream.destroy(), socket.destroy());
    upstream.on('error', drop);
    socket.on('error', drop);
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
}

export async function startDjangoDemo({ port = 0, host = '127.0.0.1', dataDir = DEFAULT_DATA_DIR, build = true, database } = {}) {
  const built = build ? await buildDemo({ minify: true }) : null;
  if (!database) {
    mkdirSync(dataDir, { recursive: true });
    database = process.env.SYNCORE_DATABASE_URL ? { url: process.env.SYNCORE_DATABASE_URL } : { sqlite: resolve(dataDir, 'db.sqlite3') };
  }
  const env = { SYNCORE_DEMO_ASSESSMENTS: ASSESSMENTS.map((a) => a.id).join(',') };
  const django = await startDjango({ database, settings: 'example.settings_demo', env });
  let page;
  try {
    const seeded = await seed({
      ...process.env,
      PYTHONPATH: [fileURLToPath(new URL('.', import.meta.url)), exampleDir].join(':'),
      DJANGO_SETTINGS_MODULE: 'example.settings_demo',
      ...(database.url ? { SYNCORE_DATABASE_URL: database.url } : { SYNCORE_SQLITE: database.sqlite }),
      ...env,
    });
    page = await startDemoServer({ port, host });
    proxyUpgrades(page.server, '/sync', django.port);
    return {
      url: page.url,
      syncUrl: page.url.replace(/^http/, 'ws').replace(/\/?$/, '/sync'),
      seeded,
      build: built,
      django,
      async close() {
        await django.stop(); // first: it ends the proxied sockets the page server would wait for
        await page.close();
      },
    };
  } catch (err) {
    await page?.close().catch(() => {});
    await django.stop();
    throw err;
  }
}

if (runningDirectly(import.meta.url)) {
  const demo = await startDjangoDemo({ port: portFromEnv(), host: process.env.HOST || '127.0.0.1', dataDir: resolve(process.env.SYNCORE_DJANGO_DATA || DEFAULT_DATA_DIR) });
  if (demo.seeded) console.log(`seeded:       ${demo.seeded} entities (a new database)`);
  console.log(`syncore demo: ${demo.url}   (Django + Channels under Daphne behind /sync)`);
  const stop = () => demo.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
