// Group commit: commits made while a storage write is under way go to storage as one write, and
// each send still follows the write that made its mutations durable.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient, createMemoryStorage } from '../../js/node.js';
import { groupEffects, GroupCommit } from '../../js/client/group_commit.js';

test('groupEffects: one write with the last word on each record, then the other effects in commit order', () => {
  const a = { type: 'persist', put: [{ store: 'entities', key: ['todos', 'a'], value: 1 }], delete: [] };
  const b = { type: 'persist', put: [{ store: 'outbox', key: 1, value: 'x' }], delete: [{ store: 'entities', key: ['todos', 'a'] }] };
  const c = { type: 'persist', put: [{ store: 'entities', key: ['todos', 'b'], value: 2 }], delete: [{ store: 'outbox', key: 1 }] };
  const grouped = groupEffects([[a, { type: 'send', batch: 1 }], [b, { type: 'wake', at: 5 }], [c, { type: 'send', batch: 2 }]]);
  assert.deepEqual(grouped.map((e) => e.type), ['persist', 'send', 'wake', 'send']);
  assert.deepEqual(grouped.slice(1).map((e) => e.batch ?? e.at), [1, 5, 2]);
  const [w] = grouped;
  assert.deepEqual(w.put, [{ store: 'entities', key: ['todos', 'b'], value: 2 }]);
  assert.deepEqual(w.delete, [{ store: 'entities', key: ['todos', 'a'] }, { store: 'outbox', key: 1 }]);
  assert.deepEqual(w.parts, [a, b, c]);
  // One persist effect is passed on as it is (storage wrappers may know it by identity).
  assert.equal(groupEffects([[a], [{ type: 'wake', at: 1 }]])[0], a);
});

test('1,000 quick mutations: a few writes, not 1,000; all durable and restored after a restart', async (t) => {
  const inner = createMemoryStorage();
  let writes = 0;
  const storage = { ...inner, write: async (effect) => {
    writes++;
    await new Promise((resolve) => setTimeout(resolve, 2)); // a write takes a while, as IndexedDB's does
    return inner.write(effect);
  }, close: async () => {} }; // the restart below reads the same memory storage
  const collections = { todos: {} };
  const client = await createSyncClient({ collections, storage, window: new EventTarget(), document: new EventTarget() });
  const todos = client.collection('todos');
  for (let i = 0; i < 1000; i++) todos.create({ id: `t${i}`, n: i });
  for (let i = 0; i < 1000; i += 2) todos.patch(`t${i}`, { n: -i });
  await client.flush();
  assert.ok(writes >= 1 && writes < 20, `${writes} writes`);
  await client.close();

  const again = await createSyncClient({ collections, storage: inner, window: new EventTarget(), document: new EventTarget() });
  t.after(() => again.close());
  assert.equal(again.collection('todos').count(), 1000);
  assert.equal(again.collection('todos').get('t10').n, -10);
  assert.equal(again.collection('todos').get('t11').n, 11);
  assert.equal(again.status.pending, 1000); // creates and their edits coalesced, none sent yet
});

// The runner on storage that keeps concurrent writes in order (as IndexedDB does).
function orderedStorage({ delayMs = 5, fail = () => false } = {}) {
  const records = new Map();
  const started = [];
  return {
    records,
    started,
    orderedWrites: true,
    async write(effect) {
      started.push({ at: Date.now(), effect });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail(effect)) throw Object.assign(new Error('refused'), { code: 'STORAGE_FAILED' });
      for (const r of effect.put ?? []) records.set(r.key, r.value);
    },
  };
}

function runnerOn(storage, options) {
  const log = { sends: [], durable: [], failures: 0 };
  const runner = new GroupCommit({
    storage: () => storage,
    send: (e) => log.sends.push(e.batch),
    wake: () => {},
    writeFailed: () => log.failures++,
    writeSucceeded: () => {},
    durable: (n) => log.durable.push(n),
    error: (err) => {
      throw err;
    },
  }, options);
  return { runner, log };
}

const put = (key, value) => ({ type: 'persist', put: [{ store: 'meta', key, value }], delete: [] });

