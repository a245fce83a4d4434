// Standard Schema validation of local writes (issue 16, item 2), through the public API with the
// three libraries that implement `~standard`: zod 4, valibot 1, arktype 2. A write the schema
// refuses throws SyncError VALIDATION with the issues, and nothing is queued or changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { createElement as h, act } from 'react';
import { createSyncClient, createSyncCore, collection, SyncError, ErrorCodes } from '../../js/node.js';
import { SyncProvider, useCollection, useMutation } from '../../js/react/index.js';
import { mount } from './react_dom.js';

// The same todo in each library: { id: string, title: non-empty string, done: boolean, tags?: string[] }.
const schemas = {
  zod: z.object({ id: z.string(), title: z.string().min(1), done: z.boolean(), tags: z.array(z.string()).optional() }),
  valibot: v.object({ id: v.string(), title: v.pipe(v.string(), v.minLength(1)), done: v.boolean(), tags: v.optional(v.array(v.string())) }),
  arktype: type({ id: 'string', title: 'string > 0', done: 'boolean', 'tags?': 'string[]' }),
};

async function clientWith(t, todos) {
  const client = await createSyncClient({ collections: { todos }, storage: 'memory', client: { clientId: 'c1', seed: 1 } });
  t.after(() => client.close());
  return client;
}

// The write throws VALIDATION with an issue at `path`, and the client is exactly as before.
function assertRefused(client, write, path) {
  const pending = client.status.pending;
  const outbox = client.core.pendingMutations();
  const view = client.collection('todos').list();
  let queued = 0;
  const off = client.on('operationQueued', () => queued++);
  let caught;
  try {
    write();
  } catch (err) {
    caught = err;
  } finally {
    off();
  }
  assert.ok(caught instanceof SyncError, `a SyncError, not ${caught}`);
  assert.equal(caught.code, 'VALIDATION');
  assert.equal(caught.code, ErrorCodes.VALIDATION);
  assert.ok(Array.isArray(caught.issues) && caught.issues.length > 0, 'the schema\'s issues');
  for (const issue of caught.issues) {
    assert.equal(typeof issue.message, 'string');
    assert.ok(Array.isArray(issue.path));
  }
  assert.ok(caught.issues.some((i) => i.path.join('.') === path), `an issue at '${path}': ${JSON.stringify(caught.issues)}`);
  assert.equal(client.status.pending, pending, 'pending count unchanged');
  assert.deepEqual(client.core.pendingMutations(), outbox, 'nothing queued');
  assert.equal(queued, 0, 'no operationQueued event');
  assert.deepEqual(client.collection('todos').list(), view, 'the view unchanged');
  return caught;
}

for (const [library, schema] of Object.entries(schemas)) {
  test(`${library}: valid writes are queued; invalid creates, patches and updates throw VALIDATION and change nothing`, async (t) => {
    const client = await clientWith(t, { schema });
    const todos = client.collection('todos');

    const created = todos.create({ id: 't1', title: 'Buy milk', done: false });
    assert.deepEqual(created.value, { id: 't1', title: 'Buy milk', done: false });
    assert.equal(client.status.pending, 1);
    todos.patch('t1', { done: true, tags: ['home'] });
    assert.deepEqual(todos.get('t1'), { id: 't1', title: 'Buy milk', done: true, tags: ['home'] });
    assert.equal(client.status.pending, 1, 'coalesced into the pending create');

    // A wrong type, an empty title, a field missing, the wrong type in an array.
    assertRefused(client, () => todos.create({ id: 't2', title: 'Walk', done: 'no' }), 'done');
    assertRefused(client, () => todos.create({ id: 't2', title: '', done: false }), 'title');
    assertRefused(client, () => todos.create({ id: 't2', done: false }), 'title');
    assertRefused(client, () => todos.patch('t1', { tags: ['ok', 7] }), 'tags.1');
    // A patch is judged by the entity it leaves: deleting a required field (merge patch null).
    assertRefused(client, () => todos.patch('t1', { title: null }), 'title');
    // An update sends the whole edited entity: one without `done` is refused.
    assertRefused(client, () => todos.update('t1', { id: 't1', title: 'Buy oat milk' }), 'done');
    // Through client.mutate too (what the hooks call).
    assertRefused(client, () => client.mutate({ collection: 'todos', op: 'update', id: 't1', patch: { done: 1 } }), 'done');

    const err = assertRefused(client, () => todos.patch('t1', { done: 'yes' }), 'done');
    assert.equal(err.collection, 'todos');
    assert.equal(err.id, 't1');
    assert.match(err.message, /^VALIDATION: todos\/t1: done: /);

    // Valid again after the refusals: the outbox is intact.
    todos.update('t1', { id: 't1', title: 'Buy oat milk', done: true });
    assert.equal(todos.get('t1').title, 'Buy oat milk');
    todos.create({ id: 't3', title: 'Call Bo', done: false });
    assert.equal(client.status.pending, 2);
  });
}

test('a create without an id is valid although the schema requires one: the collection assigns it', async (t) => {
  const client = await clientWith(t, { schema: schemas.zod });
  const handle = client.collection('todos').create({ title: 'No id yet', done: false });
  assert.equal(typeof handle.id, 'string');
  assert.equal(client.collection('todos').get(handle.id).title, 'No id yet');
  assert.equal(client.status.pending, 1);
  // Only the id may be left out: another missing field is still an issue (and the id is not).
  const err = assertRefused(client, () => client.collection('todos').create({ done: false }), 'title');
  assert.ok(!err.issues.some((i) => i.path[0] === 'id'));
});

