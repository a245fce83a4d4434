// Starts the Django example project (server/django/example) under Daphne (tests, the demo):
//
//   const django = await startDjango({ database, redisUrl, env, settings, port, conformanceTokens });
//                                                    // migrate, (tokens), Daphne up
//   django.url     ws://127.0.0.1:<port>/sync        django.http   http://127.0.0.1:<port>
//   django.tokens  { writer, other, reader, expired }  (the conformance contract's users, when
//                  conformanceTokens is true: manage.py conformance_tokens)
//   django.manage(...args)   runs manage.py against the same database
//   await django.stop()
//
// database: { sqlite: '/path/file.sqlite3' } (default: a fresh file in a temp dir) or
// { url: 'postgres://…' }. A second startDjango with the same database shares it (pass
// migrate: false and the tokens of the first). Always Debian's /usr/bin/python3.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
const djangoDir = fileURLToPath(new URL('.', import.meta.url));
const exampleDir = join(djangoDir, 'example');

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function listening(port, child, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daphne exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daphne did not listen on ${port} within ${ms} ms`);
}

export async function startDjango({ database, redisUrl, env: extra = {}, migrate = true, tokens, conformanceTokens = false, settings = 'example.settings', port, host = '127.0.0.1' } = {}) {
  let tmp = null;
  if (!database) {
    tmp = await mkdtemp(join(tmpdir(), 'syncore-django-'));
    database = { sqlite: join(tmp, 'db.sqlite3') };
  }
  const env = {
    ...process.env,
    PYTHONPATH: [djangoDir, exampleDir].join(':'),
    DJANGO_SETTINGS_MODULE: settings,
    PYTHONDONTWRITEBYTECODE: '1',
    ...(database.url ? { SYNCORE_DATABASE_URL: database.url } : { SYNCORE_SQLITE: database.sqlite }),
    ...(redisUrl ? { SYNCORE_REDIS_URL: redisUrl } : {}),
    ...extra,
  };
  delete env.NODE_TEST_CONTEXT;
  const manage = async (...args) => (await run(PYTHON, [join(exampleDir, 'manage.py'), ...args], { env, cwd: exampleDir, maxBuffer: 1 << 24 })).stdout;
  if (migrate) await manage('migrate', '-v0');
  if (conformanceTokens) tokens ??= JSON.parse(await manage('conformance_tokens'));
  port ??= await freePort();
  const child = spawn(PYTHON, ['-m', 'syncore_django.serve', '-b', host, '-p', String(port), 'example.asgi:application'], {
    env,
    cwd: exampleDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => {
    log = (log + d).slice(-20_000);
  });
  await listening(port, child);
  return {
    url: `ws://127.0.0.1:${port}/sync`,
    http: `http://127.0.0.1:${port}`,
    port,
    tokens,
    database,
    manage,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (tmp) await rm(tmp, { recursive: true, force: true });
    },
  };
}
