// Growth: N mutations through the store on a throwaway PostgreSQL (or a PGlite folder), then the
// disk bytes per mutation (the syncore_ tables with their indexes and TOAST), before and after
// compaction, the catch-up latency and the store's open (restart) time.
//
//   node tests/load/growth.js [--mutations 100000] [--entities 10000] [--batch 100] [--pglite]
//
// The workload: every mutation writes a ~36-byte JSON payload ({"title":"…","n":…}); creates
// until `entities` exist, then updates of random entities (merge patches), in pushes of `batch`
// mutations (one transaction each), keys "c<k>:<n>" from 50 clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../server/store.js';
import { startPostgres } from '../support/postgres.js';

const { values } = parseArgs({
  options: {
    mutations: { type: 'string', default: '100000' },
    entities: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
    pglite: { type: 'boolean', default: false },
  },
});
const N = Number(values.mutations);
const ENTITIES = Number(values.entities);
const BATCH = Number(values.batch);

const cluster = values.pglite ? null : await startPostgres();
const folder = values.pglite ? mkdtempSync(join(tmpdir(), 'syncore-growth-')) : null;
const db = cluster ? await cluster.createDatabase() : folder;
const TABLES = ['syncore_meta', 'syncore_entities', 'syncore_changes', 'syncore_answers', 'syncore_clients', 'syncore_counters'];

async function bytes(store) {
  const { rows } = await store.database.query(
    `SELECT ${TABLES.map((t) => `pg_total_relation_size('${t}')`).join(' + ')} AS total,
            pg_total_relation_size('syncore_changes') AS changes, pg_total_relation_size('syncore_answers') AS answers,
            pg_total_relation_size('syncore_entities') AS entities`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}

let store = await openStore({ db });
const base = await bytes(store);
let seq = 0;
let rng = 12345;
const random = (n) => ((rng = (rng * 1103515245 + 12345) % 2 ** 31), rng % n);
const started = Date.now();
let created = 0;
for (let done = 0; done < N; ) {
  const size = Math.min(BATCH, N - done);
  await store.transaction(async (tx) => {
    tx.unguarded = true; // as the server's fast path (server/push.js)
    for (let i = 0; i < size; i++) {
      const key = `c${seq % 50}:${++seq}`;
      const m = created < ENTITIES
        ? { key, collection: 'todos', id: `t${++created}`, kind: 'create', data: { title: `todo ${created}`, n: 0 }, baseVersion: -1, ts: null }
        : null;
      if (m) await tx.apply(m);
      else {
        const id = `t${1 + random(ENTITIES)}`;
        const current = await tx.get('todos', id);
        await tx.apply({ key, collection: 'todos', id, kind: 'update', data: { title: `todo ${id} edit`, n: seq }, baseVersion: current.version, ts: null });
      }
    }
  });
  done += size;
  if (done % 10000 === 0) process.stderr.write(`${done} mutations, ${Math.round(done / ((Date.now() - started) / 1000))}/s\n`);
}
const writeSecs = (Date.now() - started) / 1000;
await store.database.query('ANALYZE');
const grown = await bytes(store);
const time = async (fn) => {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, out];
};
const [fullChunkMs] = await time(() => store.changesSince(0, { limit: 500, collections: ['todos'] }));
const head = await store.headCursor();
const [tailChunkMs] = await time(() => store.changesSince(head - 100, { limit: 500, collections: ['todos'] }));
const compacted = await store.compact();
await store.database.query('VACUUM FULL');
const afterCompaction = await bytes(store);
await store.close();
const [openMs, reopened] = await time(() => openStore({ db }));
await reopened.close();

const per = (b) => Math.round((b.total - base.total) / N);
console.log(JSON.stringify({
  database: cluster ? 'postgresql 15' : 'pglite',
  mutations: N,
  entities: ENTITIES,
  batch: BATCH,
  mutationsPerSecond: Math.round(N / writeSecs),
  bytesPerMutation: per(grown),
  bytesPerMutationAfterCompaction: per(afterCompaction),
  tables: { grown, afterCompaction },
  compacted,
  catchUpMs: { firstChunkFromZero: Math.round(fullChunkMs), chunkNearHead: Math.round(tailChunkMs) },
  openMs: Math.round(openMs),
}, null, 2));
await cluster?.stop();
if (folder) rmSync(folder, { recursive: true, force: true });
