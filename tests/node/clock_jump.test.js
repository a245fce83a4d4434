// A wall clock set back (by the user, by NTP) must not stall the client's timers: the core's time
// never runs backwards (js/clock.js) and no wait is longer than the longest backoff.
//   node --test tests/node/clock_jump.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncClient } from '../../js/node.js';

/** A transport whose server refuses the first push as transient and takes the others. */
function flakyTransport() {
  let sink = null;
  const pushes = [];
  return {
    pushes,
    stats: {},
    start(s) {
      sink = s;
    },
    connect() {
      sink.connected();
      sink.caughtUp();
    },
    disconnect() {},
    sync() {},
    setToken() {},
    close() {},
    push(batch, mutations) {
      pushes.push({ at: Date.now(), batch, keys: mutations.map((m) => m.key) });
      const first = pushes.length === 1;
      queueMicrotask(() => sink.answer(batch, mutations.map((m) => (first
        ? { key: m.key, status: 'error', class: 'transient', message: 'try again' }
        : { key: m.key, status: 'ok', id: m.id, version: 1, data: m.data }))));
      return true;
    },
  };
}

for (const [what, jump] of [['20 s', 20_000], ['1 hour', 3_600_000]]) {
  test(`the wall clock jumps back ${what} while a 500 ms retry waits: the retry still goes out in time`, async (t) => {
    let offset = 0;
    const transport = flakyTransport();
    const client = await createSyncClient({
      collections: { todos: {} },
      transport,
      now: () => Date.now() - offset, // the public clock option: the device's wall clock
      client: { backoffBaseMs: 500, backoffMaxMs: 2000 },
      window: new EventTarget(),
      document: new EventTarget(),
    });
    t.after(() => client.close());
    const { result } = client.collection('todos').create({ title: 'x' });
    // The first push is refused: a retry is scheduled within 500 ms. Then the clock goes back.
    while (transport.pushes.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    offset = jump;
    const settled = await Promise.race([result.then(() => 'acknowledged'), new Promise((r) => setTimeout(() => r('still waiting'), 3000))]);
    assert.equal(settled, 'acknowledged', `pushes: ${transport.pushes.length}`);
    assert.equal(transport.pushes.length, 2);
    assert.ok(transport.pushes[1].at - transport.pushes[0].at < 2500, `retried after ${transport.pushes[1].at - transport.pushes[0].at} ms`);
  });
}