test('serverFields: fields the server fills in are not required of a local create, but are checked when given', async (t) => {
  const schema = z.object({ id: z.string(), title: z.string(), updatedAt: z.string() });
  const client = await clientWith(t, collection({ schema, serverFields: ['updatedAt'] }));
  const todos = client.collection('todos');
  todos.create({ id: 'a', title: 'from here' });
  assert.equal(client.status.pending, 1);
  assertRefused(client, () => todos.create({ id: 'b', title: 'x', updatedAt: 5 }), 'updatedAt');
});

test("the schema's output is written: defaults fill in, fields the schema does not know are kept", async (t) => {
  const schema = z.object({ id: z.string(), title: z.string().trim(), done: z.boolean().default(false), meta: z.object({ owner: z.string().trim() }) });
  const client = await clientWith(t, { schema });
  const todos = client.collection('todos');
  todos.create({ id: 'a', title: '  padded  ', note: 'not in the schema', meta: { owner: ' me ', extra: 1 } });
  assert.deepEqual(todos.get('a'), { id: 'a', title: 'padded', done: false, note: 'not in the schema', meta: { owner: 'me', extra: 1 } });
  todos.patch('a', { title: ' again ', meta: { owner: ' you ' } });
  assert.deepEqual(todos.get('a'), { id: 'a', title: 'again', done: false, note: 'not in the schema', meta: { owner: 'you', extra: 1 } });
  todos.update('a', { id: 'a', title: 'whole', meta: { owner: 'us ', extra: 2 } });
  assert.deepEqual(todos.get('a'), { id: 'a', title: 'whole', done: false, meta: { owner: 'us', extra: 2 } });
});

test('an asynchronous schema is refused with ASYNC_SCHEMA: nothing is queued', async (t) => {
  const schema = z.object({ id: z.string(), title: z.string().refine(async (s) => s.length > 0) });
  const client = await clientWith(t, { schema });
  const todos = client.collection('todos');
  assert.throws(() => todos.create({ id: 'a', title: 'x' }), (err) => err instanceof SyncError && err.code === 'ASYNC_SCHEMA' && /asynchronously/.test(err.message));
  assert.equal(client.status.pending, 0);
  assert.equal(todos.get('a'), undefined);
});

test('a schema that is not a Standard Schema is refused at start with WRONG_TYPE', async () => {
  await assert.rejects(createSyncClient({ collections: { todos: { schema: { parse() {} } } }, storage: 'memory' }), { code: 'WRONG_TYPE', message: /not a Standard Schema/ });
});

test('a bare core validates too, and a merged conflict resolution is a local write the schema checks', async (t) => {
  const core = await createSyncCore({ collections: { todos: { schema: schemas.valibot, strategy: 'manual' } }, client: { clientId: 'c1', seed: 1 } });
  t.after(() => core.dispose());
  core.load('todos', [{ version: 1, data: { id: 't1', title: 'Base', done: false } }], { cursor: 1 });
  core.defineCollection('todos', { strategy: 'manual' }); // new sync settings keep the schema
  assert.throws(() => core.mutate({ collection: 'todos', op: 'update', id: 't1', patch: { done: 'x' } }), { code: 'VALIDATION' });
  core.mutate({ collection: 'todos', op: 'update', id: 't1', patch: { title: 'Mine' } });
  const pushed = core.pendingMutations()[0];
  core.setOnline(true);
  core.tick();
  // The server answers the push with a conflict: parked (manual).
  core.applyServer([{ op: 'conflict', key: pushed.key, version: 2, data: { id: 't1', title: 'Theirs', done: false } }]);
  const [parked] = core.conflicts();
  assert.ok(parked, 'the conflict is parked');
  assert.throws(() => core.resolveConflict(parked.id, { choice: 'merged', value: { id: 't1', title: 7, done: false } }), (err) => err.code === 'VALIDATION' && err.issues.some((i) => i.path[0] === 'title'));
  assert.equal(core.conflicts().length, 1, 'still parked');
  core.resolveConflict(parked.id, { choice: 'merged', value: { id: 't1', title: 'Both', done: false } });
  assert.equal(core.conflicts().length, 0);
  assert.equal(core.get('todos', 't1').title, 'Both');
  core.defineCollection('todos', { strategy: 'manual', schema: null }); // schema: null removes it
  core.mutate({ collection: 'todos', op: 'update', id: 't1', patch: { done: 'x' } });
  assert.equal(core.get('todos', 't1').done, 'x');
});

test('useMutation: a refused write is the hook\'s error (VALIDATION with issues), its result rejects, the list does not change', async (t) => {
  const client = await clientWith(t, { schema: schemas.arktype });
  let m;
  function Todos() {
    const { data } = useCollection('todos', { orderBy: ['title'] });
    m = useMutation('todos');
    const issue = m.error?.issues?.[0];
    return h('p', null, `${data.map((x) => x.title).join(',')}|pending ${m.pending}|${m.error ? `${m.error.code} at ${issue.path.join('.')}` : 'ok'}`);
  }
  const view = await mount(h(SyncProvider, { client }, h(Todos)));
  t.after(() => view.unmount());
  await act(async () => {
    m.create({ id: 'a', title: 'Alpha', done: false });
  });
  assert.equal(view.container.textContent, 'Alpha|pending 1|ok');
  let handle;
  await act(async () => {
    handle = m.create({ id: 'b', title: 'Beta', done: 'no' });
  });
  await assert.rejects(handle.result, { code: 'VALIDATION' });
  assert.equal(view.container.textContent, 'Alpha|pending 1|VALIDATION at done');
  assert.equal(client.status.pending, 1);
  assert.equal(client.core.pendingMutations().length, 1);
});
