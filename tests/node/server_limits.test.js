// Limits that hold under attack (issue 13 item 8), each reproduced first: over-deep input,
// subscription floods, silent or chatty connections before hello, connection counts, half-sent
// upgrades, error-log floods; and permessage-deflate as an option. Outcomes, not timings.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startSyncServer } from '../../server/sync_server.js';
import { jsonDepth, deeperThan, throttledLogger } from '../../server/limits.js';
import { rawClient, creation } from '../support/raw_client.js';

const T = { timeout: 30_000 };
const deepText = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

async function serve(t, options = {}) {
  const lines = [];
  const srv = await startSyncServer({ logger: { error: (...a) => lines.push(a.map(String).join(' ')) }, ...options });
  const open = [];
  t.after(async () => {
    open.forEach((c) => c.close());
    await srv.close();
  });
  srv.lines = lines;
  srv.raw = async (hello, wsOptions) => {
    const c = await rawClient(srv.url, wsOptions);
    open.push(c);
    if (hello) assert.equal((await c.hello(hello)).type, 'welcome');
    return c;
  };
  return srv;
}

describe('depth', () => {
  test('jsonDepth measures nesting on the bytes, ignoring brackets inside strings', () => {
    assert.equal(jsonDepth(Buffer.from('1')), 0);
    assert.equal(jsonDepth(Buffer.from('{"a":[1,{"b":[]}]}')), 4);
    assert.equal(jsonDepth(Buffer.from('{"a":"[[[{{{\\"[[["}')), 1);
    assert.equal(jsonDepth(Buffer.from(`{"é":"€[", "x": ${deepText(10)}}`)), 11);
    assert.equal(deeperThan(JSON.parse(deepText(5)), 5), false);
    assert.equal(deeperThan(JSON.parse(deepText(6)), 5), true);
    assert.equal(deeperThan(JSON.parse(deepText(20_000)), 64), true, 'iterative: no stack overflow');
  });

  test('a 1 MiB push nested 6,000 deep -> validation (stored), not transient; nothing logged; the connection stays', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.raw({ clientId: 'c1' });
    const pad = 'x'.repeat((1 << 20) - 6000 * 6 - 400);
    const frame = `{"type":"push","batch":1,"mutations":[{"key":"c1:1","collection":"t","id":"tmp-1","kind":"create","data":{"id":"tmp-1","pad":"${pad}","d":${deepText(6000)}},"baseVersion":-1}]}`;
    assert.ok(frame.length > 1_000_000 && frame.length <= 1 << 20);
    c.send(frame);
    const r = await c.next('push_result');
    assert.deepEqual([r.results[0].status, r.results[0].class], ['error', 'validation']);
    assert.match(r.results[0].message, /deeper than 64/);
    c.send(frame); // a retry gets the stored answer
    assert.deepEqual((await c.next('push_result')).results[0], r.results[0]);
    assert.equal(await srv.store.cursor, 0);
    assert.deepEqual(srv.lines, [], 'an attacker cannot make the server log');
    await c.roundTrip();
  });
});

describe('subscriptions', () => {
  test('1.35 M names in one subscribe -> too_large; the connection holds none of them', T, async (t) => {
    const srv = await serve(t, { maxMessageBytes: 32 << 20 });
    const c = await srv.raw({ clientId: 'c1', collections: ['a'] });
    const names = Array.from({ length: 1_350_000 }, (_, i) => `n${i}`);
    c.send({ type: 'subscribe', collections: names });
    const e = await c.next('error', 10_000);
    assert.deepEqual([e.code, e.limit], ['too_large', 1000]);
    c.send({ type: 'subscribe', collections: names.slice(0, 999) });
    await c.roundTrip();
    assert.equal(srv.connections()[0].collections.length, 1000, 'up to the cap is fine');
    c.send({ type: 'subscribe', collection: 'a', ids: ['x', 'y'] });
    assert.equal((await c.next('error')).code, 'too_large');
  });
});

