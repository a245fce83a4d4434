// The client's network behaviour: browser online/offline and visibility events, heartbeat
// timeouts, reconnect status, chunked catch-up, events, stats and local data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { WebSocketServer } from 'ws';
import { createServer } from 'node:net';
import { createSyncClient, openIndexedDbStorage } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient as until } from './helpers.js';

const collections = { todos: {} };
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 200, heartbeatMs: 1000 };


// A stand-in for window / document: EventTargets with what the client listens to.
function fakeBrowser() {
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  return { win, doc, nav: { onLine: true } };
}

test('navigator online/offline events close and reopen the connection; visibility triggers a sync', async (t) => {
  const server = await startSyncServer();
  const { win, doc } = fakeBrowser();
  const client = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast, window: win, document: doc });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const network = [];
  client.on('networkStatusChanged', (e) => network.push(e.online));
  await until(client, () => client.status.connected, 'connected');
  win.dispatchEvent(new Event('offline'));
  assert.equal(client.status.online, false);
  assert.equal(client.status.connected, false);
  assert.equal(client.statusMessage(), 'Offline — changes will sync when connected');
  client.collection('todos').create({ title: 'offline' });
  assert.equal(client.statusMessage(), 'Offline — 1 change will sync when connected');
  win.dispatchEvent(new Event('online'));
  await until(client, () => client.status.pending === 0, 'drained after online');
  assert.deepEqual(network, [false, true]);

  // another client writes; coming back to the tab catches up at once
  const other = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast });
  t.after(() => other.close());
  await until(other, () => other.status.connected, 'other connected');
  const syncRequests = () => client.getStats().transport.sent;
  const before = syncRequests();
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.ok(syncRequests() > before, 'a sync_request went out on visibilitychange');
});

test('a silent server is detected within two heartbeats and the client reconnects', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let connections = 0;
  wss.on('connection', (socket) => {
    connections++;
    socket.once('message', () => {
      socket.send(JSON.stringify({ type: 'welcome', protocol: 1, cursor: 0 }));
      socket.send(JSON.stringify({ type: 'sync_response', cursor: 0, more: false, changes: [] }));
      // then silence: no heartbeat_ack, nothing
    });
  });
  const client = await createSyncClient({ url: `ws://127.0.0.1:${wss.address().port}`, collections, websocket: { ...fast, heartbeatMs: 100 } });
  t.after(async () => {
    await client.close();
    await new Promise((resolve) => wss.close(resolve));
  });
  const timeouts = [];
  client.on('error', (e) => e.code === 'HEARTBEAT_TIMEOUT' && timeouts.push(Date.now()));
  const started = Date.now();
  await until(client, () => timeouts.length > 0 && connections >= 2, 'timeout detected and reconnected', 3000);
  assert.ok(timeouts[0] - started <= 2 * 100 + 100, `detected after ${timeouts[0] - started} ms`); // two heartbeats after the last message
});

test('a connection whose handshake never completes is dropped and retried (CONNECT_TIMEOUT)', async (t) => {
  // A TCP server that accepts and then says nothing: the WebSocket stays CONNECTING (a handshake
  // the network dropped without a word). Found by the JS simulation (tests/sim/, seed 2113).
  const sockets = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const client = await createSyncClient({ url: `ws://127.0.0.1:${silent.address().port}`, collections, websocket: { ...fast, heartbeatMs: 100 } });
  t.after(async () => {
    await client.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  const timeouts = [];
  client.on('error', (e) => e.code === 'CONNECT_TIMEOUT' && timeouts.push(Date.now()));
  const started = Date.now();
  await until(client, () => timeouts.length >= 2 && sockets.length >= 3, 'two handshakes timed out, a third attempt made', 5000);
  assert.ok(timeouts[0] - started >= 150, `not before the timeout (${timeouts[0] - started} ms)`);
  assert.equal(client.status.connected, false);
});

test('while the server is down the status says when the next attempt is', async (t) => {
  const server = await startSyncServer();
  const port = server.port;
  const client = await createSyncClient({ url: server.url, collections, token: 't', websocket: { reconnectBaseMs: 1000, reconnectMaxMs: 4000, heartbeatMs: 1000 } });
  t.after(() => client.close());
  await until(client, () => client.status.connected, 'connected');
  await server.close();
  await until(client, () => client.status.connection === 'reconnecting', 'reconnecting');
  assert.match(client.statusMessage(), /^Reconnecting in \d+ s$/);
  const again = await startSyncServer({ port });
  t.after(() => again.close());
  client.sync(); // "Sync now" does not wait for the backoff
  await until(client, () => client.status.connected, 'reconnected by sync()');
});

test('catch-up comes in chunks and converges; events and stats report it', async (t) => {
  const server = await startSyncServer();
  const writer = await createSyncClient({ url: server.url, collections, token: 't', websocket: fast });
  t.after(async () => {
    await writer.close();
    await server.close();
  });
  await until(writer, () => writer.status.connected, 'writer connected');
  const results = [];
  for (let i = 0; i < 25; i++) results.push(writer.collection('todos').create({ title: `t${i}` }).result);
  await Promise.all(results);

  const events = { syncStarted: 0, syncCompleted: 0, operationQueued: 0 };
  const reader = await createSyncClient({ url: server.url, collections, token: 't', websocket: { ...fast, catchUpLimit: 4 } });
  t.after(() => reader.close());
  for (const name of Object.keys(events)) reader.on(name, () => events[name]++);
  await until(reader, () => reader.collection('todos').count() === 25, 'reader caught up');
  assert.ok(reader.getStats().transport.sent >= 7, 'at least 7 sync_requests of 4');
  reader.collection('todos').create({ title: 'from reader' });
  await until(reader, () => reader.status.pending === 0, 'reader drained');
  assert.equal(events.operationQueued, 1);
  assert.ok(events.syncStarted >= 1 && events.syncCompleted >= 1);
  const stats = reader.getStats();
  assert.equal(stats.collections.todos.entities, 26);
  assert.equal(stats.storage, 'memory');
  assert.equal(stats.status.connected, true);
});

test('sensitive fields never reach IndexedDB; clearLocalData empties it', async (t) => {
  const server = await startSyncServer();
  t.after(() => server.close());
  const indexedDB = new IDBFactory();
  const client = await createSyncClient({
    url: server.url,
    token: 't',
    websocket: fast,
    collections: { students: { sensitiveFields: ['ssn', 'health.notes'] } },
    storage: { indexedDB, name: 'school' },
  });
  t.after(() => client.close());
  await client.collection('students').create({ name: 'Ada', ssn: '123-45-6789', health: { notes: 'private', ok: true } }).result;
  await client.flush();
  assert.equal(client.collection('students').list()[0].ssn, '123-45-6789'); // still in memory
  const direct = await openIndexedDbStorage({ name: 'school', indexedDB });
  const records = await direct.readAll();
  const text = JSON.stringify(records);
  assert.ok(records.some((r) => r.store === 'entities'));
  assert.ok(!text.includes('123-45-6789') && !text.includes('private'), 'no sensitive value stored');
  assert.ok(text.includes('Ada'));
  await client.clearLocalData();
  assert.deepEqual(await direct.readAll(), []);
  await direct.close();
});
