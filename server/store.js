// The sync server's durable store on SQL (server/schema.js): PostgreSQL through `pg`, or PGlite
// embedded (server/db.js). Every method is async. A push is one transaction (store.transaction):
// it locks the cursor row first, so writes from every server instance are applied one after
// another, each mutation gets the next cursor, and the transaction is committed (durable) before
// the caller answers. Reads outside a transaction see committed data only.
//
//   const store = await openStore({ db: 'demo/.data' | 'postgres://…' | undefined, idFields });
//   await store.transaction(async (tx) => { await tx.apply(mutation, { userId }) });
import { randomUUID } from 'node:crypto';
import { openDatabase } from './db.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { cloneJson, isTemporaryId, mergePatch, mutationShapeError, setOwn } from './mutation.js';

export { MUTATION_KINDS, isPlainObject, mergePatch, mutationShapeError, isTemporaryId } from './mutation.js';

const SCHEMA_LOCK = 7_373_001; // pg_advisory_xact_lock key: one schema creation at a time

function idPrefix(collection) {
  const letter = /[a-z]/i.exec(collection);
  return letter ? letter[0].toLowerCase() : 'e';
}

const idOf = (row) => (row.numeric_id ? Number(row.id) : row.id);
const json = (value) => (value === undefined || value === null ? null : JSON.stringify(value));

/** A change row as the server uses it: { cursor, op: create|update|delete, collection, id, version, data, origin, ts }. */
function changeFromRow(row) {
  return {
    cursor: Number(row.cursor),
    op: row.op,
    collection: row.collection,
    id: idOf(row),
    version: Number(row.version),
    data: row.op === 'delete' ? null : row.data,
    origin: row.origin,
    ts: row.ts ?? null,
  };
}

/** A change as it travels in sync_response: op "upsert" | "delete". */
export function wireChange(ch) {
  const out = { op: ch.op === 'delete' ? 'delete' : 'upsert', collection: ch.collection, id: ch.id, version: ch.version };
  if (ch.op !== 'delete') out.data = ch.data;
  out.origin = ch.origin;
  if (ch.ts != null) out.ts = ch.ts;
  out.cursor = ch.cursor;
  return out;
}

const entityFromRow = (row) => (row ? { id: idOf(row), version: Number(row.version), data: row.data ?? null, deleted: row.deleted } : null);

/** A PostgreSQL data exception (class 22: e.g. \u0000 in jsonb text): the input, not the server. */
const isDataError = (err) => typeof err?.code === 'string' && err.code.startsWith('22');

const CHANGE_COLUMNS = 'cursor, op, collection, id, numeric_id, version, data, origin, ts';

export class SyncStore {
  #db;
  #idFields;
  #cursor = 0;
  #epoch = null;
  #horizon = 0;
  #closed = false;

  /** Use openStore(). */
  constructor(db, { idFields = {} } = {}) {
    this.#db = db;
    this.#idFields = { ...idFields };
  }

  async init() {
    await this.#db.transaction(async (q) => {
      if (this.#db.kind === 'postgres') await q.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
      for (const statement of SCHEMA_SQL.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(statement);
      await q.query(
        'INSERT INTO syncore_meta (singleton, schema_version, epoch) VALUES (true, $1, $2) ON CONFLICT (singleton) DO NOTHING',
        [SCHEMA_VERSION, randomUUID()],
      );
    });
    const { rows } = await this.#db.query('SELECT schema_version, epoch, cursor, horizon FROM syncore_meta');
    if (rows[0].schema_version !== SCHEMA_VERSION)
      throw new Error(`the database has syncore schema ${rows[0].schema_version}; this server knows ${SCHEMA_VERSION}`);
    this.#epoch = rows[0].epoch;
    this.#cursor = Number(rows[0].cursor);
    this.#horizon = Number(rows[0].horizon);
    return this;
  }

  /** 'postgres' | 'pglite' */
  get kind() {
    return this.#db.kind;
  }

  /** The database handle (server/db.js): for the change feed and tools. */
  get database() {
    return this.#db;
  }

  /** The highest cursor this instance knows committed (headCursor() asks the database). */
  get cursor() {
    return this.#cursor;
  }

  /** This database's epoch: changes when the database is replaced (new, restored). */
  get epoch() {
    return this.#epoch;
  }

  /** Changes at or below this cursor may have been compacted: older clients resync. */
  get horizon() {
    return this.#horizon;
  }

  idField(collection) {
    return this.#idFields[collection] ?? 'id';
  }

