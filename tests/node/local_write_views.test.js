// One crossing per local write, and no entity read back that JS already holds (issue 15): for an
// update by patch of a held snapshot, a create or a delete, the commit leaves the new view out
// ("viewFromRequest") and JS makes it; the result is the very value the core holds (compared
// with the core's own text of it), frozen, keys in the core's order, and unchanged
// entities keep their snapshot objects. Text crosses through wasm memory (js/wasm_text.js):
// any Unicode, any size, across memory growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';
import { recordingHandle } from '../support/recording_handle.js';
import { parseAnswer } from '../../js/local_write_answer.js';

const NOW = () => 1_700_000_000_000;

// The core, and its own word on a view: the raw handle's get (the test seam hands the handle over).
async function pair() {
  const calls = [];
  let handle;
  const core = await createSyncCore({
    collections: { todos: {}, n: { idField: 'key' } },
    now: NOW,
    wrapHandle: recordingHandle(calls, (h) => (handle = h)),
  });
  core.configureClient({ clientId: 'c1', seed: 1, persist: false });
  core.load('todos', [
    { version: 1, data: { id: 'a', title: 'x', nested: { b: 1, d: { e: [1, { z: 1, a: 2 }] } }, list: [1, 2] } },
    { version: 1, data: { id: 'other', title: 'o' } },
    { version: 1, data: { id: 'gone', title: 'g' } },
  ]);
  const coreView = (collection, id) => JSON.parse(handle.get(collection, String(id))).value ?? undefined;
  return { core, coreView, calls };
}

const writes = [
  { collection: 'todos', op: 'update', id: 'a', patch: { title: 'y' } },
  { collection: 'todos', op: 'update', id: 'a', patch: { nested: { d: null, c: { y: 2, x: [{ q: 1, p: null }] } }, list: null, added: -0, big: 2 ** 60 } },
  { collection: 'todos', op: 'update', id: 'a', patch: { ['__proto__']: { polluted: true }, title: 'ünïcödé 😀 中文', when: new Date(0) } },
  { collection: 'todos', op: 'create', data: { id: 'c', title: 'new', z: 1, a: { y: null, x: 1 }, '😀': 1, '\uFFFD': 2, é: 3 } },
  { collection: 'n', op: 'create', data: { key: 7, v: 1 } },
  // Flat creates: JS copies the data object itself, not the request text parsed back.
  { collection: 'todos', op: 'create', data: JSON.parse('{"id":"f","__proto__":1,"t":"\u00fc\ud83d\ude00","n":null,"big":1152921504606846976,"neg":-1.5e-7,"b":false,"e":""}') },
  { collection: 'todos', op: 'create', data: Object.assign(Object.create(null), { id: 'g', z: 'last', a: 'first' }) },
  { collection: 'todos', op: 'create', data: { id: 'h', minusZero: -0, date: new Date(0), gone: undefined } },
  { collection: 'n', op: 'update', id: 7, patch: { v: 2 } },
  { collection: 'todos', op: 'delete', id: 'gone' },
];

test('a local write to a held entity crosses once and brings no view back; JS makes exactly the core\'s view', async (t) => {
  const { core, coreView, calls } = await pair();
  t.after(() => core.dispose());
  const other = core.get('todos', 'other');
  core.get('todos', 'a');
  const seen = [];
  core.subscribeEntity('todos', 'a', (s) => seen.push(s));
  for (const request of writes) {
    const held = request.op !== 'create' ? core.get(request.collection, request.id) : null;
    assert.ok(request.op === 'create' || held !== undefined);
    calls.length = 0;
    core.mutate(request);
    const id = request.id ?? request.data.id ?? request.data.key;
    const mine = core.get(request.collection, id);
    assert.deepEqual(calls.map((c) => c.name), ['mutate'], JSON.stringify(request)); // and no get after it
    const envelope = parseAnswer(calls[0].answer);
    assert.equal(envelope.viewFromRequest, true);
    assert.equal(envelope.commit.viewList, undefined);
    const theirs = coreView(request.collection, id); // the core's own view, as it writes it
    assert.deepEqual(mine, theirs);
    assert.equal(JSON.stringify(mine), JSON.stringify(theirs)); // same key order, same numbers
    if (mine !== undefined) {
      assert.ok(Object.isFrozen(mine));
      assert.equal(core.get(request.collection, id), mine); // the same object until it changes
    }
  }
  assert.equal(core.get('todos', 'other'), other); // untouched: the same snapshot object
  assert.equal(seen.length, 3);
  assert.equal(seen.at(-1), core.get('todos', 'a'));
  assert.equal(Object.getPrototypeOf(core.get('todos', 'a')), Object.prototype);
});

