// Conformance: limits that hold under attack (docs/protocol.md "Limits"). Outcomes, not timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { C, entityId, limits, tokens, url } from './config.js';
import { Raw, creation, tracked, update } from './wire.js';

const T = { timeout: 20_000 };

const nested = (depth) => {
  let v = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
// Far too deep for JSON.stringify (it recurses): the text is written out by hand.
const DEEP = '__deep__';
const deepText = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const withDeep = (message, depth) => JSON.stringify(message).replace(`"${DEEP}"`, deepText(depth));

test('a frame over the size limit -> too_large (limit), close 1009; nothing of it applied', T, async (t) => {
  const { welcomed } = tracked(t);
  const c = await welcomed();
  const id = entityId();
  c.send({ type: 'push', batch: 1, mutations: [creation(c.key(), C.items, { pad: 'x'.repeat(limits.maxMessageBytes) }, id)] });
  const e = await c.next('error');
  assert.deepEqual([e.code, e.limit], ['too_large', limits.maxMessageBytes]);
  assert.equal((await c.closed).code, 1009);
  const check = await welcomed();
  const r = (await check.push([update(check.key(), C.items, id, { a: 1 }, 1)])).results[0];
  assert.deepEqual([r.status, r.version], ['conflict', 0]);
});

test('a push nested far too deep -> validation for that mutation (stored, never transient); the others apply; the connection stays', T, async (t) => {
  const c = await tracked(t).welcomed();
  const deep = creation(c.key(), C.items, { deep: DEEP });
  const fine = creation(c.key(), C.items, { flat: true });
  const frame = (batch, mutations) => withDeep({ type: 'push', batch, mutations }, 6000);
  c.send(frame(1, [deep, fine]));
  const r = await c.next((m) => m.batch === 1);
  assert.equal(r.type, 'push_result', JSON.stringify(r).slice(0, 300));
  assert.deepEqual([r.results[0].status, r.results[0].class], ['error', 'validation']);
  assert.equal(r.results[1].status, 'ok');
  c.send(frame(2, [deep]));
  assert.deepEqual((await c.next((m) => m.batch === 2)).results[0], r.results[0], 'the refusal is final: the same answer again');
  await c.roundTrip();
});

test('data nested just over the depth limit is refused as validation too; at the limit it is accepted', T, async (t) => {
  const c = await tracked(t).welcomed();
  // data = { id, v: nested(d) } is d + 1 levels deep.
  const over = (await c.push([creation(c.key(), C.items, { v: nested(limits.maxDepth) })])).results[0];
  assert.deepEqual([over.status, over.class], ['error', 'validation']);
  const at = (await c.push([creation(c.key(), C.items, { v: nested(limits.maxDepth - 1) })])).results[0];
  assert.equal(at.status, 'ok', JSON.stringify(at).slice(0, 200));
});

test('another message nested too deep -> bad_message; the connection stays', T, async (t) => {
  const c = await tracked(t).welcomed();
  c.send(withDeep({ type: 'heartbeat', t: 1, junk: DEEP }, 5000));
  const e = await c.next('error');
  assert.equal(e.code, 'bad_message');
  await c.roundTrip();
});

test('subscriptions are capped: a subscribe past the cap -> too_large (limit), nothing added; hello too', T, async (t) => {
  const { welcomed, open } = tracked(t);
  const c = await welcomed('writer', { collections: [] });
  const names = Array.from({ length: limits.maxSubscriptions + 1 }, (_, i) => `n${i}`);
  c.send({ type: 'subscribe', collections: names });
  const e = await c.next('error');
  assert.deepEqual([e.code, e.limit], ['too_large', limits.maxSubscriptions]);
  c.send({ type: 'subscribe', collection: C.items, ids: names });
  assert.equal((await c.next('error')).code, 'too_large');
  await c.roundTrip();
  const h = await open();
  const refused = await h.hello({ token: tokens.writer, collections: names });
  assert.deepEqual([refused.type, refused.code], ['error', 'too_large']);
});

test('before hello: a big frame closes at once (1009); a stream of frames without hello closes (1008)', T, async (t) => {
  const { open } = tracked(t);
  const big = await open();
  big.send(JSON.stringify({ type: 'hello', pad: 'x'.repeat(256 * 1024) }));
  assert.equal((await big.closed).code, 1009);
  const chatty = await open();
  for (let i = 0; i < 50; i++) chatty.send({ type: 'heartbeat', t: i });
  assert.equal((await chatty.closed).code, 1008);
});

test('a flood -> rate_limited with retryAfterMs, then close 1008', T, async (t) => {
  const c = await tracked(t).welcomed();
  let sent = 0;
  let open = true;
  c.closed.then(() => (open = false));
  while (open && sent < 200_000) {
    for (let i = 0; i < 200; i++) c.send({ type: 'heartbeat', t: sent++ });
    // Only as fast as the socket drains: the flood is of messages, not of this process's memory.
    while (open && c.ws.bufferedAmount > 256 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { code } = await c.closed;
  assert.equal(code, 1008);
  const limited = c.inbox.filter((m) => m.type === 'error' && m.code === 'rate_limited');
  assert.ok(limited.length >= 1 && limited.every((m) => m.retryAfterMs > 0));
});

test('connections per address are capped: the one past the cap is refused at the upgrade', { timeout: 30_000 }, async (t) => {
  const { open } = tracked(t);
  const opened = [];
  let refused = null;
  for (let i = 0; i <= limits.maxConnectionsPerAddress && !refused; i++) {
    try {
      opened.push(await open());
    } catch (err) {
      refused = err;
    }
  }
  assert.ok(refused, `${opened.length} connections from one address, none refused`);
  assert.ok([429, 503].includes(refused.status), `HTTP ${refused.status}`);
  assert.ok(opened.length <= limits.maxConnectionsPerAddress);
  for (const c of opened) c.close();
  await Promise.all(opened.map((c) => c.closed));
  // Slots come back when connections close.
  let back = null;
  for (let i = 0; i < 50 && !back; i++) back = await Raw.open().catch(() => new Promise((r) => setTimeout(r, 100)));
  assert.ok(back, 'a connection is accepted again once the others closed');
  back.close();
});

test('an upgrade whose headers never finish is dropped by the header timeout', { timeout: limits.headersTimeoutMs + 20_000 }, async () => {
  const u = new URL(url);
  const socket = connect(Number(u.port || 80), u.hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n`); // never ends
  const closedWithin = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), limits.headersTimeoutMs + 15_000);
    socket.on('data', () => {});
    socket.once('close', () => (clearTimeout(timer), resolve(true)));
    socket.on('error', () => {});
  });
  socket.destroy();
  assert.ok(closedWithin, 'the half-sent upgrade was closed by the server');
});

test(`permessage-deflate ${limits.deflate ? 'is' : 'is not'} negotiated when the client offers it (SYNC_DEFLATE)`, T, async (t) => {
  const c = await tracked(t).open({ perMessageDeflate: true });
  assert.equal(/permessage-deflate/.test(c.ws.extensions), limits.deflate, `extensions: "${c.ws.extensions}"`);
  assert.equal((await c.hello({ token: tokens.writer })).type, 'welcome');
  const big = (await c.push([creation(c.key(), C.items, { text: 'compressible '.repeat(500) })])).results[0];
  assert.equal(big.status, 'ok');
});