  /** { cursor, horizon } as committed now (all changes up to cursor are visible). */
  async head() {
    const { rows } = await this.#db.query('SELECT cursor, horizon FROM syncore_meta');
    this.#noteCursor(Number(rows[0].cursor));
    this.#horizon = Number(rows[0].horizon);
    return { cursor: Number(rows[0].cursor), horizon: this.#horizon };
  }

  async headCursor() {
    return (await this.head()).cursor;
  }

  #noteCursor(cursor) {
    if (cursor > this.#cursor) this.#cursor = cursor;
  }

  /** A copy of an entity { id, version, data, deleted } (tombstones included) or null. */
  async get(collection, id) {
    return readEntity(this.#db, collection, id);
  }

  /** A collection's entities (by id); tombstones only with includeDeleted. */
  async list(collection, { includeDeleted = false } = {}) {
    const { rows } = await this.#db.query(
      `SELECT id, numeric_id, version, data, deleted FROM syncore_entities WHERE collection = $1 ${includeDeleted ? '' : 'AND NOT deleted'} ORDER BY cursor`,
      [collection],
    );
    return rows.map(entityFromRow);
  }

  async collectionNames() {
    const { rows } = await this.#db.query('SELECT DISTINCT collection FROM syncore_entities ORDER BY collection');
    return rows.map((r) => r.collection);
  }

  /** The stored answer for an idempotency key: { answer, userId, collection } or null. */
  async answerFor(key) {
    return readAnswer(this.#db, key);
  }

  /** The user a client id belongs to (undefined: not claimed yet). */
  async clientOwner(clientId) {
    const { rows } = await this.#db.query('SELECT user_id FROM syncore_clients WHERE client_id = $1', [clientId]);
    return rows.length ? rows[0].user_id : undefined;
  }

  /**
   * Binds a client id to a user, durably, unless it is bound already. Resolves to the owner:
   * `userId` when the claim holds (new or the same user), another user's id when it does not.
   */
  async claimClient(clientId, userId = null) {
    this.#checkOpen();
    const { rows } = await this.#db.query(
      `INSERT INTO syncore_clients (client_id, user_id) VALUES ($1, $2)
       ON CONFLICT (client_id) DO UPDATE SET client_id = EXCLUDED.client_id RETURNING user_id`,
      [clientId, userId],
    );
    return rows[0].user_id;
  }

  /** How many changes the log holds (what compaction left). */
  async changeCount() {
    const { rows } = await this.#db.query('SELECT count(*)::int AS n FROM syncore_changes');
    return Number(rows[0].n);
  }

  /** The change log after `cursor` (what compaction left), ascending, in the server's form. */
  async changeLog(cursor = 0) {
    const { rows } = await this.#db.query(`SELECT ${CHANGE_COLUMNS} FROM syncore_changes WHERE cursor > $1 ORDER BY cursor`, [cursor]);
    return rows.map(changeFromRow);
  }

  /**
   * Up to `limit` changes with since < cursor <= upTo, ascending, in the server's form. With
   * `collections` (a list) only those, through the (collection, cursor) index; with compact,
   * only the latest change of each entity (a change some later change superseded is skipped).
   */
  async changesBetween(since, upTo, { limit = 500, collections = null, compact = true } = {}) {
    const params = [since, upTo, limit];
    let where = 'c.cursor > $1 AND c.cursor <= $2';
    if (collections) {
      params.push(collections);
      where += ` AND c.collection = ANY($4::text[])`;
    }
    const join = compact ? 'JOIN syncore_entities e ON e.collection = c.collection AND e.id = c.id AND e.cursor = c.cursor' : '';
    const { rows } = await this.#db.query(
      `SELECT c.cursor, c.op, c.collection, c.id, c.numeric_id, c.version, c.data, c.origin, c.ts
         FROM syncore_changes c ${join} WHERE ${where} ORDER BY c.cursor LIMIT $3`,
      params,
    );
    return rows.map(changeFromRow);
  }

  /**
   * One catch-up chunk: { changes (wire form), cursor, more }. `cursor` is the last included
   * change's when more is true, else the head (everything up to it that passes is sent).
   * filter(collection) -> bool narrows further (e.g. read permission).
   */
  async changesSince(cursor, { limit = 500, compact = true, collections = null, filter = null } = {}) {
    const { cursor: head } = await this.head();
    const changes = [];
    let from = cursor;
    for (;;) {
      const page = await this.changesBetween(from, head, { limit: limit + 1, collections, compact });
      for (const ch of page) {
        from = ch.cursor;
        if (filter && !filter(ch.collection)) continue;
        if (changes.length >= limit) return { changes, cursor: changes.at(-1).cursor, more: true };
        changes.push(wireChange(ch));
      }
      if (page.length < limit + 1) break;
    }
    return { changes, cursor: Math.max(cursor, head), more: false };
  }

