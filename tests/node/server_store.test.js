// The reference sync server's store (server/store.js): merge patch, versions, conflicts,
// idempotency, catch-up chunks, and durability: snapshot + log replay, torn last line.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncStore, mergePatch, mutationShapeError } from '../../server/store.js';

/** A scratch data folder; stores opened through it are closed, then the folder removed. */
function scratch(t) {
  const dir = mkdtempSync(join(tmpdir(), 'syncore-store-'));
  const stores = [];
  t.after(() => {
    for (const s of stores) s.close({ snapshot: false });
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, open: (options = {}) => stores[stores.push(new SyncStore({ dataDir: dir, ...options })) - 1] };
}
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

describe('SyncStore in memory', () => {
  test('create assigns a server id, versions bump, the log and cursor grow', () => {
    const store = new SyncStore();
    const r1 = store.apply(create('c1:1', 'students', { name: 'Bo' }));
    assert.equal(r1.result.status, 'ok');
    assert.equal(r1.result.id, 's1');
    assert.equal(r1.result.version, 1);
    assert.deepEqual(r1.result.data, { id: 's1', name: 'Bo' });
    assert.equal(r1.change.cursor, 1);
    assert.equal(r1.change.origin, 'c1:1');
    const r2 = store.apply(update('c1:2', 'students', 's1', { score: 3 }, 1));
    assert.deepEqual(r2.result, { key: 'c1:2', status: 'ok', id: 's1', version: 2, data: { id: 's1', name: 'Bo', score: 3 } });
    assert.equal(store.cursor, 2);
    assert.deepEqual(store.get('students', 's1'), { id: 's1', version: 2, data: { id: 's1', name: 'Bo', score: 3 }, deleted: false });
  });

  test('a kept client id, integer ids compared as text, a live id is a conflict', () => {
    const store = new SyncStore();
    assert.equal(store.apply(create('c1:1', 'things', { n: 1 }, 'uuid-1')).result.id, 'uuid-1');
    assert.equal(store.apply(create('c1:2', 'things', { n: 1 }, 17)).result.id, 17);
    assert.equal(store.apply(update('c1:3', 'things', '17', { n: 2 }, 1)).result.status, 'ok');
    const again = store.apply(create('c1:4', 'things', { n: 9 }, 'uuid-1'));
    assert.equal(again.result.status, 'conflict');
    assert.equal(again.change, null);
  });

  test('server ids skip ids the clients chose', () => {
    const store = new SyncStore();
    store.apply(create('c1:1', 'grades', {}, 'g1'));
    assert.equal(store.apply(create('c1:2', 'grades', {})).result.id, 'g2');
  });

  test('a custom id field', () => {
    const store = new SyncStore({ idFields: { notes: 'key' } });
    const r = store.apply({ key: 'c1:1', collection: 'notes', id: 'tmp-1', kind: 'create', data: { key: 'tmp-1', text: 'x' }, baseVersion: -1 });
    assert.deepEqual(r.result.data, { key: 'n1', text: 'x' });
  });

  test('the same key is applied once and answered the same', () => {
    const store = new SyncStore();
    const first = store.apply(create('c1:1', 'students', { name: 'Bo' }));
    const second = store.apply(create('c1:1', 'students', { name: 'Bo' }));
    assert.deepEqual(second.result, first.result);
    assert.equal(second.replayed, true);
    assert.equal(second.change, null);
    assert.equal(store.cursor, 1);
    assert.equal(store.list('students').length, 1);
  });

  test('conflicts: stale base version, deleted and missing entities; nothing is stored', () => {
    const store = new SyncStore();
    store.apply(create('c1:1', 'students', { name: 'Bo' }));
    store.apply(update('c1:2', 'students', 's1', { name: 'Al' }, 1));
    const stale = store.apply(update('c1:3', 'students', 's1', { name: 'Cy' }, 1));
    assert.deepEqual(stale.result, { key: 'c1:3', status: 'conflict', version: 2, data: { id: 's1', name: 'Al' } });
    assert.equal(store.answerFor('c1:3'), null, 'a conflict is not remembered');
    assert.equal(store.apply(remove('c1:4', 'students', 's1', 2)).result.status, 'ok');
    assert.deepEqual(store.apply(update('c1:5', 'students', 's1', { a: 1 }, 3)).result, { key: 'c1:5', status: 'conflict', version: 3, data: null });
    assert.deepEqual(store.apply(remove('c1:6', 'students', 'nope', 1)).result, { key: 'c1:6', status: 'conflict', version: 0, data: null });
  });

  test('malformed mutations are refused for good (validation, stored)', () => {
    const store = new SyncStore();
    for (const bad of [
      { key: 'c1:1', collection: '', kind: 'create', data: {} },
      { key: 'c1:2', collection: 'a', kind: 'upsert', data: {} },
      { key: 'c1:3', collection: 'a', kind: 'update', id: 'x', data: [1], baseVersion: 1 },
      { key: 'c1:4', collection: 'a', kind: 'update', id: 'x', data: {} },
      { key: 'c1:5', collection: 'a', kind: 'delete', id: {}, baseVersion: 1 },
      { key: 'c1:6', collection: 'a', kind: 'create', data: 'x' },
    ]) {
      assert.ok(mutationShapeError(bad), JSON.stringify(bad));
      const { result } = store.apply(bad);
      assert.equal(result.status, 'error');
      assert.equal(result.class, 'validation');
      assert.equal(store.answerFor(bad.key).answer.class, 'validation');
    }
    assert.equal(store.cursor, 0);
  });

  test('changesSince: chunks with more, compaction keeps the latest state and deletes', () => {
    const store = new SyncStore();
    for (let i = 1; i <= 4; i++) store.apply(create(`c1:${i}`, 'students', { n: i })); // s1..s4, cursors 1-4
    store.apply(update('c1:5', 'students', 's1', { n: 10 }, 1)); // 5
    store.apply(remove('c1:6', 'students', 's2', 1)); // 6
    store.apply(update('c1:7', 'students', 's1', { n: 11 }, 2)); // 7
    const full = store.changesSince(0, { compact: false, limit: 100 });
    assert.equal(full.changes.length, 7);
    const compact = store.changesSince(0, { limit: 100 });
    assert.deepEqual(compact.changes.map((c) => [c.op, c.id, c.version, c.cursor]), [
      ['upsert', 's3', 1, 3],
      ['upsert', 's4', 1, 4],
      ['delete', 's2', 2, 6],
      ['upsert', 's1', 3, 7],
    ]);
    assert.equal(compact.cursor, 7);
    assert.equal(compact.more, false);
    const a = store.changesSince(0, { limit: 3 });
    assert.deepEqual([a.changes.length, a.cursor, a.more], [3, 6, true]);
    const b = store.changesSince(a.cursor, { limit: 3 });
    assert.deepEqual([b.changes.map((c) => c.id), b.cursor, b.more], [['s1'], 7, false]);
    assert.equal(store.changesSince(7).changes.length, 0);
    assert.equal(store.changesSince(7).cursor, 7);
    assert.equal(store.changesSince(0, { filter: (c) => c === 'other' }).cursor, 7);
  });
});

describe('SyncStore on disk', () => {
  test('reopening after a clean close (snapshot) keeps entities, cursor, answers and id counters', (t) => {
    const { dir, open } = scratch(t);
    let store = open();
    const created = store.apply(create('c1:1', 'students', { name: 'Bo' })).result;
    store.apply(update('c1:2', 'students', 's1', { name: 'Al' }, 1));
    store.recordAnswer('c1:3', { key: 'c1:3', status: 'error', class: 'validation', message: 'no' }, { userId: 'u' });
    store.close();
    assert.ok(existsSync(join(dir, 'snapshot.json')));
    assert.equal(readFileSync(join(dir, 'log.jsonl'), 'utf8'), '', 'the snapshot empties the log');
    store = open();
    assert.equal(store.recovery.snapshot, true);
    assert.equal(store.cursor, 2);
    assert.deepEqual(store.get('students', 's1').data, { id: 's1', name: 'Al' });
    assert.deepEqual(store.apply(create('c1:1', 'students', { name: 'Bo' })).result, created);
    assert.equal(store.answerFor('c1:3').userId, 'u');
    assert.equal(store.apply(create('c1:4', 'students', {})).result.id, 's2');
    assert.equal(store.changeLog().length, 3);
  });

  test('a crash (no snapshot) is recovered from the log; a periodic snapshot plus log tail too', (t) => {
    const { dir, open } = scratch(t);
    let store = open({ snapshotEvery: 3 });
    for (let i = 1; i <= 5; i++) store.apply(create(`c1:${i}`, 'students', { n: i }));
    store.close({ snapshot: false });
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 2, 'records 4 and 5 after the snapshot at 3');
    store = open({ snapshotEvery: 3 });
    assert.deepEqual(store.recovery, { snapshot: true, replayed: 2, tornBytes: 0 });
    assert.equal(store.cursor, 5);
    assert.equal(store.list('students').length, 5);
    assert.equal(store.apply(create('c1:5', 'students', {})).result.id, 's5', 'answer replayed from the log');
  });

  test('a torn last line is ignored and cut off; later appends stay readable', (t) => {
    const { dir, open } = scratch(t);
    let store = open();
    store.apply(create('c1:1', 'students', { name: 'Bo' }));
    store.apply(create('c1:2', 'students', { name: 'Al' }));
    store.close({ snapshot: false });
    appendFileSync(join(dir, 'log.jsonl'), '{"seq":3,"key":"c1:3","answer":{"key":"c1:3","sta');
    store = open();
    assert.equal(store.recovery.replayed, 2);
    assert.ok(store.recovery.tornBytes > 0);
    assert.equal(store.cursor, 2);
    assert.equal(store.answerFor('c1:3'), null);
    store.apply(create('c1:3', 'students', { name: 'Cy' }));
    store.close({ snapshot: false });
    store = open();
    assert.equal(store.recovery.tornBytes, 0);
    assert.equal(store.cursor, 3);
    assert.deepEqual(store.list('students').map((e) => e.data.name), ['Bo', 'Al', 'Cy']);
  });

  test('a complete last line without its newline is kept', (t) => {
    const { dir, open } = scratch(t);
    let store = open();
    store.apply(create('c1:1', 'students', { name: 'Bo' }));
    store.close({ snapshot: false });
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').trimEnd());
    store = open();
    store.apply(create('c1:2', 'students', { name: 'Al' }));
    store.close({ snapshot: false });
    store = open();
    assert.equal(store.cursor, 2);
  });

  test('a corrupt line in the middle of the log is an error, not a guess', (t) => {
    const { dir, open } = scratch(t);
    const store = open();
    store.apply(create('c1:1', 'students', {}));
    store.apply(create('c1:2', 'students', {}));
    store.close({ snapshot: false });
    const file = join(dir, 'log.jsonl');
    const [l1, l2] = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${l1.slice(0, 10)}\n${l2}\n`);
    assert.throws(() => open(), /corrupt/);
  });
});
