// One write transaction of the store (server/store.js): reads see its own writes; every apply
// gets the next cursor; savepoints keep one failing mutation from failing the others.
import { cloneJson, isTemporaryId, mergePatch, mutationShapeError, setOwn } from './mutation.js';
import { entityFromRow, idPrefix, isDataError, json, readAnswer, readEntity } from './rows.js';
import { WriteBehind } from './write_behind.js';

/** One write transaction: reads see its own writes; every apply gets the next cursor. */
export class StoreTransaction {
  #store;
  #q;
  #depth = 0;
  /** The unguarded fast path's reads and writes (write_behind.js); null: every write goes through. */
  #buffer = null;
  /** The last cursor assigned (the head when nothing was applied yet). */
  cursor;
  /** Changes applied so far, ascending cursor. */
  changes = [];
  #unguarded = false;

  constructor(store, q, cursor) {
    this.#store = store;
    this.#q = q;
    this.cursor = cursor;
  }

  /** true: apply() takes no savepoint of its own; an error aborts the transaction (the caller
   * runs it again with savepoints: server/push.js). Reads and writes then go through a
   * write-behind buffer (write_behind.js), written at flush(). Set it before the first read. */
  get unguarded() {
    return this.#unguarded;
  }

  set unguarded(value) {
    this.#unguarded = Boolean(value);
    this.#buffer = this.#unguarded ? new WriteBehind(this.#q) : null;
  }

  /**
   * Unguarded only (else a no-op): loads, in one round trip, the stored answers of these
   * mutations' keys and the entities they name, so applying them reads nothing more.
   */
  async preload(mutations) {
    if (!this.#buffer) return;
    const keys = [];
    const entities = [];
    const tempCreates = new Map();
    for (const m of mutations) {
      if (m === null || typeof m !== 'object') continue;
      if (typeof m.key === 'string') keys.push(m.key);
      if (typeof m.collection !== 'string') continue;
      if (m.kind === 'create' && isTemporaryId(m.id)) tempCreates.set(m.collection, (tempCreates.get(m.collection) ?? 0) + 1);
      // (push.js looks up the named id even of a temp-id create.)
      if (typeof m.id === 'string' || Number.isSafeInteger(m.id)) entities.push([m.collection, m.id]);
    }
    await this.#buffer.preload({ keys, entities, tempCreates });
  }

  /** Writes what the unguarded path kept (store.js calls it before commit). */
  async flush() {
    await this.#buffer?.flush();
  }

  async get(collection, id) {
    const known = this.#buffer?.entity(collection, id);
    if (known !== undefined) return known;
    const entity = await readEntity(this.#q, collection, id);
    this.#buffer?.noteEntity(collection, id, entity);
    return entity && this.#buffer ? this.#buffer.entity(collection, id) : entity;
  }

  async answerFor(key) {
    const known = this.#buffer?.answer(key);
    if (known !== undefined) return known && { ...known, answer: structuredClone(known.answer) };
    const stored = await readAnswer(this.#q, key);
    this.#buffer?.noteAnswer(key, stored && { ...stored, answer: structuredClone(stored.answer) });
    return stored;
  }

  /** The key's stored answer and the entity, in one round trip: { stored, current }. */
  async lookup(key, collection, id) {
    if (this.#buffer) {
      const stored = this.#buffer.answer(key);
      const current = id == null || typeof collection !== 'string' ? null : this.#buffer.entity(collection, id);
      if (stored !== undefined && current !== undefined)
        return { stored: stored && { ...stored, answer: structuredClone(stored.answer) }, current };
      const found = await this.#lookup(key, collection, id);
      if (stored === undefined) this.#buffer.noteAnswer(key, found.stored && { ...found.stored, answer: structuredClone(found.stored.answer) });
      if (current === undefined) this.#buffer.noteEntity(collection, id, found.current && { ...found.current, data: structuredClone(found.current.data) });
      return found;
    }
    return this.#lookup(key, collection, id);
  }

  async #lookup(key, collection, id) {
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
    if (this.#buffer) {
      const known = await this.answerFor(key);
      if (known) return known.answer;
      this.#buffer.writeAnswer(key, userId, collection, answer);
      return structuredClone(answer);
    }
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
    // Unguarded: what is kept is written first, so the savepoint covers exactly fn's writes.
    await this.#buffer?.flush();
    await this.#q.query('SAVEPOINT syncore_step');
    this.#depth += 1;
    try {
      const out = await fn();
      await this.#buffer?.flush();
      await this.#q.query('RELEASE SAVEPOINT syncore_step');
      return out;
    } catch (err) {
      await this.#q.query('ROLLBACK TO SAVEPOINT syncore_step');
      this.changes.length = mark.changes;
      this.cursor = mark.cursor;
      this.#buffer?.forget();
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
    // The stored answer keeps no entity data: a replay takes it from the entity (see #replayed).
    const stored = { key, status: 'ok', id, version, collection };
    if (kind === 'delete') stored.deleted = true;
    if (this.#buffer) {
      this.#buffer.writeApplied({ collection, id, version, data, deleted: kind === 'delete', cursor, op: kind, origin: key, ts: change.ts, userId, stored });
      this.cursor = cursor;
      this.changes.push(change);
      return { result: { key, status: 'ok', id, version, data: cloneJson(data) }, change: cloneJson(change), replayed: false };
    }
    const dataText = json(data);
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
    if (this.#buffer) return this.#buffer.nextId(collection, prefix);
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