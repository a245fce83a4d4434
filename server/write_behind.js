// The fast path of a push transaction (server/push.js runs a group unguarded first): what the
// transaction reads is loaded for the whole group in one query, what it writes is kept here and
// written in one statement before commit, and server-assigned ids come from a counter held in
// memory for the transaction. A group of n mutations then costs a handful of round trips instead
// of four per mutation. Nothing about the result changes:
// - reads see the transaction's own writes (they are answered from here first);
// - every write is still one entity row, one change row and one answer, in cursor order;
// - the database still checks every row: if the final statement fails (e.g. data PostgreSQL
//   cannot store), the transaction rolls back and push.js runs the group again with a savepoint
//   per mutation, writing through (StoreTransaction without this buffer);
// - a savepoint (StoreTransaction.attempt) flushes before it starts and before it is released,
//   and a rollback to it forgets everything held here (it is read again from the database).
//
// Server-assigned ids: the counter row is read once per collection (the transaction holds the
// write lock, server/store.js, so no other writer moves it), numbers are handed out in memory,
// and the last one handed out is written back at flush: exactly the ids an id-by-id counter would
// give (no gap; a number whose id a client already chose is skipped, as before).
import { entityFromRow } from './rows.js';

const entityKey = (collection, id) => `${collection.length}:${collection}${String(id)}`;
// Candidate ids checked against the table per round trip (at least; more when the group has more).
const MIN_ID_BLOCK = 32;

export class WriteBehind {
  #q;
  /** entityKey -> { id, version, data, deleted } | null (absent), as this transaction sees it */
  #entities = new Map();
  /** key -> { answer, userId, collection } | null */
  #answers = new Map();
  #changeRows = [];
  #answerRows = [];
  /** collection -> { n (last number handed out), stored (n in the table), checkedUpTo, taken: Set<string> } */
  #counters = new Map();
  /** collection -> how many temp-id creates the preloaded group holds */
  #plannedCreates = new Map();

  constructor(q) {
    this.#q = q;
  }

  /**
   * Loads the stored answers of the mutations' keys and the entities they name, in one round trip.
   * plan: { keys: string[], entities: [collection, id][], tempCreates: Map<collection, count> }.
   */
  async preload({ keys, entities, tempCreates }) {
    for (const [collection, count] of tempCreates) this.#plannedCreates.set(collection, count);
    const wantKeys = [...new Set(keys)].filter((k) => !this.#answers.has(k));
    const wantEntities = entities.filter(([c, id]) => !this.#entities.has(entityKey(c, id)));
    if (!wantKeys.length && !wantEntities.length) return;
    // (Index lookups whatever the planner's statistics say: = ANY of an array, a LATERAL probe.)
    const { rows } = await this.#q.query(
      `SELECT (SELECT coalesce(json_agg(json_build_object('key', key, 'answer', answer, 'user_id', user_id, 'collection', collection)), '[]')
                 FROM syncore_answers WHERE key = ANY(ARRAY(SELECT json_array_elements_text($1::json)))) AS a,
              (SELECT coalesce(json_agg(json_build_object('collection', e.collection, 'id', e.id, 'numeric_id', e.numeric_id,
                        'version', e.version, 'data', e.data, 'deleted', e.deleted)), '[]')
                 FROM json_to_recordset($2::json) AS w(collection text, id text)
                 CROSS JOIN LATERAL (SELECT * FROM syncore_entities e
                   WHERE e.collection = w.collection AND e.id = w.id LIMIT 1) e) AS e`,
      [JSON.stringify(wantKeys), JSON.stringify(wantEntities.map(([collection, id]) => ({ collection, id: String(id) })))],
    );
    for (const k of wantKeys) this.#answers.set(k, null);
    for (const [c, id] of wantEntities) this.#entities.set(entityKey(c, id), null);
    const answers = typeof rows[0].a === 'string' ? JSON.parse(rows[0].a) : rows[0].a;
    const found = typeof rows[0].e === 'string' ? JSON.parse(rows[0].e) : rows[0].e;
    for (const r of answers) this.#answers.set(r.key, { answer: r.answer, userId: r.user_id, collection: r.collection });
    for (const r of found) this.#entities.set(entityKey(r.collection, r.id), entityFromRow(r));
  }

  /** The entity as this transaction sees it (a copy; null: absent), or undefined: not known here. */
  entity(collection, id) {
    const e = this.#entities.get(entityKey(collection, id));
    if (e === undefined || e === null) return e;
    return { id: e.id, version: e.version, data: e.data == null ? e.data : structuredClone(e.data), deleted: e.deleted };
  }

  noteEntity(collection, id, entity) {
    this.#entities.set(entityKey(collection, id), entity);
  }

  /** The key's stored answer (null: none), or undefined: not known here. */
  answer(key) {
    return this.#answers.get(key);
  }

  noteAnswer(key, stored) {
    this.#answers.set(key, stored);
  }

  /** Keeps an answer row to write at flush (the key has no answer: the caller checked). */
  writeAnswer(key, userId, collection, answer) {
    this.#answerRows.push({ key, user_id: userId, collection, answer });
    this.#answers.set(key, { answer: structuredClone(answer), userId, collection });
  }

  /** Keeps an applied mutation's entity, change and answer rows to write at flush. */
  writeApplied({ collection, id, version, data, deleted, cursor, op, origin, ts, userId, stored }) {
    const ek = entityKey(collection, id);
    this.#changeRows.push({ cursor, op, collection, id: String(id), numeric_id: typeof id === 'number', version, data, origin, ts });
    this.#answerRows.push({ key: origin, user_id: userId, collection, answer: stored });
    this.#entities.set(ek, { id, version, data, deleted });
    this.#answers.set(origin, { answer: stored, userId, collection });
  }

  /** The next server-assigned id of a collection: `${prefix}${n}`, skipping ids already taken. */
  async nextId(collection, prefix) {
    const counter = await this.#counter(collection);
    for (;;) {
      const n = counter.n + 1;
      if (n > counter.checkedUpTo) await this.#checkBlock(collection, prefix, counter);
      counter.n = n;
      const id = `${prefix}${n}`;
      const seen = this.#entities.get(entityKey(collection, id));
      if (seen === undefined ? !counter.taken.has(id) : seen === null) {
        const planned = this.#plannedCreates.get(collection);
        if (planned) this.#plannedCreates.set(collection, planned - 1);
        return id;
      }
    }
  }

  async #counter(collection) {
    let counter = this.#counters.get(collection);
    if (!counter) {
      const { rows } = await this.#q.query('SELECT n FROM syncore_counters WHERE collection = $1', [collection]);
      const n = rows.length ? Number(rows[0].n) : 0;
      counter = { n, stored: rows.length ? n : null, checkedUpTo: n, taken: new Set() };
      this.#counters.set(collection, counter);
    }
    return counter;
  }

