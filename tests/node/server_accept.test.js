// The server's accept(ws) seam: a connection that is already open (an in-process transport, the
// JS simulation in tests/sim/) is served like one that came through the http upgrade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { startSyncServer } from '../../server/sync_server.js';

/** The server-side surface of a `ws` WebSocket, in memory: what the server sends is recorded. */
class InProcessSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  sent = [];
  send(data, options, cb) {
    this.sent.push(JSON.parse(String(data)));
    (typeof options === 'function' ? options : cb)?.();
  }
  ping() {}
  close(code = 1000, reason = '') {
    this.terminate(code, reason);
  }
  terminate(code = 1006, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', code, Buffer.from(reason));
  }
  /** A frame from the client. */
  receive(message) {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }
}

test('accept(): an in-process socket says hello, pushes and gets its answers', async () => {
  const server = await startSyncServer({ port: 0 });
  try {
    const ws = new InProcessSocket();
    assert.equal(server.accept(ws, { remoteAddress: 'in-process' }), true);
    ws.receive({ type: 'hello', protocol: [1], clientId: 'c1', cursor: 0 });
    const until = async (pred) => {
      for (let i = 0; i < 200 && !ws.sent.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
      return ws.sent.find(pred);
    };
    const welcome = await until((m) => m.type === 'welcome');
    assert.ok(welcome, `no welcome: ${JSON.stringify(ws.sent)}`);
    ws.receive({ type: 'push', batch: 1, mutations: [{ key: 'c1:1', kind: 'create', collection: 'items', id: 'a', data: { id: 'a', n: 1 } }] });
    const answer = await until((m) => m.type === 'push_result');
    assert.equal(answer?.results?.[0]?.status, 'ok', JSON.stringify(ws.sent));
    assert.deepEqual((await server.store.list('items')).map((e) => e.data), [{ id: 'a', n: 1 }]);
  } finally {
    await server.close();
  }
});
