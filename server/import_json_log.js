// One-shot import of a data folder the retired JSON-log store wrote (snapshot.json + log.jsonl)
// into a SQL store (server/store.js). Reads the snapshot, replays the log records it does not
// cover by sequence number (a torn last line is ignored, as that store did on open; a corrupt
// line followed by good ones is an error), then writes entities, the change log, answers
// (without entity data), client owners and id counters in one transaction, keeping cursors.
// Refuses a store that already has changes.
//
//   node server/import_json_log.js <old data folder> <pglite folder | postgres://…>
//   await importJsonLog(folder, store) -> { entities, changes, answers, clients, cursor }
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlainObject } from './mutation.js';
import { openStore } from './store.js';

/** The old store's state after snapshot + log replay. */
export function readJsonLog(dir) {
  const state = { cursor: 0, seq: 0, idFields: {}, counters: {}, entities: new Map(), changes: [], answers: new Map(), clients: new Map() };
  const snapFile = join(dir, 'snapshot.json');
  if (existsSync(snapFile)) {
    const snap = JSON.parse(readFileSync(snapFile, 'utf8'));
    if (snap?.format !== 'syncore-store' || snap.version !== 1) throw new Error(`${snapFile} is not a syncore store snapshot (version 1)`);
    state.seq = snap.seq;
    state.cursor = snap.cursor;
    state.idFields = snap.idFields ?? {};
    state.counters = { ...snap.counters };
    for (const [collection, list] of Object.entries(snap.collections)) for (const e of list) state.entities.set(`${collection}\u0000${e.id}`, { collection, ...e });
    state.changes = snap.changes;
    state.answers = new Map(snap.answers);
    state.clients = new Map(snap.clients ?? []);
  }
  const logFile = join(dir, 'log.jsonl');
  if (existsSync(logFile)) {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    let bad = 0;
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      let record = null;
      try {
        record = JSON.parse(text);
      } catch {}
      const ok = isPlainObject(record) && Number.isInteger(record.seq) && (typeof record.key === 'string' || isPlainObject(record.claim));
      if (!ok) {
        bad ||= i + 1;
        return;
      }
      if (bad) throw new Error(`${logFile}: line ${bad} is corrupt but later lines are not; refusing to guess`);
      if (record.seq <= state.seq) return;
      if (record.seq !== state.seq + 1) throw new Error(`${logFile}: record ${record.seq} follows ${state.seq}; a record is missing`);
      state.seq = record.seq;
      if (record.claim) return state.clients.set(record.claim.clientId, record.claim.userId ?? null);
      const ch = record.change;
      if (ch) {
        if (record.counter !== undefined) state.counters[ch.collection] = record.counter;
        state.entities.set(`${ch.collection}\u0000${ch.id}`, { collection: ch.collection, id: ch.id, version: ch.version, data: ch.data, deleted: ch.op === 'delete', cursor: ch.cursor });
        state.changes.push(ch);
        state.cursor = ch.cursor;
      }
      state.answers.set(record.key, { answer: record.answer, userId: record.userId ?? null, collection: record.collection ?? null });
    });
  }
  return state;
}

/** Imports `dir` into `store` (an open SyncStore with no changes yet). */
export async function importJsonLog(dir, store) {
  const state = readJsonLog(dir);
  const db = store.database;
  await db.transaction(async (q) => {
    const { rows } = await q.query('SELECT cursor FROM syncore_meta FOR UPDATE');
    const { rows: any } = await q.query('SELECT 1 FROM syncore_entities LIMIT 1');
    if (Number(rows[0].cursor) !== 0 || any.length) throw new Error('the target store is not empty; import into a new database');
    for (const e of state.entities.values()) {
      await q.query(
        'INSERT INTO syncore_entities (collection, id, numeric_id, version, data, deleted, cursor) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)',
        [e.collection, String(e.id), typeof e.id === 'number', e.version, e.deleted ? null : JSON.stringify(e.data), e.deleted, e.cursor],
      );
    }
    for (const ch of state.changes) {
      await q.query(
        'INSERT INTO syncore_changes (cursor, op, collection, id, numeric_id, version, data, origin, ts) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb)',
        [ch.cursor, ch.op, ch.collection, String(ch.id), typeof ch.id === 'number', ch.version, ch.data == null ? null : JSON.stringify(ch.data), ch.origin ?? null, ch.ts == null ? null : JSON.stringify(ch.ts)],
      );
    }
    for (const [key, { answer, userId, collection }] of state.answers) {
      // Answers keep no entity data (a replay takes it from the entity).
      const { data, ...kept } = answer;
      if (kept.status === 'ok') kept.collection = collection;
      if (kept.status === 'ok' && data === null) kept.deleted = true;
      await q.query('INSERT INTO syncore_answers (key, user_id, collection, answer) VALUES ($1, $2, $3, $4)', [key, userId, collection, JSON.stringify(kept)]);
    }
    for (const [clientId, userId] of state.clients)
      await q.query('INSERT INTO syncore_clients (client_id, user_id) VALUES ($1, $2)', [clientId, userId]);
    for (const [collection, n] of Object.entries(state.counters))
      await q.query('INSERT INTO syncore_counters (collection, n) VALUES ($1, $2)', [collection, n]);
    await q.query('UPDATE syncore_meta SET cursor = $1', [state.cursor]);
  });
  await store.head();
  return { entities: state.entities.size, changes: state.changes.length, answers: state.answers.size, clients: state.clients.size, cursor: state.cursor, idFields: state.idFields };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node server/import_json_log.js <old data folder> <pglite folder | postgres://…>');
    process.exit(2);
  }
  const store = await openStore({ db: to });
  try {
    console.log(JSON.stringify(await importJsonLog(from, store)));
  } finally {
    await store.close();
  }
}
