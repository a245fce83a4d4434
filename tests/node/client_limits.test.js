// The server's limits through the whole stack (issue 12, items 9 and 10): the client sizes its
// pushes by what the server's welcome announces, never loops on a batch the server refuses, and
// never stays catching up on a chunk it cannot take. Real server on loopback, real `ws` clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';
import { WebSocketServer } from 'ws';
import { untilClient as until } from './helpers.js';

const collections = { notes: {} };
const fast = { reconnectBaseMs: 20, reconnectMaxMs: 2000, heartbeatMs: 5000 };

async function serve(t, options = {}) {
  const server = await startSyncServer({ logger: null, ...options });
  t.after(() => server.close());
  return server;
}

async function connect(t, server, options = {}) {
  const client = await createSyncClient({ url: server.url, collections, token: 't', ...options, websocket: { ...fast, ...options.websocket } });
  t.after(() => client.close());
  return client;
}

test('twenty 100 KB offline edits reach a server with a 1 MiB frame limit; one over the limit is a dead letter, not a loop', async (t) => {
  const server = await serve(t); // maxMessageBytes: 1 MiB
  const client = await connect(t, server);
  client.goOffline(); // offline from the start: the server's limits are not known yet
  const notes = client.collection('notes');
  for (let i = 0; i < 20; i++) notes.create({ id: `n${i}`, body: 'x'.repeat(100_000) });
  const huge = notes.create({ id: 'huge', body: 'y'.repeat(1_500_000) });
  notes.create({ id: 'small', body: 'after them' });
  client.goOnline();
  await until(client, () => client.status.pending === 0, 'the outbox drained', 15_000);
  const stored = (await server.store.list('notes')).map((e) => e.id).sort();
  assert.deepEqual(stored, [...Array.from({ length: 20 }, (_, i) => `n${i}`), 'small'].sort());
  await assert.rejects(huge.result, { code: 'TOO_LARGE' });
  const dead = client.core.deadLetters();
  assert.deepEqual(dead.map((d) => [d.id, d.errorClass]), [['huge', 'too-large']]);
  assert.match(dead[0].message, /TOO_LARGE: this change is \d+ bytes/);
  assert.equal(notes.get('huge'), undefined, 'rolled back: the view no longer shows it');
  assert.equal(client.status.failed, 1);
  assert.equal(client.getStats().transport.reconnects, 0, 'no frame was refused: no reconnect');

  // Now that the limits are known, create and update refuse such a change up front.
  assert.throws(() => notes.create({ body: 'w'.repeat(1_500_000) }), { code: 'TOO_LARGE' });
  assert.throws(() => notes.patch('n0', { more: 'v'.repeat(1_000_000) }), { code: 'TOO_LARGE', message: /the entity would be \d+ bytes/ });
  assert.equal(notes.get('n0').more, undefined);
  assert.equal(client.status.pending, 0);
});

test('pushes respect the server\'s mutation count per push', async (t) => {
  const server = await serve(t, { maxBatchMutations: 5 });
  const client = await connect(t, server, { client: { batchSize: 50 } });
  client.goOffline();
  for (let i = 0; i < 30; i++) client.collection('notes').create({ id: `c${i}`, n: i });
  const pushes = [];
  client.on('syncStarted', (e) => pushes.push(e.mutations));
  client.goOnline();
  await until(client, () => client.status.pending === 0, 'the outbox drained', 10_000);
  assert.equal((await server.store.list('notes')).length, 30);
  assert.ok(pushes.every((n) => n <= 5), `batch sizes ${pushes.join(',')}`);
});

test('small patches cannot grow an entity past maxEntityBytes; a client with a smaller frame limit still catches up and drains', async (t) => {
  const server = await serve(t, { maxEntityBytes: 100_000 });
  const writer = await connect(t, server);
  await until(writer, () => writer.status.connection === 'connected' && writer.status.lastSyncAt !== null, 'writer caught up');
  const doc = writer.collection('notes');
  await doc.create({ id: 'doc', parts: 0 }).result;
  let refused = null;
  for (let i = 1; i <= 20 && !refused; i++) {
    try {
      await doc.patch('doc', { [`part${i}`]: 'p'.repeat(10_000), parts: i }).result;
    } catch (err) {
      refused = err;
    }
  }
  assert.equal(refused?.code, 'TOO_LARGE', String(refused));
  const held = (await server.store.get('notes', 'doc'));
  assert.ok(Buffer.byteLength(JSON.stringify(held.data)) <= 100_000);

  // A reader that takes frames up to 150 KB: the entity fits, so its catch-up completes and its
  // own offline edit goes out.
  const reader = await connect(t, server, { websocket: { maxMessageBytes: 150_000 } });
  reader.goOffline();
  reader.collection('notes').create({ id: 'from-reader' });
  reader.goOnline();
  await until(reader, () => reader.status.pending === 0 && reader.collection('notes').get('doc')?.parts === held.data.parts, 'reader caught up and drained', 10_000);
  assert.ok((await server.store.get('notes', 'from-reader')));
});

test('a catch-up chunk over the client\'s frame limit is an error and a reconnect with a growing backoff, never catching-up forever', async (t) => {
  const server = await serve(t, { maxEntityBytes: 1_000_000 });
  // An entity the server holds but this client cannot take in one frame.
  await server.store.apply({ key: 'seed:1', collection: 'notes', id: 'big', kind: 'create', data: { body: 'b'.repeat(300_000) }, baseVersion: -1 });
  const reader = await connect(t, server, { websocket: { maxMessageBytes: 200_000, random: () => 0.999 } });
  const errors = [];
  reader.on('error', (e) => errors.push(e));
  const delays = [];
  reader.on('statusChanged', (s) => {
    if (s.connection === 'reconnecting') delays.push(s.retryInMs);
  });
  await until(reader, () => delays.length >= 3, 'three reconnects', 10_000);
  assert.ok(errors.some((e) => e.code === 'TOO_LARGE' && /catch-up chunk/.test(e.message)), errors.map((e) => e.message).join('; '));
  assert.ok(delays[1] > delays[0] && delays[2] > delays[1], `the backoff grows: ${delays.join(', ')}`);
  assert.equal(reader.core.cursor, 0, 'the cursor never passed the change it could not take');
});

test('a catch-up chunk that never comes ends the connection (CATCH_UP_TIMEOUT) instead of catching up forever', async (t) => {
  // A server that welcomes and then never answers sync_request.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let hellos = 0;
  wss.on('connection', (socket) => {
    socket.once('message', () => {
      hellos++;
      socket.send(JSON.stringify({ type: 'welcome', protocol: 1, cursor: 0 }));
    });
  });
  t.after(() => new Promise((resolve) => wss.close(resolve)));
  const client = await createSyncClient({ url: `ws://127.0.0.1:${wss.address().port}`, collections, websocket: { ...fast, catchUpTimeoutMs: 150 } });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  await until(client, () => hellos >= 3, 'reconnected after each silent catch-up', 10_000);
  assert.ok(errors.filter((c) => c === 'CATCH_UP_TIMEOUT').length >= 2, errors.join());
});
