// The server stores only what every client can apply (issue 12, items 6 and 10) and announces its
// limits in welcome (item 9). Real server on loopback, real `ws` clients, raw protocol frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startSyncServer } from '../../server/sync_server.js';

const ts = () => ({ wall: Date.now(), counter: 0, node: 'c1' });

/** A raw protocol client: an inbox of parsed messages. */
async function open(url, clientId = 'c1') {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const i = waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else inbox.push(msg);
  });
  const next = (pred) => {
    const i = inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  let batch = 0;
  const c = {
    ws,
    next,
    sendText: (text) => ws.send(text),
    async push(mutations) {
      const id = ++batch;
      ws.send(JSON.stringify({ type: 'push', batch: id, mutations }));
      return next((m) => m.type === 'push_result' && m.batch === id);
    },
    /** The push frame as text: lets a test send escapes (lone surrogates) JSON.stringify would keep. */
    async pushText(text) {
      const id = ++batch;
      ws.send(`{"type":"push","batch":${id},"mutations":[${text}]}`);
      return next((m) => m.type === 'push_result' && m.batch === id);
    },
    async changes() {
      ws.send(JSON.stringify({ type: 'sync_request', cursor: 0, limit: 5000 }));
      return (await next((m) => m.type === 'sync_response')).changes;
    },
  };
  ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId, cursor: 0 }));
  c.welcome = await next((m) => m.type === 'welcome' || m.type === 'error');
  return c;
}

async function serve(t, options = {}) {
  const server = await startSyncServer({ logger: null, ...options });
  const sockets = [];
  t.after(async () => {
    for (const s of sockets) s.ws.terminate();
    await server.close();
  });
  server.open = async (clientId) => {
    const c = await open(server.url, clientId);
    sockets.push(c);
    return c;
  };
  return server;
}

const nest = (levels) => {
  let v = 'leaf';
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
};

test('welcome announces the server limits: frame bytes, batch count, entity bytes, depth', async (t) => {
  const server = await serve(t, { maxMessageBytes: 300_000, maxBatchMutations: 40, maxEntityBytes: 100_000, maxDepth: 20 });
  const c = await server.open();
  assert.equal(c.welcome.type, 'welcome');
  assert.deepEqual(c.welcome.limits, { maxMessageBytes: 300_000, maxBatchMutations: 40, maxEntityBytes: 100_000, maxDepth: 20 });
  const defaults = await serve(t);
  const d = await defaults.open();
  assert.deepEqual(d.welcome.limits, { maxMessageBytes: 1 << 20, maxBatchMutations: 1000, maxEntityBytes: 1 << 20, maxDepth: 64 });
});

