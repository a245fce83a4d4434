// Conformance: the connection (docs/protocol.md "Connection", "Heartbeat", "Close codes").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { url, tokens, badToken, limits } from './config.js';
import { Raw, tracked } from './wire.js';

const T = { timeout: 15_000 };

test('hello -> welcome: the chosen protocol (the highest in common), server time, cursor, user', T, async (t) => {
  const { open } = tracked(t);
  const c = await open();
  const before = Date.now();
  const w = await c.hello({ token: tokens.writer, protocol: [1, 99] });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  assert.equal(w.protocol, 1);
  assert.ok(Number.isInteger(w.cursor) && w.cursor >= 0, `cursor ${w.cursor}`);
  assert.ok(Math.abs(w.serverTime - before) < 60_000, 'serverTime is the server clock in ms');
  assert.equal(typeof w.userId, 'string');
  const other = await open();
  const w2 = await other.hello({ token: tokens.other });
  assert.notEqual(w2.userId, w.userId, 'two tokens of two users name two users');
});

test('no protocol in common -> unsupported_protocol with the supported list, close 1002', T, async (t) => {
  const { open } = tracked(t);
  const c = await open();
  const e = await c.hello({ token: tokens.writer, protocol: [99] });
  assert.equal(e.code, 'unsupported_protocol');
  assert.ok(Array.isArray(e.supported) && e.supported.includes(1));
  assert.equal((await c.closed).code, 1002);
});

test('a bad token -> unauthorized, close 1008', T, async (t) => {
  const { open } = tracked(t);
  const c = await open();
  const e = await c.hello({ token: badToken });
  assert.deepEqual([e.type, e.code], ['error', 'unauthorized']);
  assert.equal((await c.closed).code, 1008);
});

test('a token in the URL is refused with HTTP 400 before any message', T, async () => {
  for (const name of ['token', 'access_token']) {
    const u = new URL(url);
    u.searchParams.set(name, tokens.writer);
    await assert.rejects(Raw.open({}, u.href), (err) => err.status === 400);
  }
});

test('messages before hello are refused (bad_message); a second hello too', T, async (t) => {
  const { open } = tracked(t);
  const c = await open();
  c.send({ type: 'sync_request', cursor: 0 });
  const e = await c.next('error');
  assert.equal(e.code, 'bad_message');
  assert.equal((await c.hello({ token: tokens.writer })).type, 'welcome');
  assert.equal((await c.hello({ token: tokens.writer })).code, 'bad_message');
});

test('no hello in time -> bad_message, close 1008', { timeout: limits.helloTimeoutMs + 10_000 }, async (t) => {
  const { open } = tracked(t);
  const c = await open();
  const e = await c.next('error', limits.helloTimeoutMs + 5000);
  assert.equal(e.code, 'bad_message');
  assert.equal((await c.closed).code, 1008);
});

test('heartbeat -> heartbeat_ack with the same t', T, async (t) => {
  const { welcomed } = tracked(t);
  const c = await welcomed();
  c.send({ type: 'heartbeat', t: 1234.5 });
  assert.equal((await c.next('heartbeat_ack')).t, 1234.5);
});

test('malformed JSON, a non-object, an unknown type -> bad_message; the connection stays', T, async (t) => {
  const { welcomed } = tracked(t);
  const c = await welcomed();
  for (const frame of ['{not json', '[1,2]', '"text"', JSON.stringify({ type: 'no_such_message' }), JSON.stringify({ kind: 'push' })]) {
    c.send(frame);
    assert.equal((await c.next('error')).code, 'bad_message', frame);
  }
  await c.roundTrip();
});

test('auth: a new token on the open connection -> welcome again on the same socket; a bad one -> unauthorized, 1008', T, async (t) => {
  const { welcomed } = tracked(t);
  const c = await welcomed('writer');
  c.send({ type: 'auth', token: tokens.writer });
  const w = await c.next((m) => m.type === 'welcome' || m.type === 'error');
  assert.equal(w.type, 'welcome');
  assert.equal(w.userId, c.welcome.userId);
  await c.roundTrip(); // still open
  c.send({ type: 'auth', token: badToken });
  assert.equal((await c.next('error')).code, 'unauthorized');
  assert.equal((await c.closed).code, 1008);
});

test("a client id belongs to the first user: another user's hello with it -> forbidden, 1008", T, async (t) => {
  const { open, welcomed } = tracked(t);
  const mine = await welcomed('writer');
  mine.close();
  const thief = await open();
  const e = await thief.hello({ token: tokens.other, clientId: mine.clientId });
  assert.deepEqual([e.type, e.code], ['error', 'forbidden']);
  assert.equal((await thief.closed).code, 1008);
  // The owner still gets in with it.
  const again = await open();
  assert.equal((await again.hello({ token: tokens.writer, clientId: mine.clientId })).type, 'welcome');
});