  /**
   * Runs fn(tx) in one transaction that holds the write lock (the cursor row) from its start:
   * tx.get / tx.answerFor / tx.apply / tx.recordAnswer. Resolves to { value, changes } once
   * committed; changes: what was applied, ascending cursor.
   */
  async transaction(fn) {
    this.#checkOpen();
    const result = await this.#db.transaction(async (q) => {
      const { rows } = await q.query('UPDATE syncore_meta SET cursor = cursor RETURNING cursor');
      const tx = new StoreTransaction(this, q, Number(rows[0].cursor));
      const value = await fn(tx);
      if (tx.changes.length) {
        await q.query('UPDATE syncore_meta SET cursor = $1', [tx.cursor]);
        // Delivered at commit only (and only on PostgreSQL): wakes every instance's feed.
        if (this.#db.kind === 'postgres') await q.query(`SELECT pg_notify('syncore_changes', $1)`, [String(tx.cursor)]);
      }
      return { value, changes: tx.changes, cursor: tx.cursor };
    });
    this.#noteCursor(result.cursor);
    return { value: result.value, changes: result.changes };
  }

  /** One mutation as its own transaction: { result, change, replayed } (see StoreTransaction.apply). */
  async apply(mutation, options) {
    const { value } = await this.transaction((tx) => tx.apply(mutation, options));
    return value;
  }

  /** Stores a refusal under its key (its own transaction). */
  async recordAnswer(key, answer, options) {
    const { value } = await this.transaction((tx) => tx.recordAnswer(key, answer, options));
    return value;
  }

  /**
   * Bounded history. Deletes every change some later change of the same entity superseded;
   * tombstones (entity row and its delete change) older than tombstoneRetentionMs; answers
   * older than answerRetentionMs. The horizon becomes the highest cursor removed that a client
   * could still need (a tombstone's): a client older than it resyncs in full.
   * Resolves to { changes, tombstones, answers, horizon } (rows removed).
   */
  async compact({ tombstoneRetentionMs = 30 * 86_400_000, answerRetentionMs = 30 * 86_400_000 } = {}) {
    this.#checkOpen();
    const superseded = await this.#db.query(
      `DELETE FROM syncore_changes c USING syncore_entities e
        WHERE e.collection = c.collection AND e.id = c.id AND c.cursor < e.cursor`,
    );
    const tombstoneSecs = tombstoneRetentionMs / 1000;
    const stats = await this.#db.transaction(async (q) => {
      await q.query('UPDATE syncore_meta SET cursor = cursor'); // the write lock: no push in between
      const gone = await q.query(
        `DELETE FROM syncore_changes c USING syncore_entities e
          WHERE e.collection = c.collection AND e.id = c.id AND e.cursor = c.cursor AND e.deleted
            AND c.committed_at < now() - make_interval(secs => $1) RETURNING c.cursor, c.collection, c.id`,
        [tombstoneSecs],
      );
      let horizon = this.#horizon;
      for (const row of gone.rows) horizon = Math.max(horizon, Number(row.cursor));
      if (gone.rows.length) {
        await q.query(
          `DELETE FROM syncore_entities e USING unnest($1::text[], $2::text[]) AS g(collection, id)
            WHERE e.collection = g.collection AND e.id = g.id AND e.deleted`,
          [gone.rows.map((r) => r.collection), gone.rows.map((r) => r.id)],
        );
        await q.query('UPDATE syncore_meta SET horizon = GREATEST(horizon, $1)', [horizon]);
      }
      return { tombstones: gone.rows.length, horizon };
    });
    const answers = await this.#db.query('DELETE FROM syncore_answers WHERE created_at < now() - make_interval(secs => $1)', [
      answerRetentionMs / 1000,
    ]);
    this.#horizon = stats.horizon;
    return { changes: superseded.affectedRows ?? superseded.rowCount ?? 0, tombstones: stats.tombstones, answers: answers.affectedRows ?? answers.rowCount ?? 0, horizon: stats.horizon };
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  #checkOpen() {
    if (this.#closed) throw new Error('the store is closed');
  }
}

async function readEntity(q, collection, id) {
  const { rows } = await q.query(
    'SELECT id, numeric_id, version, data, deleted FROM syncore_entities WHERE collection = $1 AND id = $2',
    [collection, String(id)],
  );
  return entityFromRow(rows[0]);
}

