// The REST adapter against a small local HTTP server: endpoints, idempotency key, status codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createSyncClient, createRestTransport } from '../../js/node.js';

// A tiny REST back end: versions, idempotency by key, 409 on a stale If-Match, 401 without a token.
function startRestServer() {
  const rows = new Map();
  const seenKeys = new Map();
  const log = [];
  let nextId = 1;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    log.push({ method: req.method, url: req.url, key: req.headers['idempotency-key'], ifMatch: req.headers['if-match'], type: req.headers['content-type'] });
    const reply = (status, data) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(data === undefined ? '' : JSON.stringify(data));
    };
    if (req.headers.authorization !== 'Bearer good') return reply(401, { detail: 'token expired' });
    const key = req.headers['idempotency-key'];
    if (seenKeys.has(key)) return reply(...seenKeys.get(key));
    const m = req.url.match(/^\/api\/([^/]+)\/(?:([^/]+)\/)?$/);
    if (!m) return reply(404, { detail: 'no route' });
    const id = m[2] && decodeURIComponent(m[2]);
    const answer = (status, data) => {
      seenKeys.set(key, [status, data]);
      reply(status, data);
    };
    if (req.method === 'POST') {
      const data = JSON.parse(body);
      if (!data.title) return answer(400, { message: 'title is required' });
      const row = { ...data, id: `r${nextId++}`, version: 1 };
      rows.set(row.id, row);
      return answer(201, row);
    }
    const row = rows.get(id);
    if (!row) return answer(404, { message: 'not found' });
    if (req.headers['if-match'] && req.headers['if-match'] !== `"${row.version}"`) return answer(409, row);
    if (req.method === 'PUT') {
      const patch = JSON.parse(body);
      const next = { ...row, ...patch, id: row.id, version: row.version + 1 };
      for (const [k, v] of Object.entries(patch)) if (v === null) delete next[k];
      rows.set(id, next);
      return answer(200, next);
    }
    if (req.method === 'DELETE') {
      rows.delete(id);
      return answer(200, { id, version: row.version + 1 });
    }
    return answer(405, { message: 'method' });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, rows, log, url: `http://127.0.0.1:${server.address().port}` })));
}

function settledOf(client) {
  const events = [];
  client.on('mutationSettled', (e) => events.push(e));
  return events;
}

test('REST adapter: create / update / delete with idempotency keys; codes map to error classes', async (t) => {
  const rest = await startRestServer();
  t.after(() => rest.server.close());
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: rest.url, pull: async (cursor) => ({ changes: [], cursor }) }),
    collections: { todos: { ids: 'server' } }, // this back end names every entity it creates
    token: 'good',
    batchTimeoutMs: 5000,
  });
  t.after(() => client.close());
  const todos = client.collection('todos');

  const created = todos.create({ title: 'milk' });
  assert.equal(created.value.title, 'milk'); // optimistic, at once
  const done = await created.result;
  assert.equal(done.status, 'acked');
  assert.equal(done.id, 'r1'); // the temp id was remapped to the server's
  assert.equal(todos.get('r1').title, 'milk');
  assert.equal(rest.log[0].method, 'POST');
  assert.match(rest.log[0].key, /:/);

  const updated = todos.patch('r1', { done: true });
  assert.equal((await updated.result).status, 'acked');
  const put = rest.log.at(-1);
  assert.equal(put.method, 'PUT');
  assert.equal(put.ifMatch, '"1"');
  assert.equal(put.type, 'application/merge-patch+json');
  assert.equal(rest.rows.get('r1').done, true);

  // 400 -> validation -> dead letter with the server's message; the view rolls back
  const bad = todos.create({ note: 'no title' });
  await assert.rejects(bad.result, { code: 'REJECTED', message: /title is required/ });
  assert.equal(client.core.deadLetters()[0].message, 'title is required');
  assert.equal(todos.get(bad.id), undefined);

  const removed = todos.delete('r1');
  assert.equal(todos.get('r1'), undefined);
  assert.equal((await removed.result).status, 'acked');
  assert.equal(rest.rows.has('r1'), false);
});

test('REST adapter: 401 pauses the queue until a new token; then it drains', async (t) => {
  const rest = await startRestServer();
  t.after(() => rest.server.close());
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: rest.url }),
    collections: { todos: {} },
    token: 'expired',
  });
  t.after(() => client.close());
  const auth = new Promise((resolve) => client.on('authRequired', resolve));
  const first = client.collection('todos').create({ title: 'a' });
  await auth;
  assert.equal(client.status.connection, 'auth-required');
  assert.equal(client.statusMessage(), 'Sign in again to sync');
  assert.equal(client.core.deadLetters().length, 0);
  client.setToken('good');
  assert.equal((await first.result).status, 'acked');
  assert.equal(rest.rows.size, 1);
});

test('REST adapter: a retried push after a lost answer is deduplicated by its key', async (t) => {
  const rest = await startRestServer();
  t.after(() => rest.server.close());
  let dropped = false;
  // a fetch that loses the first answer (the server did apply it)
  const lossy = async (url, init) => {
    const response = await fetch(url, init);
    if (!dropped && init.method === 'POST') {
      dropped = true;
      throw new Error('connection reset');
    }
    return response;
  };
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: rest.url, fetch: lossy }),
    collections: { todos: {} },
    token: 'good',
    client: { backoffBaseMs: 10, backoffMaxMs: 20 },
  });
  t.after(() => client.close());
  const r = client.collection('todos').create({ title: 'once' });
  assert.equal((await r.result).status, 'acked');
  assert.equal(rest.rows.size, 1); // applied once, though sent twice
  const posts = rest.log.filter((l) => l.method === 'POST');
  assert.equal(posts.length, 2);
  assert.equal(posts[0].key, posts[1].key);
});

test('REST adapter: pulls come from the user function, on connect and every pollIntervalMs', async (t) => {
  const rest = await startRestServer();
  t.after(() => rest.server.close());
  const feed = [
    { op: 'upsert', collection: 'todos', id: 'p1', version: 1, data: { id: 'p1', title: 'pulled' } },
    { op: 'upsert', collection: 'todos', id: 'p2', version: 1, data: { id: 'p2', title: 'polled later' } },
  ];
  const asked = [];
  let served = 1;
  const pull = async (cursor) => {
    asked.push(cursor);
    const changes = feed.slice(cursor, served);
    return { changes, cursor: served };
  };
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: rest.url, pull, pollIntervalMs: 20 }),
    collections: { todos: {} },
    token: 'good',
  });
  t.after(() => client.close());
  await new Promise((resolve) => {
    const check = () => client.collection('todos').get('p1') && resolve();
    client.core.subscribe('todos', check);
    check();
  });
  served = 2; // the back end has something new; the next poll brings it
  await new Promise((resolve) => {
    const check = () => client.collection('todos').get('p2') && resolve();
    client.core.subscribe('todos', check);
    check();
  });
  assert.equal(asked[0], 0);
  assert.ok(asked.includes(1), `asked from cursor 1 after the first pull: ${asked}`);
  assert.equal(client.core.cursor, 2);
});
