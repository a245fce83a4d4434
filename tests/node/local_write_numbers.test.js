// A plain local write answers numbers read in wasm memory, not text (src/wire/local_write_numbers.hpp,
// js/wasm_text.js): the collection and id JS sent are not sent back, the mutation id is the client
// id last received + '#' + a number, and only an id the core chose, a new client id and effects
// cross as text. Every field of that answer must equal what the text answer gives for the same
// write: two cores in the same state, one taking numbers and one not (its handle drops the
// NUMBERS flag), through many random writes (creates with ids at the top or in the data, server-named temp ids,
// integer and unicode ids, updates, deletes, persisted writes with effects, a client id with '#').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';
import { NUMBERS } from '../../js/wasm_text.js';
import { recordingHandle } from '../support/recording_handle.js';
import { prng } from './prng.js';

const NOW = () => 1_700_000_000_000;
const COLLECTIONS = { todos: {}, keyed: { idField: 'key' }, named: { ids: 'server' } };

// A handle that records its calls and, for the text core, never asks for numbers.
function wrap(calls, numbers) {
  const record = recordingHandle(calls);
  return (handle) => {
    if (numbers) return record(handle);
    const mutate = handle.mutate.bind(handle);
    handle.mutate = (text, now, flags, request) => mutate(text, now, flags & ~NUMBERS, request);
    return record(handle);
  };
}

async function core(numbers, persist, clientId = 'c1') {
  const calls = [];
  const commits = [];
  const c = await createSyncCore({ collections: COLLECTIONS, now: NOW, wrapHandle: wrap(calls, numbers) });
  c.configureClient({ clientId, seed: 1, persist });
  c.load('todos', [{ version: 1, data: { id: 'a', title: 'x' } }, { version: 1, data: { id: '__proto__', t: 1 } }]);
  c.onCommit((commit) => commits.push(commit));
  return { core: c, calls, commits };
}

// The same writes on every run: a number in [0, 1) from the shared PRNG.
function floats(seed) {
  const next = prng(seed);
  return () => next() / 4294967296;
}

const UNICODE = ['é', '日本', '😀', 'a b', '"q"', '\\', 'ü\u0301', '\u2028', 'x#1'];

function randomWrite(rand, live) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const r = rand();
  if (r < 0.2 || live.size < 3) {
    const kind = rand();
    if (kind < 0.25) return { collection: 'named', op: 'create', data: { title: pick(UNICODE) } }; // the core names it
    if (kind < 0.45) return { collection: 'keyed', op: 'create', data: { key: Math.floor(rand() * 1e9), v: 1 } }; // an integer id
    const id = `${pick(UNICODE)}${Math.floor(rand() * 1e6)}`;
    return rand() < 0.5
      ? { collection: 'todos', op: 'create', id, data: { title: pick(UNICODE) } }
      : { collection: 'todos', op: 'create', data: { id, title: 'in data' } };
  }
  const [collection, id] = pick([...live.values()]);
  if (r < 0.35) return { collection, op: 'delete', id };
  const patch = { n: Math.floor(rand() * 100), [pick(UNICODE)]: rand() < 0.2 ? null : pick(UNICODE) };
  return rand() < 0.2 ? { collection, op: 'update', id, patch, priority: 'high' } : { collection, op: 'update', id, patch };
}

// What a listener sees of a commit (the views are made on first read: compared apart).
const seen = (commit) => {
  const { views, viewList, ...rest } = Object.getOwnPropertyDescriptors(commit);
  return Object.fromEntries(Object.entries(rest).map(([k, d]) => [k, d.value]));
};

