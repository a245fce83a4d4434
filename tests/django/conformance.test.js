// The protocol conformance suite (tests/conformance/) against the Django app: Daphne serving
// server/django/example, on SQLite and on PostgreSQL, exactly as the suite runs against the
// reference server: a child `node --test` that knows only SYNC_URL and the tokens (real JS
// clients over real sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDjango } from './daphne.js';
import { startPostgres } from '../support/postgres.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The limits the suite is told about are the ones the app is configured with.
const LIMITS = { helloTimeoutMs: 1000, headersTimeoutMs: 1000, maxConnectionsPerAddress: 24 };
const SERVER_ENV = {
  SYNCORE_HELLO_TIMEOUT_MS: String(LIMITS.helloTimeoutMs),
  SYNCORE_HEADERS_TIMEOUT_S: String(LIMITS.headersTimeoutMs / 1000),
  SYNCORE_MAX_CONNECTIONS_PER_ADDRESS: String(LIMITS.maxConnectionsPerAddress),
};

function runSuite(env) {
  const { NODE_TEST_CONTEXT: _nested, ...parentEnv } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', 'tests/conformance/'], {
      cwd: root,
      env: { ...parentEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function conformance(django) {
  const { code, out } = await runSuite({
    SYNC_URL: django.url,
    SYNC_TOKENS: JSON.stringify(django.tokens),
    SYNC_HELLO_TIMEOUT_MS: String(LIMITS.helloTimeoutMs),
    SYNC_HEADERS_TIMEOUT_MS: String(LIMITS.headersTimeoutMs),
    SYNC_MAX_CONNECTIONS_PER_ADDRESS: String(LIMITS.maxConnectionsPerAddress),
    SYNC_DEFLATE: '0',
  });
  const summary = out.split('\n').filter((l) => /^ℹ (tests|pass|fail)/.test(l)).join(', ');
  const failures = out.split('\n').filter((l) => /✖|Error|expected|actual/.test(l)).slice(0, 80).join('\n');
  assert.equal(code, 0, `conformance suite failed against Django (${summary}):\n${failures}\n--- daphne log ---\n${django.log().slice(-4000)}`);
  assert.match(out, /ℹ fail 0/);
  assert.doesNotMatch(out, /ℹ pass 0\b/);
}

test('the conformance suite passes against Django + Channels under Daphne (SQLite)', { timeout: 300_000 }, async (t) => {
  const django = await startDjango({ env: SERVER_ENV });
  t.after(() => django.stop());
  await conformance(django);
});

test('the conformance suite passes against Django + Channels under Daphne (PostgreSQL)', { timeout: 300_000 }, async (t) => {
  const pg = await startPostgres({ fsync: false });
  t.after(() => pg.stop());
  const django = await startDjango({ database: { url: await pg.createDatabase() }, env: SERVER_ENV });
  t.after(() => django.stop());
  await conformance(django);
});