async function readAnswer(q, key) {
  const { rows } = await q.query('SELECT answer, user_id, collection FROM syncore_answers WHERE key = $1', [key]);
  return rows.length ? { answer: rows[0].answer, userId: rows[0].user_id, collection: rows[0].collection } : null;
}

/** One write transaction: reads see its own writes; every apply gets the next cursor. */
class StoreTransaction {
  #store;
  #q;
  #depth = 0;
  /** The last cursor assigned (the head when nothing was applied yet). */
  cursor;
  /** Changes applied so far, ascending cursor. */
  changes = [];
  /** true: apply() takes no savepoint of its own; an error aborts the transaction (the caller
   * runs it again with savepoints: server/push.js). */
  unguarded = false;

  constructor(store, q, cursor) {
    this.#store = store;
    this.#q = q;
    this.cursor = cursor;
  }

  get(collection, id) {
    return readEntity(this.#q, collection, id);
  }

  answerFor(key) {
    return readAnswer(this.#q, key);
  }

  /** The key's stored answer and the entity, in one round trip: { stored, current }. */
  async lookup(key, collection, id) {
    const { rows } = await this.#q.query(
      `SELECT (SELECT json_build_object('answer', answer, 'user_id', user_id, 'collection', collection)
                 FROM syncore_answers WHERE key = $1) AS a,
              (SELECT json_build_object('id', id, 'numeric_id', numeric_id, 'version', version, 'data', data, 'deleted', deleted)
                 FROM syncore_entities WHERE collection = $2 AND id = $3) AS e`,
      [key, typeof collection === 'string' ? collection : null, id == null ? null : String(id)],
    );
    const { a, e } = rows[0];
    return {
      stored: a ? { answer: a.answer, userId: a.user_id, collection: a.collection } : null,
      current: id == null ? null : entityFromRow(e),
    };
  }

  /** Stores a refusal (an `error` answer) under its key unless the key has one. Returns the answer kept. */
  async recordAnswer(key, answer, { userId = null, collection = null } = {}) {
    const { rows } = await this.#q.query(
      `INSERT INTO syncore_answers (key, user_id, collection, answer) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING answer`,
      [key, userId, collection, JSON.stringify(answer)],
    );
    return rows[0].answer;
  }