for (const persist of [false, true]) {
  test(`the numbers answer equals the text answer over random writes (persist: ${persist})`, async (t) => {
    // A client id with '#' and beyond ASCII: the mutation id is still "<clientId>#<n>".
    const clientId = persist ? 'c#2—é' : 'c1';
    const A = await core(true, persist, clientId);
    const B = await core(false, persist, clientId);
    t.after(() => {
      A.core.dispose();
      B.core.dispose();
    });
    const watched = [];
    A.core.subscribeEntity('todos', 'a', (s) => watched.push(['A', s]));
    B.core.subscribeEntity('todos', 'a', (s) => watched.push(['B', s]));
    A.core.subscribe('todos', () => {});
    B.core.subscribe('todos', () => {});
    const rand = floats(persist ? 7 : 3);
    const live = new Map([['todos\0a', ['todos', 'a']], ['todos\0__proto__', ['todos', '__proto__']]]);
    const forms = { numbers: 0, text: 0, effects: 0, setAside: 0, cursor: 0 };
    for (let i = 0; i < 400; i++) {
      if (i % 40 === 0) {
        // The server moves the cursor (and, once, sets a change aside): the answers' cursor and
        // setAside are not always 0.
        const server = { ops: [{ op: 'upsert', collection: 'todos', id: `srv${i}`, version: 1, data: { id: `srv${i}`, n: i } }], cursor: 1000 + i };
        A.core.applyServer(server);
        B.core.applyServer(server);
        live.set(`todos\0srv${i}`, ['todos', `srv${i}`]);
        if (i === 80) for (const c of [A, B]) c.core.applyServerChanges([{ op: 'upsert', collection: 'nope', id: 'x', version: 1, data: {} }]);
      }
      const write = randomWrite(rand, live);
      A.calls.length = 0;
      B.calls.length = 0;
      let resultA;
      let resultB;
      let errA;
      let errB;
      try {
        resultA = A.core.mutate(structuredClone(write));
      } catch (err) {
        errA = err;
      }
      try {
        resultB = B.core.mutate(structuredClone(write));
      } catch (err) {
        errB = err;
      }
      const label = `write ${i}: ${JSON.stringify(write)}`;
      assert.equal(errA?.code, errB?.code, label);
      assert.equal(errA?.message, errB?.message, label);
      if (errA) continue;
      const a = A.calls.find((c) => c.name === 'mutate').answer;
      const b = B.calls.find((c) => c.name === 'mutate').answer;
      assert.equal(typeof b, 'string', label);
      if (b[0] === '[') {
        // The short text answer: the numbers one must be that very array, field by field.
        assert.ok(Array.isArray(a), `${label}: a plain write answers numbers`);
        assert.deepEqual(a, JSON.parse(b), label);
        forms.numbers++;
        if (a.length > 12) forms.effects++;
        if (a[9] > 0) forms.setAside++;
        if (a[5] > 0) forms.cursor++;
      } else {
        assert.equal(a, b, `${label}: a write that is not plain answers the same envelope text`);
        forms.text++;
      }
      assert.deepEqual(resultA, resultB, label);
      const ca = seen(A.commits.at(-1));
      const cb = seen(B.commits.at(-1));
      assert.deepEqual(ca, cb, label);
      assert.deepEqual(Object.keys(ca), Object.keys(cb), label);
      assert.deepEqual(A.core.counts, B.core.counts, label);
      // Bookkeeping of the live entities, from the commit's own changes.
      for (const [collection, change] of Object.entries(ca.changes)) {
        for (const id of [...change.created, ...change.updated]) live.set(`${collection}\0${id}`, [collection, id]);
        for (const id of change.deleted) live.delete(`${collection}\0${id}`);
      }
      for (const [collection, id] of live.values()) assert.deepEqual(A.core.get(collection, id), B.core.get(collection, id), label);
    }
    // The random writes met every form: numbers with and without text, and the envelope text.
    assert.ok(forms.numbers > 200, JSON.stringify(forms));
    assert.ok(forms.text > 0, JSON.stringify(forms));
    assert.equal(forms.effects > 0, persist, JSON.stringify(forms));
    assert.ok(forms.setAside > 0 && forms.cursor > 0, JSON.stringify(forms));
    assert.deepEqual(watched.filter(([w]) => w === 'A').map(([, s]) => s), watched.filter(([w]) => w === 'B').map(([, s]) => s));
  });
}

test('the numbers answer leaves out what JS holds: no text for an update of a string id', async (t) => {
  const A = await core(true, false);
  t.after(() => A.core.dispose());
  const textParts = () => A.calls.filter((c) => c.name === 'mutate').length;
  A.calls.length = 0;
  const first = A.core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { n: 1 } });
  assert.equal(first.mutationId, 'c1#1');
  assert.equal(textParts(), 1);
  // The answer is the short array, its id and collection the request's own strings.
  const [answer] = A.calls.map((c) => c.answer);
  assert.ok(Array.isArray(answer));
  assert.equal(answer[1], 'todos');
  assert.equal(answer[3], 'a');
  assert.equal(answer[4], 'c1#1');
  const second = A.core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { n: 2 } });
  assert.equal(second.mutationId, 'c1#2');
  // An integer id crosses back as the core's text of it.
  const created = A.core.mutate({ collection: 'keyed', op: 'create', data: { key: 12, v: 1 } });
  assert.deepEqual(created.changes, { keyed: { created: ['12'], deleted: [], updated: [] } });
  assert.deepEqual(A.core.get('keyed', '12'), { key: '12', v: 1 });
  // A server-named create: the temp id is the core's, and JS learns it from the answer.
  const named = A.core.mutate({ collection: 'named', op: 'create', data: { title: 't' } });
  assert.match(named.changes.named.created[0], /^tmp-c1-/);
  assert.equal(named.events[0].id, named.changes.named.created[0]);
});
