// The server's database in the simulation: one PGlite in memory for the whole process (starting
// one costs seconds), one schema per seed. server/db.js's in-memory mode shares a PGlite between
// the stores of a process too, but wraps every statement in a transaction that sets the search
// path (four statements for one); a simulation runs one seed at a time, so here the search path
// is set once per seed for the session, and statements go straight to PGlite.
// Opened and closed on real timers, before and after a seed's virtual time.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let pglite = null;
let seeds = 0;

async function shared() {
  pglite ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    // server/db.js keeps a dump of a fresh database in the temp folder (initdb costs seconds).
    let version = null;
    try {
      version = createRequire(import.meta.url)('@electric-sql/pglite/package.json').version;
    } catch {}
    const template = version && join(tmpdir(), `syncore-pglite-template-${version}.tar`);
    if (template && existsSync(template)) return PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) });
    return PGlite.create();
  })();
  return pglite;
}

/** A fresh, empty database for one seed: { kind, query, transaction, listen, close }. */
export async function openSeedDatabase() {
  const db = await shared();
  const schema = `sim_${process.pid}_${++seeds}`;
  await db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  return {
    kind: 'pglite',
    query: (text, params) => db.query(text, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params) => tx.query(text, params) })),
    listen: async () => false, // one process: local commits wake the feed directly
    async close() {
      await db.exec(`RESET search_path; DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** Closes the process's PGlite (it keeps a timer that would hold the process open). */
export async function closeSimDatabases() {
  const p = pglite;
  pglite = null;
  if (p) await (await p).close();
}
