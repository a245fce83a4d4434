// The REST endpoints of the sync server (server/rest.js) and the REST adapter end to end against
// them: create / update (merge patch, PATCH, full-object PUT) / delete, Idempotency-Key,
// If-Match, Bearer tokens, list by cursor, row-level reads, fan-out to WebSocket clients.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient, createRestTransport } from '../../js/node.js';
import { startSyncServer, tokenTable } from '../../server/sync_server.js';
import { replacementPatch } from '../../server/rest.js';
import { rawClient } from '../support/raw_client.js';
import { untilClient } from './helpers.js';

const T = { timeout: 30_000 };

async function serve(t, options = {}) {
  const srv = await startSyncServer({
    logger: { error() {} },
    authorize: tokenTable({ ann: { userId: 'ann', read: '*', write: '*' }, bo: { userId: 'bo', read: '*', write: '*' }, viewer: { userId: 'v', read: '*', write: [] } }),
    ...options,
  });
  t.after(() => srv.close());
  return { srv };
}

/** One REST call: { status, etag, body (parsed) }. */
async function call(srv, path, { method = 'GET', token = 'ann', body, headers = {} } = {}) {
  const r = await fetch(`${srv.restUrl}/api${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, etag: r.headers.get('etag'), body: text ? JSON.parse(text) : null };
}

describe('REST endpoints', () => {
  test('POST / GET / PUT (full object) / PATCH (merge patch) / DELETE with versions as ETags', T, async (t) => {
    const { srv } = await serve(t);
    const made = await call(srv, '/todos/', { method: 'POST', body: { title: 'milk', tags: ['a'], meta: { x: 1, y: 2 } } });
    assert.equal(made.status, 201);
    assert.equal(made.etag, '"1"');
    const id = made.body.id;
    assert.ok(id && !id.startsWith('tmp-'));
    assert.deepEqual((await call(srv, `/todos/${id}/`)).body, made.body);
    const put = await call(srv, `/todos/${id}/`, { method: 'PUT', body: { title: 'oat milk', meta: { x: 1 } }, headers: { 'If-Match': '"1"' } });
    assert.deepEqual([put.status, put.etag, put.body], [200, '"2"', { id, title: 'oat milk', meta: { x: 1 } }], 'PUT replaces: tags and meta.y are gone');
    const patch = await call(srv, `/todos/${id}/`, { method: 'PATCH', body: { done: true, meta: { z: 3 } }, headers: { 'If-Match': '"2"' } });
    assert.deepEqual([patch.status, patch.body], [200, { id, title: 'oat milk', meta: { x: 1, z: 3 }, done: true }]);
    const stale = await call(srv, `/todos/${id}/`, { method: 'PATCH', body: { done: false }, headers: { 'If-Match': '"2"' } });
    assert.deepEqual([stale.status, stale.body.version, stale.body.current.done], [412, 3, true]);
    const del = await call(srv, `/todos/${id}/`, { method: 'DELETE', headers: { 'If-Match': '"3"' } });
    assert.deepEqual([del.status, del.body], [200, { id, version: 4 }]);
    assert.equal((await call(srv, `/todos/${id}/`)).status, 404);
    const kept = await call(srv, '/todos/', { method: 'POST', body: { id: 'mine', title: 'x' } });
    assert.deepEqual([kept.status, kept.body.id], [201, 'mine']);
    assert.equal((await call(srv, '/todos/', { method: 'POST', body: { id: 'mine', title: 'again' } })).status, 409);
    const created = await call(srv, '/todos/new-id/', { method: 'PUT', body: { title: 'put creates' } });
    assert.deepEqual([created.status, created.body.id, created.etag], [200, 'new-id', '"1"']);
    assert.deepEqual(replacementPatch({ a: 1, n: { b: 1, c: 2 } }, { n: { b: 2 } }), { a: null, n: { b: 2, c: null } });
  });

  test('Idempotency-Key: the same key again -> the same answer, applied once; another user with it -> 403', T, async (t) => {
    const { srv } = await serve(t);
    const first = await call(srv, '/todos/', { method: 'POST', body: { title: 'once' }, headers: { 'Idempotency-Key': 'dev1:1' } });
    const again = await call(srv, '/todos/', { method: 'POST', body: { title: 'once' }, headers: { 'Idempotency-Key': 'dev1:1' } });
    assert.deepEqual(again, first);
    assert.equal(await srv.store.cursor, 1);
    const stolen = await call(srv, '/todos/', { method: 'POST', token: 'bo', body: { title: 'x' }, headers: { 'Idempotency-Key': 'dev1:1' } });
    assert.equal(stolen.status, 403);
  });

  test('tokens: none or bad -> 401 (WWW-Authenticate), no write permission -> 403, a token in the URL -> 400', T, async (t) => {
    const { srv } = await serve(t);
    assert.equal((await call(srv, '/todos/', { method: 'POST', token: null, body: {} })).status, 401);
    assert.equal((await call(srv, '/todos/', { method: 'POST', token: 'nope', body: {} })).status, 401);
    assert.equal((await call(srv, '/todos/', { method: 'POST', token: 'viewer', body: { t: 1 } })).status, 403);
    assert.equal((await call(srv, '/todos/?access_token=ann')).status, 400);
    assert.equal(await srv.store.cursor, 0);
  });

  test('limits: a body over maxMessageBytes -> 413, nested too deep -> 422, not JSON -> 400', T, async (t) => {
    const { srv } = await serve(t, { maxMessageBytes: 4096 });
    assert.equal((await call(srv, '/todos/', { method: 'POST', body: { pad: 'x'.repeat(5000) } })).status, 413);
    assert.equal((await call(srv, '/todos/', { method: 'POST', body: `{"a":${'['.repeat(100)}${']'.repeat(100)}}` })).status, 422);
    assert.equal((await call(srv, '/todos/', { method: 'POST', body: '{oops' })).status, 400);
    const badPath = await call(srv, '/todos/%E0%A4%A/');
    assert.deepEqual([badPath.status, badPath.body.message], [400, 'a malformed percent-encoding in the path'], 'a client error, not a 503');
  });

  test('list by cursor: chunks with more, row-level reads, and REST writes fan out to WebSocket clients', T, async (t) => {
    const { srv } = await serve(t, {
      authenticate: (token) => ({ ann: { id: 'ann' }, bo: { id: 'bo' } })[token] ?? null,
      authorize: { canRead: (user, _c, e) => !e || e.data.owner === user.id },
    });
    const ws = await rawClient(srv.url);
    t.after(() => ws.close());
    await ws.hello({ clientId: 'w1', token: 'bo' });
    for (let i = 0; i < 5; i++) await call(srv, '/todos/', { method: 'POST', body: { i, owner: i % 2 ? 'bo' : 'ann' } });
    const live = await ws.next('entity_created');
    assert.equal(live.data.owner, 'bo', 'the WebSocket client got the REST write it may read');
    const page = await call(srv, '/todos/?cursor=0&limit=2');
    // limit bounds the changes scanned; rows ann may not read are left out of them (from 0).
    assert.deepEqual([page.body.changes.length <= 2, page.body.more, page.body.cursor], [true, true, 2]);
    const rest = await call(srv, `/todos/?cursor=${page.body.cursor}`);
    assert.equal(rest.body.more, false);
    const all = [...page.body.changes, ...rest.body.changes];
    const rows = all.filter((c) => c.op === 'upsert');
    assert.deepEqual(rows.map((c) => c.data.i), [0, 2, 4], "only ann's rows");
    // After cursor 0 a row ann may not read comes as a removal at most: id and version, no data.
    assert.ok(all.filter((c) => c.op !== 'upsert').every((c) => c.op === 'delete' && c.data === undefined));
    assert.equal((await call(srv, `/todos/${rows[0].id}/`, { token: 'bo' })).status, 404, "bo may not read ann's row");
  });
});

describe('the REST adapter against the server', () => {
  for (const updateMethod of ['PUT', 'PATCH', 'PUT-full']) {
    test(`create / update (${updateMethod}) / delete through the outbox; a second client pulls them by cursor`, T, async (t) => {
      const { srv } = await serve(t);
      const seen = [];
      srv.server.on('request', (req) => seen.push(`${req.method} ${req.headers['content-type'] ?? ''}`.trim()));
      const make = (token) =>
        createSyncClient({
          transport: createRestTransport({ baseUrl: srv.restUrl, pullCollections: ['todos'], updateMethod }),
          collections: { todos: {} },
          token,
        });
      const a = await make('ann');
      t.after(() => a.close());
      const todos = a.collection('todos');
      const { id } = await todos.create({ title: 'milk', note: 'x' }).result;
      assert.equal((await todos.patch(id, { title: 'oat milk', note: null }).result).status, 'acked');
      assert.deepEqual((await call(srv, `/todos/${id}/`)).body, { id, title: 'oat milk' });
      assert.equal((await srv.store.get('todos', id)).version, 2);
      const methods = seen.filter((s) => !s.startsWith('GET'));
      const expected = { PUT: 'PUT application/merge-patch+json', PATCH: 'PATCH application/merge-patch+json', 'PUT-full': 'PUT application/json' };
      assert.equal(methods[1], expected[updateMethod]);
      const b = await make('bo');
      t.after(() => b.close());
      await untilClient(b, () => b.collection('todos').get(id)?.title === 'oat milk', 'b pulled it');
      await todos.delete(id).result;
      assert.equal((await srv.store.get('todos', id)).deleted, true);
      b.sync();
      await untilClient(b, () => !b.collection('todos').get(id), 'b pulled the delete');
    });
  }

  test('a conflict over REST: the server version and entity reach the client (412 -> conflict)', T, async (t) => {
    const { srv } = await serve(t);
    const a = await createSyncClient({
      transport: createRestTransport({ baseUrl: srv.restUrl, pullCollections: ['todos'] }),
      collections: { todos: {} },
      token: 'ann',
    });
    t.after(() => a.close());
    const { id } = await a.collection('todos').create({ title: 'v1' }).result;
    await call(srv, `/todos/${id}/`, { method: 'PATCH', token: 'bo', body: { title: 'by bo' } }); // version 2 behind a's back
    const conflicts = [];
    a.on('conflictDetected', (c) => conflicts.push(c));
    const edit = a.collection('todos').patch(id, { title: 'by ann' });
    await edit.result.catch(() => {});
    await untilClient(a, () => conflicts.length > 0 || a.collection('todos').get(id)?.title !== 'by ann', 'the conflict was handled');
    const server = await srv.store.get('todos', id);
    assert.ok(server.version >= 2);
    // Whatever the strategy decided, the client now agrees with what the server holds (or pushes on top of it).
    await untilClient(a, () => a.status.pending === 0, 'settled');
    assert.equal(a.collection('todos').get(id).title, (await srv.store.get('todos', id)).data.title);
  });
});
