// One server change the client cannot apply must not blind it to the others (issue 12, item 6):
// a catch-up chunk is applied change by change; a refused change is set aside (kept in the
// quarantine, reported), the cursor passes only changes applied or set aside, and the status
// says so instead of "All changes synced". Through the real client, WebSocket and IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { WebSocketServer } from 'ws';
import { createSyncClient, SyncError } from '../../js/node.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };

function nested(levels) {
  let v = {};
  for (let i = 1; i < levels; i++) v = { d: v };
  return v;
}

// A server that answers hello with welcome, then the catch-up chunk it is given, once.
async function serverWith(chunk) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const server = { socket: null, url: `ws://127.0.0.1:${wss.address().port}`, requests: [] };
  wss.on('connection', (socket) => {
    server.socket = socket;
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'hello') socket.send(JSON.stringify({ type: 'welcome', protocol: 1, cursor: chunk.cursor }));
      else if (msg.type === 'sync_request') {
        server.requests.push(msg.cursor);
        const changes = msg.cursor < chunk.cursor ? chunk.changes : [];
        socket.send(typeof chunk.text === 'string' && changes.length > 0 ? chunk.text : JSON.stringify({ type: 'sync_response', cursor: chunk.cursor, more: false, changes }));
      }
    });
  });
  server.close = () => new Promise((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(resolve);
  });
  return server;
}

const change = (id, cursor, data, extra = {}) => ({ op: 'upsert', collection: 'todos', id, version: 1, cursor, data: { id, ...data }, ...extra });

test('a catch-up chunk with changes the core refuses: the others apply, the refused are set aside and reported', async (t) => {
  // A ts of the wrong shape, data nested past the limit, a lone surrogate (as the server's JSON
  // text carries it), among good changes.
  const changes = [
    change('a', 1, { title: 'a' }),
    change('b', 2, { title: 'bad ts' }, { ts: {} }),
    change('c', 3, { title: 'c' }),
    change('d', 4, { deep: nested(80) }),
    change('e', 5, { title: 'lone \ud800 surrogate' }),
    change('f', 6, { title: 'f' }),
  ];
  const server = await serverWith({ cursor: 6, changes });
  const indexedDB = new IDBFactory();
  const options = { collections, url: server.url, storage: { indexedDB, name: 'refused-changes' }, websocket: { heartbeatMs: 60_000 } };
  const client = await createSyncClient(options);
  t.after(() => server.close());
  const errors = [];
  const events = [];
  client.on('error', (e) => errors.push(e));
  client.on('storageEvent', (e) => events.push(e));
  const todos = client.collection('todos');
  await until(client, () => client.status.connected && events.filter((e) => e.type === 'change-set-aside').length === 3, 'caught up, three set aside');

  assert.deepEqual(todos.list().map((e) => e.id), ['a', 'c', 'f']);
  assert.equal(client.core.cursor, 6); // every change applied or set aside
  assert.deepEqual(errors.map((e) => [e.code, e.id]).sort(), [['BAD_JSON', 'e'], ['TOO_DEEP', 'd'], ['WRONG_TYPE', 'b']]);
  assert.ok(errors.every((e) => e instanceof SyncError && e.collection === 'todos' && e.setAside === true));
  assert.ok(events.filter((e) => e.type === 'change-set-aside').every((e) => e.stored === true));
  await client.flush();
  const kept = (await client.quarantined()).filter((q) => q.store === 'changes');
  assert.deepEqual(kept.map((q) => q.key).sort(), [['todos', 'b'], ['todos', 'd'], ['todos', 'e']]);
  const b = kept.find((q) => q.key[1] === 'b');
  assert.deepEqual(b.value.ts, {}); // the raw change, for the app to inspect
  assert.match(b.reason, /^WRONG_TYPE: /);
  assert.equal(kept.find((q) => q.key[1] === 'e').value.data.title, 'lone \ud800 surrogate');
  assert.equal(client.status.skipped, 3);
  assert.notEqual(client.statusMessage(), 'All changes synced');
  assert.match(client.statusMessage(), /^All changes synced — 3 server changes skipped/);
  await client.close();

  // After a restart the count and the kept changes are still there; clearing them clears both.
  const again = await createSyncClient({ ...options, url: undefined });
  t.after(() => again.close());
  assert.equal(again.status.skipped, 3);
  assert.deepEqual(again.collection('todos').list().map((e) => e.id), ['a', 'c', 'f']);
  assert.equal((await again.quarantined()).filter((q) => q.store === 'changes').length, 3);
  await again.clearQuarantine();
  assert.equal(again.status.skipped, 0);
  assert.deepEqual(await again.quarantined(), []);
});

test('the cursor never passes a change neither applied nor set aside; a live change after a bad chunk does not hide it', async (t) => {
  // The chunk as raw text: one change is a lone surrogate escape inside the server's own JSON.
  const good = change('g', 1, { title: 'g' });
  const text = `{"type":"sync_response","cursor":2,"more":false,"changes":[${JSON.stringify(good)},{"op":"upsert","collection":"todos","id":"h","version":1,"cursor":2,"data":{"id":"h","t":"\\ud800"}}]}`;
  const server = await serverWith({ cursor: 2, changes: [good], text });
  const client = await createSyncClient({ collections, url: server.url, storage: 'memory', websocket: { heartbeatMs: 60_000 } });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  await until(client, () => client.collection('todos').get('g') !== undefined, 'the good change of the chunk');
  assert.equal(client.core.cursor, 2);
  server.socket.send(JSON.stringify({ type: 'entity_updated', ...change('i', 3, { title: 'live' }) }));
  await until(client, () => client.collection('todos').get('i') !== undefined, 'the live change');
  assert.equal(client.core.cursor, 3);
  assert.equal(client.status.skipped, 1);
  const [h] = (await client.quarantined()).filter((q) => q.store === 'changes');
  assert.deepEqual(h.key, ['todos', 'h']);
  assert.equal(h.value.data.t, '\ud800');
  assert.match(client.statusMessage(), /1 server change skipped/);
});

test('a storage that cannot keep a set-aside change: kept in memory for the session, and said so', async (t) => {
  const { createMemoryStorage } = await import('../../js/node.js');
  const { quarantine, readQuarantine, clearQuarantine, ...custom } = createMemoryStorage();
  custom.kind = 'custom';
  let sink = null;
  const transport = { start: (s) => (sink = s), connect: () => { sink.connected(); sink.caughtUp(); }, disconnect() {}, push: () => true, sync() {}, setToken() {}, close() {} };
  const client = await createSyncClient({ collections, transport, storage: custom });
  t.after(() => client.close());
  const events = [];
  client.on('storageEvent', (e) => events.push(e));
  sink.deliver([change('a', 1, { title: 'a' }), change('b', 2, { title: 'b' }, { version: 'two' })], 2);
  await client.flush();
  assert.deepEqual(client.collection('todos').list().map((e) => e.id), ['a']);
  assert.equal(client.core.cursor, 2);
  assert.equal(client.status.skipped, 1);
  assert.deepEqual(events.map((e) => [e.type, e.id, e.code, e.stored]), [['change-set-aside', 'b', 'WRONG_TYPE', false]]);
  const [kept] = await client.quarantined();
  assert.deepEqual(kept.key, ['todos', 'b']);
  assert.equal(kept.value.version, 'two');
});
