// A server batch's answer in the lines form (js/change_lines.js): the changed ids cross on lines
// after the envelope and are parsed only when read. Every reader must see exactly what it saw when
// the answer was one document: the same cores fed the same random batches, one reading the lines
// form lazily (with listeners, and with none), one whose handle turns each answer back into the
// one-document form before js/core.js sees it (an independent reading of the wire), compared
// commit by commit: onCommit listeners, collection and entity subscribers, a live query, get(),
// and applyServer / applyServerChanges results read only at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';
import { changedCount } from '../../js/change_lines.js';

const NOW = () => 1_700_000_000_000;
const COLLECTIONS = { todos: {}, notes: {}, other: {} };
const IDS = ['a', 'b', 'c', '__proto__', 'constructor', 'line\nbreak', 'quote"back\\slash', 'ünï', '😀', '42', 'x'];

// The lines form as one document, read without js/change_lines.js: split at the newlines, each
// line after the first the next collection's { created, deleted, updated } in "changes".
function oneDocument(text) {
  if (typeof text !== 'string' || !text.startsWith('{"ok":true,"lines":true,')) return text;
  const lines = text.split('\n');
  const envelope = JSON.parse(lines[0]);
  delete envelope.lines;
  const changes = envelope.commit.changes;
  let line = 1;
  for (const collection of Object.keys(changes)) {
    const change = JSON.parse(lines[line++]);
    assert.deepEqual(changes[collection], [change.created.length, change.deleted.length, change.updated.length]);
    Object.defineProperty(changes, collection, { value: change, writable: true, enumerable: true, configurable: true });
  }
  assert.equal(line, lines.length, 'one line per changed collection');
  return JSON.stringify(envelope);
}

const oneDocumentHandle = (seen) => (handle) =>
  new Proxy(handle, {
    get(target, name) {
      const value = target[name];
      if (typeof value !== 'function') return value;
      if (name !== 'apply' && name !== 'applyChanges') return value.bind(target);
      return (...args) => {
        const answer = value.apply(target, args);
        if (typeof answer === 'string' && answer.startsWith('{"ok":true,"lines":true,')) seen.lines++;
        return oneDocument(answer);
      };
    },
  });

