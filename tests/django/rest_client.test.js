// syncore's REST adapter (createRestTransport) against the Django REST views: the outbox's
// creates, merge-patch PUTs and deletes land once each (Idempotency-Key), pulls come from
// GET /api/<collection>/?cursor=, and a WebSocket client of the same server sees the REST writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient, createRestTransport } from '../../js/node.js';
import { startDjango } from './daphne.js';

function until(predicate, what, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const poll = async () => {
      if (await predicate()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for: ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

test('the REST adapter writes through the Django REST views exactly once; a WebSocket client sees them', { timeout: 120_000 }, async (t) => {
  const django = await startDjango();
  t.after(() => django.stop());
  const auth = { Authorization: `Bearer ${django.tokens.writer}` };
  const pull = async (cursor) => {
    const r = await fetch(`${django.http}/api/conf_items/?cursor=${cursor ?? 0}&limit=500`, { headers: auth });
    return r.json();
  };
  // ids: 'server': Django names what this client creates (a temp id, renamed on ack).
  const rest = await createSyncClient({ transport: createRestTransport({ baseUrl: django.http, pull }), token: django.tokens.writer, collections: { conf_items: { ids: 'server' } } });
  rest.on('error', () => {});
  t.after(() => rest.close());
  const ws = await createSyncClient({ url: django.url, token: django.tokens.other, collections: { conf_items: {} }, websocket: { reconnectBaseMs: 20 } });
  ws.on('error', () => {});
  t.after(() => ws.close());

  const made = await rest.collection('conf_items').create({ title: 'by rest', keep: 1 }).result;
  assert.ok(!String(made.id).startsWith('tmp-'), `the server's id: ${made.id}`);
  await rest.collection('conf_items').patch(made.id, { title: 'patched' }).result;
  const get = async (id) => (await fetch(`${django.http}/api/conf_items/${id}/`, { headers: auth })).json();
  assert.deepEqual(await get(made.id), { id: made.id, title: 'patched', keep: 1 }, 'PUT with merge-patch+json kept the other fields');
  // The WebSocket client names its own entities (the default: a UUIDv7); Django keeps the id.
  const own = ws.collection('conf_items').create({ title: 'by ws' });
  assert.match(own.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal((await own.result).id, own.id);
  assert.deepEqual(await get(own.id), { id: own.id, title: 'by ws' });
  await until(() => ws.collection('conf_items').get(made.id)?.title === 'patched', 'the WebSocket client sees the REST writes');

  await rest.collection('conf_items').delete(made.id).result;
  assert.equal((await fetch(`${django.http}/api/conf_items/${made.id}/`, { headers: auth })).status, 404);
  await until(() => !ws.collection('conf_items').get(made.id), 'the delete reaches the WebSocket client');

  // A retried request (the same Idempotency-Key, as seed 000's OfflineManager retries) is
  // answered again, not applied again.
  const post = () =>
    fetch(`${django.http}/api/conf_items/`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': 'offline_1' },
      body: JSON.stringify({ title: 'queued offline' }),
    });
  const first = await post();
  const second = await post();
  assert.deepEqual([first.status, second.status], [201, 201]);
  const [a, b] = [await first.json(), await second.json()];
  assert.deepEqual(a, b);
  const { changes } = await pull(0);
  assert.equal(changes.filter((c) => c.id === a.id).length, 1);
  assert.equal(changes.filter((c) => c.data?.title === 'queued offline').length, 1, 'one entity, not two');
});