test('a change no client could apply is refused as validation and never stored: ts shape, depth, lone surrogates', async (t) => {
  const server = await serve(t);
  const c = await server.open();
  const create = (n, data, extra = {}) => ({ key: `c1:${n}`, collection: 'notes', id: `tmp-${n}`, kind: 'create', data, baseVersion: -1, ts: ts(), ...extra });
  const refusals = [
    create(1, { title: 'empty ts' }, { ts: {} }),
    create(2, { title: 'wall as text' }, { ts: { wall: 'soon', counter: 0, node: 'c1' } }),
    create(3, { title: 'negative counter' }, { ts: { wall: 1, counter: -1, node: 'c1' } }),
    create(4, { title: 'extra ts field' }, { ts: { ...ts(), deep: { a: 1 } } }),
    create(5, { deep: nest(64) }), // 65 levels with the entity itself
  ];
  const answers = (await c.push(refusals)).results;
  assert.deepEqual(answers.map((r) => [r.key, r.status, r.class]), refusals.map((m) => [m.key, 'error', 'validation']));
  assert.match(answers[0].message, /ts/);
  assert.match(answers[4].message, /deeper than 64/);
  // Lone surrogates (escaped: valid JSON, not encodable as UTF-8) in a value, a key, ts.node.
  const surrogates = [
    `{"key":"c1:6","collection":"notes","id":"tmp-6","kind":"create","data":{"title":"a\\ud800b"},"baseVersion":-1}`,
    `{"key":"c1:7","collection":"notes","id":"tmp-7","kind":"create","data":{"t\\udc00":"x"},"baseVersion":-1}`,
    `{"key":"c1:8","collection":"notes","id":"tmp-8","kind":"create","data":{"list":["ok",["\\udbff"]]},"baseVersion":-1}`,
    `{"key":"c1:9","collection":"notes","id":"tmp-9","kind":"create","data":{"t":1},"baseVersion":-1,"ts":{"wall":1,"counter":0,"node":"\\ud83d"}}`,
  ];
  for (const text of surrogates) {
    const [r] = (await c.pushText(text)).results;
    assert.equal(r.status, 'error', text);
    assert.equal(r.class, 'validation');
    assert.match(r.message, /well-formed/);
  }
  // What every client can take is still stored: 63 levels under the entity, a paired surrogate.
  const fine = (await c.push([create(10, { deep: nest(63) })])).results[0];
  assert.equal(fine.status, 'ok', JSON.stringify(fine));
  const [emoji] = (await c.pushText(`{"key":"c1:11","collection":"notes","id":"tmp-11","kind":"create","data":{"t":"\\ud83d\\ude00"},"baseVersion":-1}`)).results;
  assert.equal(emoji.status, 'ok');
  const stored = await c.changes();
  assert.deepEqual(stored.map((ch) => ch.origin).sort(), ['c1:10', 'c1:11']);
  // The refusal is final: stored under the key, the same answer again.
  const again = (await c.push([create(1, { title: 'empty ts' }, { ts: {} })])).results[0];
  assert.deepEqual(again, answers[0]);
});

test('an update that would grow an entity past maxEntityBytes is refused; the entity stays as it was', async (t) => {
  const server = await serve(t, { maxEntityBytes: 10_000 });
  const c = await server.open();
  const [made] = (await c.push([{ key: 'c1:1', collection: 'notes', id: 'tmp-1', kind: 'create', data: { n: 0 }, baseVersion: -1, ts: ts() }])).results;
  assert.equal(made.status, 'ok');
  let version = made.version;
  let refused = null;
  for (let i = 1; i <= 10 && !refused; i++) {
    // Small patches, each well under the limit, that add up past it.
    const [r] = (await c.push([{ key: `c1:${i + 1}`, collection: 'notes', id: made.id, kind: 'update', data: { [`part${i}`]: 'x'.repeat(3000) }, baseVersion: version, ts: ts() }])).results;
    if (r.status === 'ok') version = r.version;
    else refused = { i, r };
  }
  assert.ok(refused, 'a patch was refused');
  assert.equal(refused.i, 4, 'the fourth 3 KB part would take the entity past 10,000 bytes');
  assert.equal(refused.r.class, 'validation');
  assert.match(refused.r.message, /over the limit of 10000/);
  const entity = (await server.store.get('notes', made.id));
  assert.equal(entity.version, version);
  assert.ok(Buffer.byteLength(JSON.stringify(entity.data)) <= 10_000);
  // A create over the limit is refused the same way.
  const [big] = (await c.push([{ key: 'c1:50', collection: 'notes', id: 'tmp-50', kind: 'create', data: { s: 'y'.repeat(10_001) }, baseVersion: -1, ts: ts() }])).results;
  assert.equal(big.class, 'validation');
});

test('data nested 300,000 levels deep (a 600 KB frame) is refused as validation, not failed as transient and retried forever', async (t) => {
  const server = await serve(t);
  const c = await server.open();
  const depth = 300_000;
  const [r] = (await c.pushText(`{"key":"c1:1","collection":"notes","id":"tmp-1","kind":"create","baseVersion":-1,"data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`)).results;
  assert.equal(r.status, 'error');
  assert.equal(r.class, 'validation', r.message);
  assert.deepEqual(await c.changes(), []);
});
