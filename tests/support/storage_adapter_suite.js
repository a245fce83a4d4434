// The storage-adapter conformance suite: what every storage adapter promises the client, run
// against each adapter (tests/node/storage_conformance.test.js). Modelled on automerge-repo's
// runStorageAdapterTests: one setup per test, an adapter that knows nothing of what it stores.
//
// The records here are opaque on purpose: values of any shape, under every store a persist
// effect names, with string, number and array keys. An adapter that reads the core's record
// schema (what is inside a value) has no business doing so, and would be caught here by values
// that do not follow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const STORES = ['meta', 'entities', 'outbox', 'deadLetters', 'conflicts'];

// Any shape at all: nested arrays, nulls, unicode, a value that is only a number.
const opaque = (n) => ({ n, list: [n, `v${n}`, null, { deep: [true, false] }], text: 'ünïcödé ✓' });

const persist = (put = [], del = []) => ({ type: 'persist', put, delete: del });

const sortRecords = (records) => [...records].sort((a, b) => {
  const ka = JSON.stringify([a.store, a.key]);
  const kb = JSON.stringify([b.store, b.key]);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
});

/**
 * @param {string} title the adapter's name in test titles
 * @param {() => Promise<{ adapter: object, reopen?: () => Promise<object>, teardown?: () => Promise<void> }>} setup
 *   a fresh, empty adapter; reopen (where the adapter persists): a new adapter on the same data
 */
export function runStorageAdapterTests(title, setup) {
  const each = (name, body) => test(`${title}: ${name}`, async () => {
    const ctx = await setup();
    try {
      await body(ctx);
    } finally {
      await ctx.teardown?.();
    }
  });

  each('a new storage reads back nothing', async ({ adapter }) => {
    assert.deepEqual(await adapter.readAll(), []);
  });

  each('what a write puts is read back as it was, in every store and with every kind of key', async ({ adapter }) => {
    const records = [];
    for (const [i, store] of STORES.entries()) {
      records.push({ store, key: `k${i}`, value: opaque(i) });
      records.push({ store, key: i + 100, value: i });
      records.push({ store, key: ['todos', `id-${i}`], value: [opaque(i), 'x'] });
    }
    await adapter.write(persist(records));
    assert.deepEqual(sortRecords(await adapter.readAll()), sortRecords(records));
  });

  each('one key in two stores is two records', async ({ adapter }) => {
    await adapter.write(persist([{ store: 'meta', key: 'same', value: 1 }, { store: 'outbox', key: 'same', value: 2 }]));
    await adapter.write(persist([], [{ store: 'meta', key: 'same' }]));
    assert.deepEqual(await adapter.readAll(), [{ store: 'outbox', key: 'same', value: 2 }]);
  });

  each('a later put replaces the value; a delete removes it; deleting what is not there is no error', async ({ adapter }) => {
    await adapter.write(persist([{ store: 'entities', key: ['a', '1'], value: opaque(1) }, { store: 'outbox', key: 7, value: 'x' }]));
    await adapter.write(persist([{ store: 'entities', key: ['a', '1'], value: opaque(2) }], [{ store: 'outbox', key: 7 }, { store: 'conflicts', key: 'never' }]));
    assert.deepEqual(await adapter.readAll(), [{ store: 'entities', key: ['a', '1'], value: opaque(2) }]);
  });

  each('writes issued one after another without waiting land in that order', async ({ adapter }) => {
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push(adapter.write(persist([{ store: 'meta', key: 'counter', value: i }])));
    await Promise.all(writes);
    assert.deepEqual(await adapter.readAll(), [{ store: 'meta', key: 'counter', value: 19 }]);
  });

  each('a write with a record it cannot take fails whole: nothing of it is stored', async ({ adapter }) => {
    await adapter.write(persist([{ store: 'meta', key: 'kept', value: 1 }]));
    const bad = persist([{ store: 'meta', key: 'new', value: 2 }, { store: 'no-such-store', key: 'x', value: 3 }], [{ store: 'meta', key: 'kept' }]);
    await assert.rejects(adapter.write(bad), (err) => typeof err?.code === 'string');
    const badKey = persist([{ store: 'meta', key: 'new2', value: 2 }, { store: 'meta', key: { not: 'a key' }, value: 3 }]);
    await assert.rejects(adapter.write(badKey), (err) => typeof err?.code === 'string');
    assert.deepEqual(await adapter.readAll(), [{ store: 'meta', key: 'kept', value: 1 }]);
  });

  each('values are copies: neither the effect written nor a record read back is shared with the store', async ({ adapter }) => {
    const value = opaque(1);
    const effect = persist([{ store: 'entities', key: ['a', '1'], value }]);
    const before = structuredClone(effect);
    await adapter.write(effect);
    assert.deepEqual(effect, before, 'the effect is left as it was (a failed write is retried as is)');
    value.n = 99;
    const [read] = await adapter.readAll();
    assert.equal(read.value.n, 1);
    read.value.n = 42;
    assert.equal((await adapter.readAll())[0].value.n, 1);
  });

  each('a large value round-trips', async ({ adapter }) => {
    const big = { text: 'x'.repeat(200_000), list: Array.from({ length: 2000 }, (_, i) => i) };
    await adapter.write(persist([{ store: 'entities', key: ['big', '1'], value: big }]));
    assert.deepEqual((await adapter.readAll())[0].value, big);
  });

  each('clear() empties every store', async ({ adapter }) => {
    await adapter.write(persist(STORES.map((store, i) => ({ store, key: i, value: opaque(i) }))));
    await adapter.clear();
    assert.deepEqual(await adapter.readAll(), []);
  });

  each('quarantine() moves records out and tells subscribers; readQuarantine() lists them until clearQuarantine()', async ({ adapter }) => {
    const keep = { store: 'outbox', key: 1, value: opaque(1) };
    const refused = { store: 'entities', key: ['a', 'bad'], value: { anything: 'at all' } };
    await adapter.write(persist([keep, refused]));
    const events = [];
    const off = adapter.subscribe((e) => events.push(e));
    await adapter.quarantine([refused], 'refused by the core');
    off();
    assert.deepEqual(await adapter.readAll(), [keep]);
    assert.deepEqual(events.map((e) => [e.type, e.store, e.key]), [['quarantined', 'entities', ['a', 'bad']]]);
    const held = await adapter.readQuarantine();
    assert.deepEqual(held.map(({ store, key, value, reason }) => ({ store, key, value, reason })), [{ ...refused, reason: 'refused by the core' }]);
    assert.ok(Number.isFinite(held[0].at));
    await adapter.clearQuarantine();
    assert.deepEqual(await adapter.readQuarantine(), []);
  });

  each('after close() a write fails', async ({ adapter }) => {
    await adapter.close();
    await assert.rejects(adapter.write(persist([{ store: 'meta', key: 'late', value: 1 }])), (err) => typeof err?.code === 'string');
  });

  each('what was written is there after a reopen (storage that persists)', async ({ adapter, reopen }) => {
    const records = [{ store: 'meta', key: 'core', value: opaque(5) }, { store: 'entities', key: ['a', '1'], value: opaque(6) }];
    await adapter.write(persist(records));
    if (!reopen) {
      // Memory storage keeps nothing past its object: the same adapter still has it.
      assert.deepEqual(sortRecords(await adapter.readAll()), sortRecords(records));
      return;
    }
    await adapter.close();
    const again = await reopen();
    try {
      assert.deepEqual(sortRecords(await again.readAll()), sortRecords(records));
    } finally {
      await again.close();
    }
  });
}
