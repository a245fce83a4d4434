// Runs the protocol conformance suite (tests/conformance/) against the reference server, exactly
// as it runs against any other: a child `node --test` process that knows only SYNC_URL and the
// tokens. The server here is configured with the suite's contract (tests/conformance/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyncServer } from '../../server/sync_server.js';
import { jwtAuthenticate } from '../../server/jwt.js';
import { startPostgres } from '../support/postgres.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const USERS = {
  'conf-token-writer': { id: 'conf-writer' },
  'conf-token-other': { id: 'conf-other' },
  'conf-token-reader': { id: 'conf-reader' },
  'conf-token-expired': { id: 'conf-writer', expired: true },
};

/** The contract's users and rules through the server's authenticate + authorize hooks. */
export const contract = {
  authenticate: (token) => {
    const user = USERS[token];
    return user ? { ...user, expiresAt: user.expired ? Date.now() - 1000 : null } : null;
  },
  authorize: {
    canRead: (user, collection, entity) => {
      if (collection === 'conf_secret') return user.id === 'conf-writer';
      if (collection === 'conf_private' && entity) return entity.data?.owner === user.id;
      return true;
    },
    canWrite: (user, collection) => user.id !== 'conf-reader' && (collection !== 'conf_secret' || user.id === 'conf-writer'),
  },
};

const SERVER_LIMITS = { helloTimeoutMs: 1000, headersTimeoutMs: 1000, maxConnectionsPerAddress: 24, maxMessagesPerSecond: 200 };

function runSuite(env) {
  // The child is a test run of its own, not a subtest of this one.
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

// The stores the reference server runs the suite on: PGlite in memory, PGlite in a folder, and a
// throwaway PostgreSQL cluster (tests/support/postgres.js).
const JWT_SECRET = 'conformance-secret-of-at-least-32-bytes';
const STATIC_TOKENS = {
  SYNC_TOKENS: JSON.stringify({ writer: 'conf-token-writer', other: 'conf-token-other', reader: 'conf-token-reader', expired: 'conf-token-expired' }),
};
const STORES = [
  { name: 'PGlite in memory', deflate: false, open: () => ({ options: {}, cleanup() {} }) },
  {
    // The same contract with JWTs: tokens signed by a SYNC_TOKENS_MODULE, verified by jose.
    name: 'PGlite in memory, JWT tokens',
    deflate: false,
    open: () => ({
      options: { authenticate: jwtAuthenticate({ secret: JWT_SECRET }) },
      env: { SYNC_TOKENS_MODULE: fileURLToPath(new URL('../conformance/jwt_tokens.example.js', import.meta.url)), SYNC_JWT_SECRET: JWT_SECRET },
      cleanup() {},
    }),
  },
  {
    name: 'PGlite on disk',
    deflate: true,
    open: () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'syncore-conformance-'));
      return { options: { dataDir }, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    deflate: false,
    open: async () => {
      const pg = await startPostgres({ fsync: false });
      return { options: { db: await pg.createDatabase() }, cleanup: () => pg.stop() };
    },
  },
];

for (const store of STORES) {
  test(`the conformance suite passes against the reference server (${store.name}, permessage-deflate ${store.deflate ? 'on' : 'off'})`, { timeout: 180_000 }, async (t) => {
    const { options, env = STATIC_TOKENS, cleanup } = await store.open();
    const srv = await startSyncServer({ ...contract, ...SERVER_LIMITS, ...options, perMessageDeflate: store.deflate, logger: { error() {} } });
    t.after(async () => {
      await srv.close();
      await cleanup();
    });
    const { code, out } = await runSuite({
      SYNC_URL: srv.url,
      ...env,
      SYNC_HELLO_TIMEOUT_MS: String(SERVER_LIMITS.helloTimeoutMs),
      SYNC_HEADERS_TIMEOUT_MS: String(SERVER_LIMITS.headersTimeoutMs),
      SYNC_MAX_CONNECTIONS_PER_ADDRESS: String(SERVER_LIMITS.maxConnectionsPerAddress),
      SYNC_DEFLATE: store.deflate ? '1' : '0',
    });
    const summary = out.split('\n').filter((l) => /^ℹ (tests|pass|fail)/.test(l)).join(', ');
    assert.equal(code, 0, `conformance suite failed (${summary}):\n${out.split('\n').filter((l) => /✖|Error|expected|actual|at .*conformance/.test(l)).slice(0, 80).join('\n')}`);
    assert.match(out, /ℹ fail 0/);
    assert.doesNotMatch(out, /ℹ pass 0\b/);
  });
}