describe('before hello', () => {
  test('a frame bigger than maxHelloBytes closes at once (1009)', T, async (t) => {
    const srv = await serve(t, { maxHelloBytes: 1024 });
    const c = await srv.raw();
    c.send(JSON.stringify({ type: 'hello', protocol: [1], clientId: 'c1', token: 'x'.repeat(2000) }));
    const e = await c.next('error');
    assert.deepEqual([e.code, e.limit], ['too_large', 1024]);
    assert.equal((await c.closed).code, 1009);
  });

  test('a 1 MiB frame streamed instead of a hello is cut off on the wire, before the server has read it', T, async (t) => {
    const srv = await serve(t);
    const c = await srv.raw();
    c.send(JSON.stringify({ type: 'hello', pad: 'x'.repeat(1 << 20) }));
    const { code } = await c.closed;
    assert.equal(code, 1006, 'the socket was destroyed (no close frame)');
    assert.deepEqual(c.inbox, [], 'no answer: the frame was never read whole');
  });

  test('more than maxFramesBeforeHello frames without a hello close the connection (1008); frames after a hello are fine', T, async (t) => {
    const srv = await serve(t);
    const chatty = await srv.raw();
    for (let i = 0; i < 10; i++) chatty.send({ type: 'heartbeat', t: i });
    const { code, reason } = await chatty.closed;
    assert.deepEqual([code, reason], [1008, 'no hello'], 'closed for the frames, not by the hello timeout');
    const pipelined = await srv.raw();
    pipelined.send({ type: 'hello', protocol: [1], clientId: 'p1' });
    for (let i = 0; i < 10; i++) pipelined.send({ type: 'heartbeat', t: i });
    await pipelined.next((m) => m.type === 'heartbeat_ack' && m.t === 9);
  });

  test('silent connections (that do not even answer the close handshake) are cut off after helloTimeoutMs', T, async (t) => {
    const srv = await serve(t, { helloTimeoutMs: 200 });
    // Raw TCP: the WebSocket handshake, then nothing at all (no hello, no close frame back).
    const silent = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const socket = connect(srv.port, '127.0.0.1');
        t.after(() => socket.destroy());
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write('GET /sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        const upgraded = await new Promise((resolve) => socket.once('data', (d) => resolve(d.toString())));
        assert.match(upgraded, /^HTTP\/1.1 101/);
        return new Promise((resolve) => socket.once('close', resolve));
      }),
    );
    await Promise.all(silent); // closed by the server; the test's timeout (well under ws's 30 s) is the bound
    while (srv.connections().length > 0) await new Promise((resolve) => setTimeout(resolve, 10)); // the server's side of the close
  });
});

describe('connections', () => {
  test('maxConnections: the one past the cap gets HTTP 503; a slot comes back when one closes', T, async (t) => {
    const srv = await serve(t, { maxConnections: 3 });
    const three = [await srv.raw(), await srv.raw(), await srv.raw()];
    await assert.rejects(rawClient(srv.url), (err) => err.status === 503);
    three[0].close();
    await three[0].closed;
    let again = null;
    for (let i = 0; i < 100 && !again; i++) again = await rawClient(srv.url).catch(() => new Promise((r) => setTimeout(r, 20)));
    assert.ok(again);
    again.close();
  });

  test('maxConnectionsPerAddress: the one past the cap gets HTTP 429', T, async (t) => {
    const srv = await serve(t, { maxConnectionsPerAddress: 2 });
    await srv.raw();
    await srv.raw();
    await assert.rejects(rawClient(srv.url), (err) => err.status === 429);
  });

  test('trustProxy: connections are counted by the address the proxy forwards', T, async (t) => {
    const srv = await serve(t, { maxConnectionsPerAddress: 1, trustProxy: true });
    const via = (ip) => rawClient(srv.url, { headers: { 'X-Forwarded-For': `203.0.113.9, ${ip}` } });
    const a = await via('198.51.100.1');
    const b = await via('198.51.100.2'); // another client behind the same proxy
    t.after(() => (a.close(), b.close()));
    await assert.rejects(via('198.51.100.1'), (err) => err.status === 429);
  });

  test('an upgrade whose headers never finish is dropped after headersTimeoutMs', T, async (t) => {
    const srv = await serve(t, { headersTimeoutMs: 300 });
    const socket = connect(srv.port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    socket.on('data', () => {});
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('close', resolve)); // the test's timeout is the bound
  });
});

describe('error logging', () => {
  test('an authorize hook that throws on every hello: at most logErrorsPerMinute lines', T, async (t) => {
    const srv = await serve(t, { logErrorsPerMinute: 5, authorize: () => { throw new Error('down'); } });
    for (let i = 0; i < 20; i++) {
      const c = await srv.raw();
      assert.equal((await c.hello({ clientId: `c${i}` })).code, 'unauthorized');
    }
    assert.equal(srv.lines.length, 5);
  });

  test('throttledLogger: the dropped lines are counted and reported in the next minute', () => {
    let now = 0;
    const out = [];
    const log = throttledLogger({ error: (...a) => out.push(a.join(' ')), info: () => out.push('info') }, { perMinute: 2, now: () => now });
    for (let i = 0; i < 10; i++) log.error(`e${i}`);
    log.info();
    assert.deepEqual(out, ['e0', 'e1', 'info']);
    now = 60_000;
    log.error('later');
    assert.deepEqual(out.slice(3), ['syncore sync server: 8 error lines suppressed in the last minute', 'later']);
  });
});

describe('permessage-deflate', () => {
  for (const on of [false, true]) {
    test(`perMessageDeflate: ${on} -> ${on ? '' : 'not '}negotiated; pushes work either way`, T, async (t) => {
      const srv = await serve(t, { perMessageDeflate: on });
      const c = await srv.raw({ clientId: 'c1' }, { perMessageDeflate: true });
      assert.equal(/permessage-deflate/.test(c.ws.extensions), on);
      const r = await c.push([creation('c1:1', 'notes', { text: 'abc '.repeat(2000) })]);
      assert.equal(r.results[0].status, 'ok');
    });
  }
});
