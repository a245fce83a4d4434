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
import { CHANGE_COLUMNS, changeFromRow, entityFromRow, readAnswer, readEntity, wireChange } from './rows.js';
import { StoreTransaction } from './transaction.js';

export { wireChange } from './rows.js';

export { MUTATION_KINDS, isPlainObject, mergePatch, mutationShapeError, isTemporaryId } from './mutation.js';

const SCHEMA_LOCK = 7_373_001; // pg_advisory_xact_lock key: one schema creation at a time

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
      await tx.flush();
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