  /**
   * Applies one mutation (steps 1, 3 and 4 of "Writing a back end"; the caller checks the key's
   * owner and permissions). Resolves to { result, change, replayed }:
   * - a known key: the stored answer again (with the entity's data if it is still at that
   *   version), change null, replayed true;
   * - malformed, or data PostgreSQL cannot store (e.g. \u0000 in text): a `validation` refusal (stored);
   * - baseVersion differs from the current version (or the entity is missing/deleted for an
   *   update or delete, or a create names a live id): `conflict` with the current version and
   *   data (null: deleted or missing); nothing is stored;
   * - else applied: the version bumps, the change gets the next cursor, the answer is stored.
   */
  async apply(mutation, { userId = null, known, current } = {}) {
    const m = mutation;
    const key = m?.key;
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('a mutation needs a string key');
    // known: the caller looked the key up in this transaction already (its answer, or null).
    const stored = known === undefined ? await this.answerFor(key) : known;
    if (stored) return { result: await this.#replayed(stored.answer), change: null, replayed: true };
    const shapeError = mutationShapeError(m);
    if (shapeError) return this.#refuse(key, shapeError, userId, typeof m?.collection === 'string' ? m.collection : null);
    // Data PostgreSQL refuses fails this mutation (for good), not the batch.
    try {
      if (this.#depth > 0 || this.unguarded) return await this.#applyChecked(m, userId, current);
      return await this.attempt(() => this.#applyChecked(m, userId, current));
    } catch (err) {
      if (this.#depth > 0 || this.unguarded) throw err; // the caller rolls back; see refuseData
      if (!isDataError(err)) throw err;
      return this.#refuse(key, `the data cannot be stored: ${err.message}`, userId, m.collection);
    }
  }

  /**
   * Runs fn() inside a savepoint: when it throws, everything it wrote is rolled back (the rest of
   * the transaction stays usable) and the error is rethrown.
   */
  async attempt(fn) {
    const mark = { changes: this.changes.length, cursor: this.cursor };
    await this.#q.query('SAVEPOINT syncore_step');
    this.#depth += 1;
    try {
      const out = await fn();
      await this.#q.query('RELEASE SAVEPOINT syncore_step');
      return out;
    } catch (err) {
      await this.#q.query('ROLLBACK TO SAVEPOINT syncore_step');
      this.changes.length = mark.changes;
      this.cursor = mark.cursor;
      throw err;
    } finally {
      this.#depth -= 1;
    }
  }

  /** After attempt() threw `err` for mutation m: a data error becomes its stored validation
   * refusal ({ result }); anything else is rethrown. */
  async refuseData(err, m, userId) {
    if (!isDataError(err) || typeof m?.key !== 'string') throw err;
    return this.#refuse(m.key, `the data cannot be stored: ${err.message}`, userId, m.collection);
  }

  async #refuse(key, message, userId, collection) {
    const answer = { key, status: 'error', class: 'validation', message };
    await this.recordAnswer(key, answer, { userId, collection });
    return { result: answer, change: null, replayed: false };
  }

  async #replayed(answer) {
    if (answer.status !== 'ok' || answer.collection === undefined) return answer;
    const { collection, ...result } = answer;
    const current = await this.get(collection, result.id);
    if (current && !current.deleted && current.version === result.version) result.data = current.data;
    else if (answer.deleted) result.data = null;
    delete result.deleted;
    return result;
  }

  /** known: the entity as the caller read it in this transaction (undefined: read it here). */
  async #applyChecked(m, userId, known) {
    const { key, collection, kind } = m;
    const idField = this.#store.idField(collection);
    let id = m.id;
    let current = null;
    if (kind === 'create') {
      if (isTemporaryId(id)) {
        id = await this.#nextId(collection);
      } else {
        current = known !== undefined ? known : await this.get(collection, id);
        if (current && !current.deleted) return { result: conflict(key, current), change: null, replayed: false };
        if (current) id = current.id;
      }
    } else {
      current = known !== undefined ? known : await this.get(collection, id);
      if (!current || current.deleted || current.version !== m.baseVersion)
        return { result: conflict(key, current), change: null, replayed: false };
      id = current.id;
    }
    let data = null;
    if (kind === 'create') {
      data = cloneJson(m.data);
      setOwn(data, idField, id);
    } else if (kind === 'update') {
      data = mergePatch(current.data, m.data);
      setOwn(data, idField, id);
    }
    const version = (current?.version ?? 0) + 1;
    const cursor = this.cursor + 1;
    const numericId = typeof id === 'number';
    const change = { cursor, op: kind, collection, id, version, data, origin: key, ts: m.ts == null ? null : cloneJson(m.ts) };
    const dataText = json(data);
    // The stored answer keeps no entity data: a replay takes it from the entity (see #replayed).
    const stored = { key, status: 'ok', id, version, collection };
    if (kind === 'delete') stored.deleted = true;
    // Entity, change and answer in one statement: one round trip while the write lock is held.
    await this.#q.query(
      `WITH entity AS (
         INSERT INTO syncore_entities (collection, id, numeric_id, version, data, deleted, cursor)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         ON CONFLICT (collection, id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data,
           deleted = EXCLUDED.deleted, cursor = EXCLUDED.cursor
       ), change AS (
         INSERT INTO syncore_changes (cursor, op, collection, id, numeric_id, version, data, origin, ts)
         VALUES ($7, $8, $1, $2, $3, $4, $5::jsonb, $9, $10::jsonb)
       )
       INSERT INTO syncore_answers (key, user_id, collection, answer) VALUES ($9, $11, $1, $12)`,
      [collection, String(id), numericId, version, dataText, kind === 'delete', cursor, kind, key, json(change.ts), userId, JSON.stringify(stored)],
    );
    this.cursor = cursor;
    this.changes.push(change);
    return { result: { key, status: 'ok', id, version, data: cloneJson(data) }, change: cloneJson(change), replayed: false };
  }

  async #nextId(collection) {
    const prefix = idPrefix(collection);
    for (;;) {
      const { rows } = await this.#q.query(
        `INSERT INTO syncore_counters (collection, n) VALUES ($1, 1)
         ON CONFLICT (collection) DO UPDATE SET n = syncore_counters.n + 1 RETURNING n`,
        [collection],
      );
      const id = `${prefix}${Number(rows[0].n)}`;
      if (!(await this.get(collection, id))) return id; // skip ids the clients chose
    }
  }
}

function conflict(key, current) {
  const live = current && !current.deleted;
  return { key, status: 'conflict', version: current?.version ?? 0, data: live ? current.data : null };
}

/**
 * Opens (or creates) a store. db: a PostgreSQL URL, a PGlite data folder, or nothing (PGlite in
 * memory). `dataDir` is accepted as another name for a PGlite folder.
 */
export async function openStore({ db, dataDir, idFields, poolSize } = {}) {
  const database = await openDatabase(db ?? dataDir, { poolSize });
  try {
    return await new SyncStore(database, { idFields }).init();
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
