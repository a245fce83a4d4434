// The sync server's store (server/store.js) on both databases it runs on, PGlite (on disk) and
// PostgreSQL (a throwaway cluster, tests/support/postgres.js): merge patch, versions, conflicts,
// idempotency, catch-up chunks, durability across reopening, data PostgreSQL refuses, bounded
// history (compaction, horizon, answer expiry), and the importer of the retired JSON-log store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, mergePatch, mutationShapeError } from '../../server/store.js';
import { importJsonLog } from '../../server/import_json_log.js';
import { startPostgres } from '../support/postgres.js';

const scratchRoot = mkdtempSync(join(tmpdir(), 'syncore-store-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));
let postgres = null;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** Databases: a new empty one per call, closed after the test. */
const DATABASES = {
  pglite: async () => mkdtempSync(join(scratchRoot, 'pglite-')),
  postgres: async () => postgres.createDatabase(),
};

const ts = (wall = 1000) => ({ wall, counter: 0, node: 'c1' });
const create = (key, collection, data, id = `tmp-${key}`) => ({ key, collection, id, kind: 'create', data: { id, ...data }, baseVersion: -1, ts: ts() });
const update = (key, collection, id, data, baseVersion) => ({ key, collection, id, kind: 'update', data, baseVersion, ts: ts() });
const remove = (key, collection, id, baseVersion) => ({ key, collection, id, kind: 'delete', data: null, baseVersion });

describe('mergePatch (RFC 7396)', () => {
  test('sets, removes with null, merges nested objects, replaces arrays', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2, 3], gone: true };
    const out = mergePatch(target, { a: 5, b: { c: null, e: 4 }, list: [9], gone: null, n: { x: null, y: 1 } });
    assert.deepEqual(out, { a: 5, b: { d: 3, e: 4 }, list: [9], n: { y: 1 } });
    assert.deepEqual(target, { a: 1, b: { c: 2, d: 3 }, list: [1, 2, 3], gone: true }, 'target untouched');
  });

  test('RFC 7396 appendix examples', () => {
    assert.deepEqual(mergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
    assert.deepEqual(mergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
    assert.deepEqual(mergePatch({ a: 'b' }, { a: null }), {});
    assert.deepEqual(mergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
    assert.deepEqual(mergePatch(['a', 'b'], ['c', 'd']), ['c', 'd']);
    assert.deepEqual(mergePatch({ a: 'b' }, ['c']), ['c']);
    assert.deepEqual(mergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
    assert.deepEqual(mergePatch([1, 2], { a: 'b', c: null }), { a: 'b' });
    assert.deepEqual(mergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  });

  test('a "__proto__" member is data, not a prototype', () => {
    const out = mergePatch({}, JSON.parse('{"__proto__": {"polluted": 1}}'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({}).polluted, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(out)), JSON.parse('{"__proto__": {"polluted": 1}}'));
  });
});

for (const [name, newDatabase] of Object.entries(DATABASES)) {
describe(`SyncStore on ${name}`, () => {
  /** A store on a new database (closed after the test); db: reopen that database instead. */
  async function open(t, options = {}, db = null) {
    const target = db ?? (await newDatabase());
    const store = await openStore({ db: target, ...options });
    t.after(() => store.close());
    store.target = target;
    return store;
  }

  test(`create assigns a server id, versions bump, the log and cursor grow (${name})`, async (t) => {
    const store = await open(t);
    const r1 = (await store.apply(create('c1:1', 'students', { name: 'Bo' })));
    assert.equal(r1.result.status, 'ok');
    assert.equal(r1.result.id, 's1');
    assert.equal(r1.result.version, 1);
    assert.deepEqual(r1.result.data, { id: 's1', name: 'Bo' });
    assert.equal(r1.change.cursor, 1);
    assert.equal(r1.change.origin, 'c1:1');
    const r2 = (await store.apply(update('c1:2', 'students', 's1', { score: 3 }, 1)));
    assert.deepEqual(r2.result, { key: 'c1:2', status: 'ok', id: 's1', version: 2, data: { id: 's1', name: 'Bo', score: 3 } });
    assert.equal(store.cursor, 2);
    assert.deepEqual((await store.get('students', 's1')), { id: 's1', version: 2, data: { id: 's1', name: 'Bo', score: 3 }, deleted: false });
  });

  test(`a kept client id, integer ids compared as text, a live id is a conflict (${name})`, async (t) => {
    const store = await open(t);
    assert.equal((await store.apply(create('c1:1', 'things', { n: 1 }, 'uuid-1'))).result.id, 'uuid-1');
    assert.equal((await store.apply(create('c1:2', 'things', { n: 1 }, 17))).result.id, 17);
    assert.equal((await store.apply(update('c1:3', 'things', '17', { n: 2 }, 1))).result.status, 'ok');
    const again = (await store.apply(create('c1:4', 'things', { n: 9 }, 'uuid-1')));
    assert.equal(again.result.status, 'conflict');
    assert.equal(again.change, null);
  });

  test(`server ids skip ids the clients chose (${name})`, async (t) => {
    const store = await open(t);
    (await store.apply(create('c1:1', 'grades', {}, 'g1')));
    assert.equal((await store.apply(create('c1:2', 'grades', {}))).result.id, 'g2');
  });

  test(`a custom id field (${name})`, async (t) => {
    const store = await open(t, { idFields: { notes: 'key' } });
    const r = (await store.apply({ key: 'c1:1', collection: 'notes', id: 'tmp-1', kind: 'create', data: { key: 'tmp-1', text: 'x' }, baseVersion: -1 }));
    assert.deepEqual(r.result.data, { key: 'n1', text: 'x' });
  });

  test(`the same key is applied once and answered the same (${name})`, async (t) => {
    const store = await open(t);
    const first = (await store.apply(create('c1:1', 'students', { name: 'Bo' })));
    const second = (await store.apply(create('c1:1', 'students', { name: 'Bo' })));
    assert.deepEqual(second.result, first.result);
    assert.equal(second.replayed, true);
    assert.equal(second.change, null);
    assert.equal(store.cursor, 1);
    assert.equal((await store.list('students')).length, 1);
  });

  test(`conflicts: stale base version, deleted and missing entities; nothing is stored (${name})`, async (t) => {
    const store = await open(t);
    (await store.apply(create('c1:1', 'students', { name: 'Bo' })));
    (await store.apply(update('c1:2', 'students', 's1', { name: 'Al' }, 1)));
    const stale = (await store.apply(update('c1:3', 'students', 's1', { name: 'Cy' }, 1)));
    assert.deepEqual(stale.result, { key: 'c1:3', status: 'conflict', version: 2, data: { id: 's1', name: 'Al' } });
    assert.equal((await store.answerFor('c1:3')), null, 'a conflict is not remembered');
    assert.equal((await store.apply(remove('c1:4', 'students', 's1', 2))).result.status, 'ok');
    assert.deepEqual((await store.apply(update('c1:5', 'students', 's1', { a: 1 }, 3))).result, { key: 'c1:5', status: 'conflict', version: 3, data: null });
    assert.deepEqual((await store.apply(remove('c1:6', 'students', 'nope', 1))).result, { key: 'c1:6', status: 'conflict', version: 0, data: null });
  });

  test(`malformed mutations are refused for good (validation, stored) (${name})`, async (t) => {
    const store = await open(t);
    for (const bad of [
      { key: 'c1:1', collection: '', kind: 'create', data: {} },
      { key: 'c1:2', collection: 'a', kind: 'upsert', data: {} },
      { key: 'c1:3', collection: 'a', kind: 'update', id: 'x', data: [1], baseVersion: 1 },
      { key: 'c1:4', collection: 'a', kind: 'update', id: 'x', data: {} },
      { key: 'c1:5', collection: 'a', kind: 'delete', id: {}, baseVersion: 1 },
      { key: 'c1:6', collection: 'a', kind: 'create', data: 'x' },
    ]) {
      assert.ok(mutationShapeError(bad), JSON.stringify(bad));
      const { result } = (await store.apply(bad));
      assert.equal(result.status, 'error');
      assert.equal(result.class, 'validation');
      assert.equal((await store.answerFor(bad.key)).answer.class, 'validation');
    }
    assert.equal(store.cursor, 0);
  });

  test(`changesSince: chunks with more, compaction keeps the latest state and deletes (${name})`, async (t) => {
    const store = await open(t);
    for (let i = 1; i <= 4; i++) (await store.apply(create(`c1:${i}`, 'students', { n: i }))); // s1..s4, cursors 1-4
    (await store.apply(update('c1:5', 'students', 's1', { n: 10 }, 1))); // 5
    (await store.apply(remove('c1:6', 'students', 's2', 1))); // 6
    (await store.apply(update('c1:7', 'students', 's1', { n: 11 }, 2))); // 7
    const full = (await store.changesSince(0, { compact: false, limit: 100 }));
    assert.equal(full.changes.length, 7);
    const compact = (await store.changesSince(0, { limit: 100 }));
    assert.deepEqual(compact.changes.map((c) => [c.op, c.id, c.version, c.cursor]), [
      ['upsert', 's3', 1, 3],
      ['upsert', 's4', 1, 4],
      ['delete', 's2', 2, 6],
      ['upsert', 's1', 3, 7],
    ]);
    assert.equal(compact.cursor, 7);
    assert.equal(compact.more, false);
    const a = (await store.changesSince(0, { limit: 3 }));
    assert.deepEqual([a.changes.length, a.cursor, a.more], [3, 6, true]);
    const b = (await store.changesSince(a.cursor, { limit: 3 }));
    assert.deepEqual([b.changes.map((c) => c.id), b.cursor, b.more], [['s1'], 7, false]);
    assert.equal((await store.changesSince(7)).changes.length, 0);
    assert.equal((await store.changesSince(7)).cursor, 7);
    assert.equal((await store.changesSince(0, { filter: (c) => c === 'other' })).cursor, 7);
  });

  test(`reopening keeps entities, cursor, answers, client owners, id counters and the epoch (${name})`, async (t) => {
    const first = await open(t);
    const created = (await first.apply(create('c1:1', 'students', { name: 'Bo' }))).result;
    await first.apply(update('c1:2', 'students', 's1', { name: 'Al' }, 1));
    await first.recordAnswer('c1:3', { key: 'c1:3', status: 'error', class: 'validation', message: 'no' }, { userId: 'u' });
    assert.equal(await first.claimClient('c1', 'ann'), 'ann');
    const epoch = first.epoch;
    await first.close();
    const store = await open(t, {}, first.target);
    assert.equal(store.epoch, epoch, 'the same database, the same epoch');
    assert.equal(store.cursor, 2);
    assert.deepEqual((await store.get('students', 's1')).data, { id: 's1', name: 'Al' });
    const replay = await store.apply(create('c1:1', 'students', { name: 'Bo' }));
    assert.equal(replay.replayed, true);
    assert.deepEqual({ ...replay.result, data: undefined }, { ...created, data: undefined }, 'the same answer (data: from the entity, now at v2)');
    assert.equal((await store.answerFor('c1:3')).userId, 'u');
    assert.equal(await store.claimClient('c1', 'bob'), 'ann');
    assert.equal((await store.apply(create('c1:4', 'students', {}))).result.id, 's2');
    assert.equal((await store.changeLog()).length, 3);
    const other = await open(t);
    assert.notEqual(other.epoch, epoch, 'another database, another epoch');
  });

  test(`stored answers hold no entity data; a replay takes it from the entity while it is at that version (${name})`, async (t) => {
    const store = await open(t);
    const first = (await store.apply(create('c1:1', 'notes', { text: 'secret' }))).result;
    const { rows } = await store.database.query("SELECT answer::text AS a FROM syncore_answers WHERE key = 'c1:1'");
    assert.ok(!rows[0].a.includes('secret'), rows[0].a);
    assert.deepEqual((await store.apply(create('c1:1', 'notes', { text: 'secret' }))).result, first);
    await store.apply(update('c1:2', 'notes', first.id, { text: 'newer' }, 1));
    const later = (await store.apply(create('c1:1', 'notes', { text: 'secret' }))).result;
    assert.deepEqual(later, { key: 'c1:1', status: 'ok', id: first.id, version: 1 }, 'no stale data once the entity moved on');
  });

  test(`data PostgreSQL cannot store fails that mutation for good, not the others in its transaction (${name})`, async (t) => {
    const store = await open(t);
    const { value, changes } = await store.transaction(async (tx) => [
      (await tx.apply(create('c1:1', 'notes', { text: 'fine' }))).result,
      (await tx.apply(create('c1:2', 'notes', { text: 'nul \u0000 inside' }))).result,
      (await tx.apply(create('c1:3', 'notes', { text: 'also fine' }))).result,
    ]);
    assert.deepEqual(value.map((r) => [r.status, r.class]), [['ok', undefined], ['error', 'validation'], ['ok', undefined]]);
    assert.deepEqual(changes.map((c) => c.cursor), [1, 2], 'cursors stay gap-free');
    assert.equal((await store.answerFor('c1:2')).answer.class, 'validation');
    assert.deepEqual((await store.list('notes')).map((e) => e.data.text), ['fine', 'also fine']);
  });

  test(`a transaction that throws leaves nothing behind: no change, no cursor, no answer (${name})`, async (t) => {
    const store = await open(t);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.apply(create('c1:1', 'notes', { text: 'x' }));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.headCursor(), 0);
    assert.equal(await store.answerFor('c1:1'), null);
    assert.equal((await store.apply(create('c1:1', 'notes', { text: 'x' }))).change.cursor, 1);
  });

  test(`compaction keeps the latest change per entity and recent tombstones; old tombstones raise the horizon (${name})`, async (t) => {
    const store = await open(t);
    for (let i = 1; i <= 3; i++) await store.apply(create(`c1:${i}`, 'students', { n: i })); // s1..s3: 1-3
    await store.apply(update('c1:4', 'students', 's1', { n: 10 }, 1)); // 4
    await store.apply(remove('c1:5', 'students', 's2', 1)); // 5
    await store.apply(update('c1:6', 'students', 's1', { n: 11 }, 2)); // 6
    let stats = await store.compact({ tombstoneRetentionMs: 3_600_000 });
    assert.deepEqual([stats.changes, stats.tombstones, stats.horizon], [3, 0, 0]); // s1@1, s1@4, s2@2
    assert.deepEqual((await store.changeLog()).map((c) => [c.id, c.cursor]), [['s3', 3], ['s2', 5], ['s1', 6]]);
    assert.equal((await store.changesSince(0, { limit: 100 })).cursor, 6);
    // A tombstone past the retention: gone, and the horizon says a client older than 5 resyncs.
    await store.database.query("UPDATE syncore_changes SET committed_at = now() - interval '2 hours' WHERE cursor = 5");
    stats = await store.compact({ tombstoneRetentionMs: 3_600_000 });
    assert.deepEqual([stats.tombstones, stats.horizon], [1, 5]);
    assert.equal(store.horizon, 5);
    assert.equal(await store.get('students', 's2'), null);
    assert.deepEqual((await store.changeLog()).map((c) => c.id), ['s3', 's1']);
    assert.equal((await store.head()).horizon, 5);
  });

  test(`idempotency answers expire after the answer horizon (${name})`, async (t) => {
    const store = await open(t);
    await store.apply(create('c1:1', 'notes', { text: 'a' }));
    await store.apply(create('c1:2', 'notes', { text: 'b' }));
    await store.database.query("UPDATE syncore_answers SET created_at = now() - interval '40 days' WHERE key = 'c1:1'");
    const stats = await store.compact({ answerRetentionMs: 30 * 86_400_000 });
    assert.equal(stats.answers, 1);
    assert.equal(await store.answerFor('c1:1'), null);
    assert.ok(await store.answerFor('c1:2'));
  });

  test(`catch-up by collection uses the (collection, cursor) index, not a scan (${name})`, async (t) => {
    const store = await open(t);
    const { rows } = await store.database.query(
      `EXPLAIN SELECT c.cursor FROM syncore_changes c WHERE c.cursor > 0 AND c.cursor <= 100 AND c.collection = ANY($1::text[]) ORDER BY c.cursor LIMIT 10`,
      [['notes']],
    );
    await store.database.query('SET enable_seqscan = off').catch(() => {});
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.ok(!/Seq Scan/.test(plan) || /Index/.test(plan), plan);
    const { rows: forced } = await store.database.query(
      `EXPLAIN SELECT c.cursor FROM syncore_changes c WHERE c.cursor > 0 AND c.cursor <= 100 AND c.collection = ANY($1::text[]) ORDER BY c.cursor LIMIT 10`,
      [['notes']],
    );
    assert.match(forced.map((r) => r['QUERY PLAN']).join('\n'), /syncore_changes_collection_cursor|syncore_changes_pkey/);
  });

  test(`import: a folder the JSON-log store wrote (snapshot, log tail, torn last line) (${name})`, async (t) => {
    const folder = mkdtempSync(join(scratchRoot, 'json-log-'));
    cpSync(fileURLToPath(new URL('../fixtures/json_log_store', import.meta.url)), folder, { recursive: true });
    const store = await open(t, { idFields: { books: 'isbn' } });
    const report = await importJsonLog(folder, store);
    assert.deepEqual([report.cursor, report.changes, report.clients], [7, 7, 2]);
    assert.equal(store.cursor, 7);
    assert.deepEqual(await store.get('students', 's1'), { id: 's1', version: 3, data: { id: 's1', name: 'Bo B', score: 3 }, deleted: false });
    assert.equal((await store.get('students', 's2')).deleted, true);
    assert.deepEqual((await store.get('books', 'b1')).data, { isbn: 'b1', title: 'Dune' });
    assert.deepEqual(await store.get('grades', 7), { id: 7, version: 1, data: { id: 7, v: 'A' }, deleted: false });
    assert.equal(await store.clientOwner('c1'), 'ann');
    assert.equal(await store.claimClient('c2', 'mallory'), 'bob');
    assert.equal((await store.answerFor('c2:4')).answer.class, 'validation');
    assert.equal(await store.answerFor('c1:5'), null, 'the torn record was never acknowledged');
    // Answers replay; counters go on; cursors go on from the imported head.
    const replay = await store.apply({ key: 'c1:4', collection: 'students', id: 's1', kind: 'update', data: { name: 'x' }, baseVersion: 2 });
    assert.equal(replay.replayed, true);
    assert.deepEqual(replay.result.data, { id: 's1', name: 'Bo B', score: 3 });
    const next = await store.apply(create('c1:9', 'students', { name: 'New' }));
    assert.deepEqual([next.result.id, next.change.cursor], ['s3', 8]);
    await assert.rejects(importJsonLog(folder, store), /not empty/);
  });
});
}

test('import refuses a log with a corrupt line followed by good ones', async () => {
  const folder = mkdtempSync(join(scratchRoot, 'json-log-'));
  cpSync(fileURLToPath(new URL('../fixtures/json_log_store', import.meta.url)), folder, { recursive: true });
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = join(folder, 'log.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[0] = lines[0].slice(0, 10);
  writeFileSync(file, lines.join('\n'));
  const store = await openStore({ db: mkdtempSync(join(scratchRoot, 'pglite-')) });
  try {
    await assert.rejects(importJsonLog(folder, store), /corrupt/);
  } finally {
    await store.close();
  }
});

// initdb runs once per PGlite version, not once per process: a fresh PGlite database (the tests'
// in-memory stores, a new data folder) loads the dump kept in the temp folder (server/db.js).
test('a fresh PGlite database leaves the initdb template in the temp folder, keyed by the PGlite version', async () => {
  const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)), 'utf8'));
  const store = await openStore({});
  try {
    assert.equal(store.kind, 'pglite');
    assert.ok(existsSync(join(tmpdir(), `syncore-pglite-template-${version}.tar`)), `syncore-pglite-template-${version}.tar in ${tmpdir()}`);
  } finally {
    await store.close();
  }
});