test('group commit bound: while a slow write is under way, the next group starts after maxDelayMs, not after it', async () => {
  const storage = orderedStorage({ delayMs: 200 });
  const { runner } = runnerOn(storage, { maxDelayMs: 20, maxRecords: 1000 });
  runner.push([put('a', 1)]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  runner.push([put('b', 1)]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(storage.started.length, 2, 'the second write started while the first was under way');
  assert.ok(storage.started[1].at - storage.started[0].at < 150, `${storage.started[1].at - storage.started[0].at} ms apart`);
  // maxRecords: a group that fills up starts at once, in the same task.
  const { runner: full } = runnerOn(storage, { maxDelayMs: 10_000, maxRecords: 2 });
  full.push([put('c', 1)]);
  await Promise.resolve();
  const before = storage.started.length;
  full.push([put('d', 1)]);
  full.push([put('e', 1), put('f', 1)]);
  // d (1 record) and e+f (2) make 3 >= 2: the first group (d) goes to storage inside push(),
  // the next (e and f) in a task of its own (one group per task: a backlog is not one long task).
  assert.equal(storage.started.length, before + 1, 'the first full group went to storage inside push(), the next did not');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(storage.started.length, before + 2, 'the next group went in the next task');
  assert.deepEqual(storage.started.at(-1).effect.put.map((r) => r.key), ['e', 'f']);
  await runner.flush();
  await full.flush();
});

test('a failed write is retried folded with the writes issued after it: newer values stay; sends wait, in order', async () => {
  let refusals = 1;
  const storage = orderedStorage({ fail: (effect) => effect.put.some((r) => r.key === 'x' && r.value === 1) && refusals-- > 0 });
  const { runner, log } = runnerOn(storage, { maxRecords: 1, retryMs: 10 });
  runner.push([put('x', 1), { type: 'send', batch: 1 }]);
  runner.push([put('x', 2), { type: 'send', batch: 2 }]); // issued while the first is under way
  await runner.flush();
  assert.equal(log.failures, 1);
  assert.equal(storage.records.get('x'), 2, 'the retry did not put the older value back');
  assert.deepEqual(log.sends, [1, 2]);
  assert.deepEqual(log.durable.at(-1), 2);
});

// Through createSyncClient: storage that keeps concurrent writes in order says so (orderedWrites;
// the IndexedDB adapter is taken as such), and the bounds apply.
async function clientOnOrderedStorage() {
  const inner = createMemoryStorage();
  const log = { starts: [], slowMs: 0, inBurst: false, duringBurst: 0 };
  const storage = { ...inner, orderedWrites: true, write: async (effect) => {
    log.starts.push(Date.now());
    if (log.inBurst) log.duringBurst++;
    if (log.slowMs) await new Promise((resolve) => setTimeout(resolve, log.slowMs));
    return inner.write(effect);
  } };
  const client = await createSyncClient({ collections: { todos: {} }, storage, window: new EventTarget(), document: new EventTarget() });
  return { client, log };
}

test('a slow write under way does not hold later edits back: they go to storage within groupCommit.maxDelayMs', async (t) => {
  const { client, log } = await clientOnOrderedStorage();
  t.after(() => client.close());
  log.slowMs = 1500;
  const before = log.starts.length;
  client.collection('todos').create({ title: 'a' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  client.collection('todos').create({ title: 'b' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(log.starts.length - before, 2, "b's write started while a's was still under way");
  assert.equal(client.status.unsaved, 2);
});

test('a burst of edits in one task starts writing during the burst, in groups of groupCommit.maxRecords', async (t) => {
  const { client, log } = await clientOnOrderedStorage();
  t.after(() => client.close());
  const todos = client.collection('todos');
  log.inBurst = true;
  for (let i = 0; i < 600; i++) todos.create({ id: `t${i}`, n: i }); // ~1,200 records
  log.inBurst = false;
  assert.ok(log.duringBurst >= 3, `${log.duringBurst} writes started during the burst`);
  await client.flush();
  assert.equal(client.status.unsaved, 0);
});

test('groupEffects: a number key and the same digits as a string key are different records', () => {
  const a = { type: 'persist', put: [{ store: 'outbox', key: 1, value: 'n' }, { store: 'conflicts', key: '1', value: 's' }], delete: [] };
  const b = { type: 'persist', put: [{ store: 'outbox', key: '1', value: 'S' }, { store: 'outbox', key: 1, value: 'N' }], delete: [{ store: 'conflicts', key: 1 }] };
  const [persist] = groupEffects([[a], [b]]);
  const of = (store, key) => persist.put.find((r) => r.store === store && r.key === key)?.value;
  assert.equal(of('outbox', 1), 'N');
  assert.equal(of('outbox', '1'), 'S');
  assert.equal(of('conflicts', '1'), 's');
  assert.deepEqual(persist.delete, [{ store: 'conflicts', key: 1 }]);
});
