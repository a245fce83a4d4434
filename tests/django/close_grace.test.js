// The close grace under Daphne (syncore_django.serve): when the server closes a connection (here
// a peer that streams frames instead of a hello: error, then 1008), a peer that does not answer
// the close frame is cut off 1 s after it (docs/protocol.md, "Before hello"), never sooner.
//
// A raw TCP client speaks the WebSocket framing itself, because `ws` answers a close frame at
// once and so never lets the grace be measured. It lets the server close just after a wall-clock
// .8 s: autobahn's close timeout used to run on txaio's batched timer, which truncates a deadline
// to the whole second, so it fired at the next whole second (~0.2 s after the close) and, when
// that came before the close frame was flushed, the client saw 1006 instead of 1008.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startDjango } from './daphne.js';

const GRACE_MS = 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A masked client frame (RFC 6455 5.3): small payloads only. */
function clientFrame(opcode, payload) {
  const body = Buffer.from(payload);
  assert.ok(body.length < 126);
  const mask = randomBytes(4);
  const masked = Buffer.from(body.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | body.length]), mask, masked]);
}

/** Reads the server's unmasked frames off a byte stream: [{ opcode, payload }] and the rest. */
function serverFrames(buffer) {
  const frames = [];
  for (;;) {
    if (buffer.length < 2) break;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) [length, offset] = buffer.length < 4 ? [null, 0] : [buffer.readUInt16BE(2), 4];
    else if (length === 127) [length, offset] = buffer.length < 10 ? [null, 0] : [Number(buffer.readBigUInt64BE(2)), 10];
    if (length === null || buffer.length < offset + length) break;
    frames.push({ opcode: buffer[0] & 0x0f, payload: buffer.subarray(offset, offset + length) });
    buffer = buffer.subarray(offset + length);
  }
  return { frames, rest: buffer };
}

/** Upgrades a raw socket; resolves to { socket, events } where events records frames and the end. */
async function rawWebSocket(url) {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  socket.on('error', () => {}); // an abort shows as the 'close' below
  const events = { frames: [], closeFrameAt: null, endedAt: null };
  let pending = Buffer.alloc(0);
  let upgraded = false;
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
        upgraded = true;
        pending = pending.subarray(end + 4);
        resolve();
      }
      const { frames, rest } = serverFrames(pending);
      pending = rest;
      for (const f of frames) {
        events.frames.push(f);
        if (f.opcode === 8) events.closeFrameAt = performance.now();
      }
    });
    socket.once('close', () => {
      events.endedAt = performance.now();
      reject(new Error('closed before the upgrade'));
    });
  });
  await ready;
  return { socket, events };
}

test('Daphne: a server close (1008 before hello) reaches a peer that does not answer it, and the socket is cut 1 s after, not sooner', { timeout: 60_000 }, async (t) => {
  const django = await startDjango({ env: { SYNCORE_HELLO_TIMEOUT_MS: '30000' } });
  t.after(() => django.stop());
  for (let round = 0; round < 3; round++) {
    const { socket, events } = await rawWebSocket(django.url);
    t.after(() => socket.destroy());
    await sleep((1800 - (Date.now() % 1000)) % 1000); // just past a wall-clock .8 s (see above)
    for (let i = 0; i < 50; i++) socket.write(clientFrame(1, JSON.stringify({ type: 'heartbeat', t: i })));
    while (events.endedAt === null) await sleep(10);

    const texts = events.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload));
    const close = events.frames.find((f) => f.opcode === 8);
    assert.ok(close, `round ${round}: the socket ended without a close frame (the client sees 1006); got ${JSON.stringify(texts)}`);
    assert.equal(close.payload.readUInt16BE(0), 1008, `round ${round}: close code`);
    assert.ok(texts.some((m) => m.type === 'error' && /before hello/.test(m.message)), `round ${round}: the error before the close: ${JSON.stringify(texts)}`);
    assert.equal(events.frames.at(-1).opcode, 8, 'nothing after the close frame');
    const grace = events.endedAt - events.closeFrameAt;
    t.diagnostic(`round ${round}: cut ${Math.round(grace)} ms after the close frame`);
    // Measured from when this process saw the frame, so a little under the server's full second.
    assert.ok(grace >= GRACE_MS * 0.75, `round ${round}: cut ${Math.round(grace)} ms after the close frame, before the ${GRACE_MS} ms grace`);
    assert.ok(grace <= GRACE_MS + 4000, `round ${round}: a silent peer is still held ${Math.round(grace)} ms after the close`);
  }
});