  /** Which of the next block of candidate ids exist (tombstones included), in one round trip. */
  async #checkBlock(collection, prefix, counter) {
    const size = Math.max(MIN_ID_BLOCK, this.#plannedCreates.get(collection) ?? 0);
    const from = counter.checkedUpTo + 1;
    const candidates = Array.from({ length: size }, (_, i) => `${prefix}${from + i}`);
    const { rows } = await this.#q.query(
      'SELECT id FROM syncore_entities WHERE collection = $1 AND id = ANY(ARRAY(SELECT json_array_elements_text($2::json)))',
      [collection, JSON.stringify(candidates)],
    );
    counter.taken = new Set(rows.map((r) => r.id));
    counter.checkedUpTo = from + size - 1;
  }

  #dirtyCounters() {
    const out = [];
    for (const [collection, c] of this.#counters) if (c.n !== (c.stored ?? 0)) out.push({ collection, n: c.n });
    return out;
  }

  /** Writes everything kept, in one statement. */
  async flush() {
    const counters = this.#dirtyCounters();
    if (!this.#changeRows.length && !this.#answerRows.length && !counters.length) return;
    // Each change's data travels once: an entity's row is its last change in this batch.
    await this.#q.query(
      `WITH changed AS MATERIALIZED (
         SELECT * FROM json_to_recordset($1::json) AS r(cursor bigint, op text, collection text, id text,
           numeric_id boolean, version bigint, data jsonb, origin text, ts jsonb)
       ), entities AS (
         INSERT INTO syncore_entities (collection, id, numeric_id, version, data, deleted, cursor)
         SELECT DISTINCT ON (collection, id) collection, id, numeric_id, version, data, op = 'delete', cursor
           FROM changed ORDER BY collection, id, cursor DESC
         ON CONFLICT (collection, id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data,
           deleted = EXCLUDED.deleted, cursor = EXCLUDED.cursor
       ), changes AS (
         INSERT INTO syncore_changes (cursor, op, collection, id, numeric_id, version, data, origin, ts)
         SELECT cursor, op, collection, id, numeric_id, version, data, origin, ts FROM changed
       ), answers AS (
         INSERT INTO syncore_answers (key, user_id, collection, answer)
         SELECT key, user_id, collection, answer FROM json_to_recordset($2::json) AS r(key text, user_id text, collection text, answer jsonb)
       ), counters AS (
         INSERT INTO syncore_counters (collection, n)
         SELECT collection, n FROM json_to_recordset($3::json) AS r(collection text, n bigint)
         ON CONFLICT (collection) DO UPDATE SET n = EXCLUDED.n
       )
       SELECT 1`,
      [JSON.stringify(this.#changeRows), JSON.stringify(this.#answerRows), JSON.stringify(counters)],
    );
    this.#changeRows = [];
    this.#answerRows = [];
    for (const c of this.#counters.values()) c.stored = c.n;
  }

  /** After a rollback to a savepoint taken right after a flush: nothing kept here is known any more. */
  forget() {
    this.#entities.clear();
    this.#answers.clear();
    this.#changeRows = [];
    this.#answerRows = [];
    this.#counters.clear();
  }
}