// A small deterministic generator (xorshift32).
function random(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

async function makeCore(wrapHandle) {
  const core = await createSyncCore({ collections: COLLECTIONS, now: NOW, wrapHandle });
  core.configureClient({ clientId: 'c1', seed: 7, persist: false });
  core.setOnline(false);
  return core;
}

// What every listener of a core was told, as JSON text (read at once: the commit as it was).
function listenTo(core, log) {
  core.onCommit((commit) => log.push(['commit', JSON.stringify(commit.changes), commit.cursor, JSON.stringify(commit.counts)]));
  core.subscribe('todos', (changes) => log.push(['todos', JSON.stringify(changes)]));
  for (const id of ['a', '__proto__', 'line\nbreak']) core.subscribeEntity('todos', id, (s) => log.push(['entity', id, JSON.stringify(s)]));
  const q = core.query({ collection: 'notes', orderBy: [['n', 'desc']], limit: 4 });
  q.subscribe((rows) => log.push(['query', JSON.stringify(rows)]));
}

function randomBatch(next, versions) {
  const ops = [];
  const size = next(4) === 0 ? 40 + next(300) : 1 + next(6);
  for (let k = 0; k < size; k++) {
    const collection = ['todos', 'notes', 'other'][next(3)];
    const id = next(5) === 0 ? `${collection[0]}${next(400)}` : IDS[next(IDS.length)];
    const key = `${collection}\0${id}`;
    const stale = next(8) === 0;
    const version = stale ? Math.max(1, (versions.get(key) ?? 1) - 1) : (versions.get(key) ?? 0) + 1;
    if (!stale) versions.set(key, version);
    ops.push(next(6) === 0 ? { op: 'delete', collection, id, version } : { op: 'upsert', collection, id, version, data: { id, n: next(100), t: `v${version}` } });
  }
  return ops;
}

test('lines form: every listener, get() and every result say what the one-document form says, over random batches', async (t) => {
  const seen = { lines: 0 };
  const lazy = await makeCore();
  const silent = await makeCore(); // nobody listens: its ids are read only at the end
  const eager = await makeCore(oneDocumentHandle(seen));
  t.after(() => [lazy, silent, eager].forEach((c) => c.dispose()));
  const logs = { lazy: [], eager: [] };
  listenTo(lazy, logs.lazy);
  listenTo(eager, logs.eager);
  const results = { lazy: [], silent: [], eager: [] };
  const next = random(2026);
  const versions = new Map();
  for (let step = 0; step < 160; step++) {
    const ops = randomBatch(next, versions);
    const how = next(4);
    for (const [name, core] of [['lazy', lazy], ['silent', silent], ['eager', eager]]) {
      let r;
      if (how === 0) r = core.applyServerChanges(ops, { cursor: step + 1 });
      else if (how === 1) r = core.applyServer(ops);
      else r = core.applyServer({ ops, cursor: step + 1 });
      results[name].push(r);
      // A pending local edit now and then, so that server writes rebase over it.
      if (step % 9 === 4) {
        const request = core.get('todos', 'a') ? { op: 'update', patch: { local: step } } : { op: 'create', data: { id: 'a', local: step } };
        try {
          core.mutate({ collection: 'todos', id: 'a', ...request });
        } catch (err) {
          results[name].push(err.code); // the same refusal in every core
        }
      }
      // Snapshots held before the next batch: the next commit must drop exactly the changed ones.
      if (step % 3 === 0) for (const id of IDS) core.get('todos', id);
    }
    for (const id of IDS) {
      for (const collection of ['todos', 'notes']) {
        const want = JSON.stringify(eager.get(collection, id));
        assert.equal(JSON.stringify(lazy.get(collection, id)), want, `step ${step}: lazy get ${collection}/${id}`);
        if (step % 5 === 0) assert.equal(JSON.stringify(silent.get(collection, id)), want, `step ${step}: silent get ${collection}/${id}`);
      }
    }
    const last = (name) => results[name].findLast((r) => typeof r === 'object');
    assert.equal(changedCount(last('lazy').changes), changedCount(last('eager').changes), `step ${step}: counts`);
  }
  assert.ok(seen.lines >= 160, 'the server batches answered in the lines form');
  assert.ok(logs.eager.length > 400, `listeners were told (${logs.eager.length})`);
  assert.deepEqual(logs.lazy, logs.eager);
  // The results, read after every later commit: the same, key order included.
  for (let i = 0; i < results.eager.length; i++) {
    const want = JSON.stringify(results.eager[i]);
    assert.equal(JSON.stringify(results.silent[i]), want, `silent result ${i}`);
    assert.equal(JSON.stringify(results.lazy[i]), want, `lazy result ${i}`);
  }
  for (const collection of Object.keys(COLLECTIONS)) assert.deepEqual(silent.list(collection), eager.list(collection));
});

test('lines form: ids nobody read stay unparsed; reading, setting or spreading an entry behaves as a plain property', async (t) => {
  const core = await makeCore();
  t.after(() => core.dispose());
  core.applyServer([{ op: 'upsert', collection: 'notes', id: 'n1', version: 1, data: { id: 'n1' } }]);
  assert.equal(core.get('notes', 'n1').id, 'n1'); // a snapshot held in 'notes' only: nothing of 'todos' is parsed for it
  const r = core.applyServer([
    { op: 'upsert', collection: 'todos', id: 'a', version: 1, data: { id: 'a' } },
    { op: 'upsert', collection: 'todos', id: '__proto__', version: 1, data: { id: '__proto__' } },
    { op: 'upsert', collection: 'notes', id: 'n1', version: 2, data: { id: 'n1', v: 2 } },
  ]);
  assert.deepEqual(Object.keys(r.changes), ['notes', 'todos']);
  assert.equal(typeof Object.getOwnPropertyDescriptor(r.changes, 'todos').get, 'function', "todos' ids not parsed");
  assert.equal(Object.getOwnPropertyDescriptor(r.changes, 'notes').get, undefined, "notes' ids parsed: its snapshot was dropped");
  assert.equal(changedCount(r.changes), 3);
  assert.deepEqual(r.changes.notes, { created: [], deleted: [], updated: ['n1'] });
  assert.equal(core.get('notes', 'n1').v, 2, 'the held snapshot was dropped');
  const todos = r.changes.todos;
  assert.deepEqual(todos, { created: ['a', '__proto__'], deleted: [], updated: [] });
  assert.equal(r.changes.todos, todos, 'the same object on every read');
  assert.equal(Object.getOwnPropertyDescriptor(r.changes, 'todos').value, todos);
  assert.equal(changedCount(r.changes), 3);
  // An entry set before anyone read it is the value set, as a plain property would be.
  const s = core.applyServer([{ op: 'delete', collection: 'todos', id: 'a', version: 2 }, { op: 'upsert', collection: 'other', id: 'o', version: 1, data: { id: 'o' } }]);
  s.changes.todos = 'mine';
  assert.equal(s.changes.todos, 'mine');
  assert.deepEqual({ ...s.changes }, { other: { created: ['o'], deleted: [], updated: [] }, todos: 'mine' });
  assert.deepEqual(Object.keys(s.changes), ['other', 'todos']);
  // A batch that changed nothing has no entry and no line.
  const none = core.applyServer([{ op: 'upsert', collection: 'todos', id: '__proto__', version: 1, data: { id: '__proto__' } }]);
  assert.deepEqual(none.changes, {});
  assert.equal(changedCount(none.changes), 0);
});
