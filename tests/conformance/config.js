// The conformance suite's view of the server under test: only a URL, tokens and the limits the
// server announces or the environment states. Nothing here imports server code, so the suite
// runs unchanged against any implementation of docs/protocol.md (README.md: the contract).
//
//   SYNC_URL=ws://host:port/sync                          required
//   SYNC_TOKENS='{"writer":"…","other":"…","reader":"…","expired":"…"}'   or
//   SYNC_TOKENS_MODULE=/path/to/tokens.js  (default export: async () => ({ writer, other, … }))
//   SYNC_BAD_TOKEN [conformance-invalid-token]
//   SYNC_MAX_MESSAGE_BYTES [1048576], SYNC_MAX_BATCH [1000], SYNC_MAX_DEPTH [64],
//   SYNC_MAX_SUBSCRIPTIONS [1000], SYNC_MAX_CONNECTIONS_PER_ADDRESS [256],
//   SYNC_HELLO_TIMEOUT_MS [10000], SYNC_HEADERS_TIMEOUT_MS [10000], SYNC_DEFLATE [0: not offered]
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const env = process.env;

if (!env.SYNC_URL) {
  throw new Error('conformance: set SYNC_URL=ws://host:port/path (and SYNC_TOKENS); see tests/conformance/README.md');
}

export const url = env.SYNC_URL;
const int = (name, fallback) => (env[name] === undefined ? fallback : Number.parseInt(env[name], 10));

export const limits = {
  maxMessageBytes: int('SYNC_MAX_MESSAGE_BYTES', 1 << 20),
  maxBatch: int('SYNC_MAX_BATCH', 1000),
  maxDepth: int('SYNC_MAX_DEPTH', 64),
  maxSubscriptions: int('SYNC_MAX_SUBSCRIPTIONS', 1000),
  maxConnectionsPerAddress: int('SYNC_MAX_CONNECTIONS_PER_ADDRESS', 256),
  helloTimeoutMs: int('SYNC_HELLO_TIMEOUT_MS', 10_000),
  headersTimeoutMs: int('SYNC_HEADERS_TIMEOUT_MS', 10_000),
  deflate: env.SYNC_DEFLATE === '1',
};

async function loadTokens() {
  if (env.SYNC_TOKENS_MODULE) {
    const mod = await import(pathToFileURL(env.SYNC_TOKENS_MODULE).href);
    return (await (mod.default ?? mod.tokens)()) ?? {};
  }
  return env.SYNC_TOKENS ? JSON.parse(env.SYNC_TOKENS) : {};
}

/** { writer, other, reader, expired? }: tokens of three users and an expired one of the writer. */
export const tokens = await loadTokens();
for (const role of ['writer', 'other', 'reader'])
  if (typeof tokens[role] !== 'string') throw new Error(`conformance: no token for "${role}" (SYNC_TOKENS / SYNC_TOKENS_MODULE)`);
export const badToken = env.SYNC_BAD_TOKEN ?? 'conformance-invalid-token';

/** The contract's collections (README.md). */
export const C = { items: 'conf_items', secret: 'conf_secret', private: 'conf_private' };

// Every run uses fresh client ids and entity ids: the suite can run again on the same database.
const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
let n = 0;
/** A client id unique to this run. */
export const clientId = (label = 'c') => `conf-${run}-${label}-${++n}`;
/** An entity id unique to this run (a kept id: not "tmp-…"). */
export const entityId = (label = 'e') => `${label}-${run}-${++n}`;
