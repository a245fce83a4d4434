// Calls that cross the wasm boundary per local mutation and per server batch, counted through the
// public test seam createSyncCore({ wrapHandle }): a Proxy that counts every handle method called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { recordingHandle } from '../support/recording_handle.js';
import { scriptedTransport } from '../support/scripted_transport.js';

// Upper bounds for the work below: the commit carries the counters and the views of the entities
// a live query or the caller shows next, so JS never asks the core again after a commit.
// Before (main at 7fa7c04): 4 per local mutation (mutate, getMany, stats, stats) and 4 per server
// batch (applyChanges, getMany, stats, stats). Now: the one call that commits.
const MAX_PER_LOCAL_MUTATION = 1;
const MAX_PER_SERVER_BATCH = 1;

async function openClient() {
  const calls = [];
  const transport = scriptedTransport({ hold: true }); // pushes stay in flight: only the commits cross
  const client = await createSyncClient({ collections: { todos: {} }, transport, storage: 'memory', wrapHandle: recordingHandle(calls) });
  await client.flush();
  return { client, calls, transport };
}

test('one local mutation with a live query open crosses the boundary at most MAX_PER_LOCAL_MUTATION times', async (t) => {
  const { client, calls } = await openClient();
  t.after(() => client.close());
  const todos = client.collection('todos');
  const seen = [];
  const query = todos.query({});
  query.subscribe((rows) => seen.push(rows));
  const first = todos.create({ title: 'warm-up' });
  await client.flush();

  calls.length = 0;
  const { value } = todos.patch(first.id, { title: 'patched' });
  await client.flush();
  const crossings = calls.map((c) => c.name);
  console.log(`local mutation crossings: ${crossings.length} (${crossings.join(', ')})`);

  assert.equal(crossings[0], 'mutate'); // counted through the seam: the commit itself crossed
  assert.equal(value.title, 'patched');
  assert.equal(seen.at(-1)[0].title, 'patched');
  assert.equal(client.status.pending, 2);
  assert.ok(crossings.length <= MAX_PER_LOCAL_MUTATION, `${crossings.length} crossings: ${crossings.join(', ')}`);
});

test('one server batch of 10 changes crosses the boundary at most MAX_PER_SERVER_BATCH times', async (t) => {
  const { client, calls, transport } = await openClient();
  t.after(() => client.close());
  const seen = [];
  const query = client.collection('todos').query({});
  query.subscribe((rows) => seen.push(rows));

  calls.length = 0;
  const changes = Array.from({ length: 10 }, (_, i) => ({ op: 'upsert', collection: 'todos', id: `s${i}`, version: 1, data: { id: `s${i}`, title: `server ${i}` } }));
  assert.equal(transport.sink.deliver(changes, 10), true);
  await client.flush();
  const crossings = calls.map((c) => c.name);
  console.log(`server batch crossings: ${crossings.length} (${crossings.join(', ')})`);

  assert.equal(crossings[0], 'applyChanges');
  assert.equal(seen.at(-1).length, 10);
  assert.equal(seen.at(-1)[9].title, 'server 9');
  assert.equal(client.core.cursor, 10);
  assert.ok(crossings.length <= MAX_PER_SERVER_BATCH, `${crossings.length} crossings: ${crossings.join(', ')}`);
});