test('onCommit listeners still read the written view in commit.views', async (t) => {
  const { core } = await pair();
  t.after(() => core.dispose());
  core.get('todos', 'a');
  const commits = [];
  core.onCommit((c) => commits.push(c));
  core.query({ collection: 'todos' });
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'seen' } });
  assert.equal(commits[0].views.todos.a.title, 'seen');
  assert.equal(commits[0].views.todos.a, core.get('todos', 'a'));
});

test('a write refused, or taken otherwise than asked (a delete cancelling a pending create), shows the core\'s view', async (t) => {
  const { core, calls } = await pair();
  t.after(() => core.dispose());
  core.setServerLimits({ maxEntityBytes: 200 });
  const held = core.get('todos', 'a');
  assert.throws(() => core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { title: 'x'.repeat(400) } }), /large/i);
  assert.equal(core.get('todos', 'a'), held);
  core.mutate({ collection: 'todos', op: 'create', data: { id: 'p', title: 'pending' } });
  assert.equal(core.get('todos', 'p').title, 'pending');
  calls.length = 0;
  const { events } = core.mutate({ collection: 'todos', op: 'delete', id: 'p' });
  assert.ok(events.some((e) => e.type === 'settled' && e.status === 'cancelled'));
  assert.equal(parseAnswer(calls[0].answer).viewFromRequest, undefined); // not the plain case: the core's word
  assert.equal(core.get('todos', 'p'), undefined);
  assert.equal(core.count('todos'), 3);
});

test('text of any size and script crosses through wasm memory, also after the memory grew', async (t) => {
  const core = await createSyncCore({ collections: { t: {} }, now: NOW });
  t.after(() => core.dispose());
  core.configureClient({ clientId: 'c1', seed: 1, persist: false });
  const wide = '😀中é'.repeat(20_000); // 4 + 3 + 2 bytes: far past the first input buffer
  core.mutate({ collection: 't', op: 'create', data: { id: 'w', body: wide } });
  const big = Array.from({ length: 1_500 }, (_, i) => ({ id: `e${i}`, version: 1, data: { id: `e${i}`, body: `${i}ß`.repeat(2_000) } }));
  core.load('t', big); // ~12 MB of text, kept in the core too: the 16 MiB wasm memory grows
  core.mutate({ collection: 't', op: 'update', id: 'w', patch: { tail: 'ж' } });
  const q = core.query({ collection: 't', where: [['tail', 'eq', 'ж']] });
  assert.equal(q.current[0].body, wide);
  assert.equal(core.count('t'), 1_501);
  assert.equal(core.get('t', 'e1499').body, '1499ß'.repeat(2_000));
  const { changes } = core.applyServerChanges([{ op: 'upsert', collection: 't', id: 'e1', version: 2, data: { id: 'e1', body: 'ok ✓' } }]);
  assert.deepEqual(changes.t.updated, ['e1']);
  assert.equal(core.get('t', 'e1').body, 'ok ✓');
});

test('a create\'s view is the data as it was sent, whatever the caller does to its object after', async (t) => {
  const { core, coreView } = await pair();
  t.after(() => core.dispose());
  const data = { id: 'm', title: 'sent', n: 1 };
  core.mutate({ collection: 'todos', op: 'create', data });
  data.title = 'changed after';
  data.extra = true;
  const view = core.get('todos', 'm');
  assert.deepEqual(view, { id: 'm', n: 1, title: 'sent' });
  assert.deepEqual(view, coreView('todos', 'm'));
  assert.ok(Object.isFrozen(view));
});
