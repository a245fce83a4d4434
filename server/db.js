// The two databases the store runs on, behind one small interface:
//   { kind: 'postgres' | 'pglite', query(text, params) -> { rows }, transaction(fn(q)) -> fn's
//     result (committed before it resolves; rolled back when fn throws),
//     listen(channel, onNotify) -> unlisten() | null, close() }
//
// openDatabase(target):
//   'postgres://…' | 'postgresql://…'  PostgreSQL through `pg` (a connection pool);
//   a folder path                       PGlite (embedded PostgreSQL, on disk in that folder);
//   undefined | 'memory://'             PGlite in memory (tests).
// `pg` and `@electric-sql/pglite` are imported only when used: the server's optional peers.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const isPostgresUrl = (target) => typeof target === 'string' && /^postgres(ql)?:\/\//.test(target);

export async function openDatabase(target, { poolSize = 10 } = {}) {
  if (isPostgresUrl(target)) return openPostgres(target, poolSize);
  if (target && target !== 'memory://') return openPGlite(target);
  return openMemory();
}

// In memory, every store of a process shares one PGlite (starting one costs seconds), each in
// its own schema: every statement runs in a transaction that first sets the search path, so
// stores never see each other's tables. Closing a store drops its schema; the shared PGlite is
// closed shortly after its last store (PGlite keeps a timer that would hold the process open),
// unless another store opens meanwhile.
let sharedMemory = null;
let memoryStores = 0;
let memoryCloser = null;
let memoryCount = 0;
async function openMemory() {
  clearTimeout(memoryCloser);
  memoryStores += 1;
  let db;
  try {
    sharedMemory ??= (async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      return PGlite.create({ loadDataDir: await pgliteTemplate(PGlite) });
    })();
    db = await sharedMemory;
  } catch (err) {
    sharedMemory = null;
    memoryStores -= 1;
    throw err;
  }
  const schema = `syncore_mem_${process.pid}_${++memoryCount}`;
  await db.exec(`CREATE SCHEMA ${schema}`);
  const inSchema = (fn) =>
    db.transaction(async (tx) => {
      await tx.query(`SET LOCAL search_path TO ${schema}`);
      return fn({ query: (text, params) => tx.query(text, params) });
    });
  let closed = false;
  return {
    kind: 'pglite',
    query: (text, params) => inSchema((q) => q.query(text, params)),
    transaction: inSchema,
    listen: async () => false,
    async close() {
      if (closed) return;
      closed = true;
      await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      if (--memoryStores > 0) return;
      memoryCloser = setTimeout(() => {
        if (memoryStores > 0) return;
        sharedMemory = null;
        db.close().catch(() => {});
      }, 250);
      memoryCloser.unref();
    },
  };
}

async function openPostgres(url, poolSize) {
  const { default: pg } = await import('pg');
  // bigint columns (cursors, versions) as numbers: they stay far below 2^53.
  const types = { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on('error', () => {}); // an idle client's connection dropped: the pool replaces it
  let listener = null;
  const handlers = new Map();
  return {
    kind: 'postgres',
    query: (text, params) => pool.query(text, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, params) => client.query(text, params) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    /** LISTEN on a dedicated connection; onError(err) when that connection is lost. */
    async listen(channel, onNotify, onError) {
      if (!listener) {
        listener = new pg.Client({ connectionString: url, types });
        listener.on('notification', (n) => handlers.get(n.channel)?.(n.payload));
        listener.on('error', (err) => onError?.(err));
        await listener.connect();
      }
      handlers.set(channel, onNotify);
      await listener.query(`LISTEN ${channel}`);
      return true;
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

// The installed PGlite's version, or null. Its package.json is not in its `exports`, so a
// require of '@electric-sql/pglite/package.json' throws (ERR_PACKAGE_PATH_NOT_EXPORTED): read the
// package.json of the folder its entry resolves into instead.
function pgliteVersion() {
  try {
    for (let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === '@electric-sql/pglite') return pkg.version ?? null;
    }
  } catch {}
  return null;
}

// initdb inside PGlite costs seconds; a fresh database is loaded from a template dump made once
// (kept in the temp folder across processes, keyed by the PGlite version).
let templatePromise = null;
async function pgliteTemplate(PGlite) {
  templatePromise ??= (async () => {
    const version = pgliteVersion();
    if (!version) {
      const fresh = await PGlite.create();
      const dump = await fresh.dumpDataDir('none');
      await fresh.close();
      return dump;
    }
    const file = join(tmpdir(), `syncore-pglite-template-${version}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const fresh = await PGlite.create();
    const dump = await fresh.dumpDataDir('none');
    await fresh.close();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
    return dump;
  })();
  return templatePromise;
}

async function openPGlite(dir) {
  const { PGlite } = await import('@electric-sql/pglite');
  const fresh = !dir || !existsSync(dir) || readdirSync(dir).length === 0;
  if (!fresh && !existsSync(join(dir, 'PG_VERSION'))) {
    const hint = existsSync(join(dir, 'snapshot.json')) || existsSync(join(dir, 'log.jsonl'))
      ? ': it holds the retired JSON-log store; import it into a new folder with node server/import_json_log.js'
      : '';
    throw new Error(`${dir} is not a PGlite data folder${hint}`);
  }
  if (dir) mkdirSync(dir, { recursive: true });
  const options = fresh ? { loadDataDir: await pgliteTemplate(PGlite) } : {};
  const db = dir ? await PGlite.create(dir, options) : await PGlite.create(options);
  // PGlite is one connection: transactions are serialised by it (db.transaction holds its lock).
  return {
    kind: 'pglite',
    query: (text, params) => db.query(text, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params) => tx.query(text, params) })),
    listen: async () => false, // one process per PGlite: local commits wake the feed directly
    close: () => db.close(),
  };
}
