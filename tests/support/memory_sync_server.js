// A sync server in memory, for client tests that need a large catch-up fast (no PGlite start, no
// network): a WebSocket class to pass as createSyncClient({ WebSocket }). It speaks the wire shapes
// of docs/protocol.md that a catch-up and a push need: hello -> welcome; sync_request -> chunks
// of the change log; push -> applied in order, push_result ok. Every answer comes in a later task,
// as over a real socket.

/**
 * @param {{ collection: string, id: string, data: object }[]} entities the server's data, in its order
 * @returns {{ WebSocket: Function, log: object[], sockets: number }}
 */
export function memorySyncServer(entities) {
  const log = entities.map((e, i) => ({ op: 'upsert', collection: e.collection, id: e.id, version: 1, data: e.data, origin: null, cursor: i + 1 }));
  const server = { log, sockets: 0, WebSocket: null };

  class MemoryWebSocket {
    constructor(url) {
      this.url = String(url);
      this.readyState = 0;
      server.sockets++;
      setTimeout(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.onopen?.({});
      }, 0);
    }

    send(text) {
      if (this.readyState !== 1) throw new Error('not open');
      const message = JSON.parse(text);
      setTimeout(() => this.#answer(message), 0);
    }

    close() {
      if (this.readyState === 3) return;
      this.readyState = 3;
      setTimeout(() => this.onclose?.({ code: 1000 }), 0);
    }

    #reply(message) {
      if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(message) });
    }

    #answer(m) {
      if (this.readyState !== 1) return;
      if (m.type === 'hello') {
        this.#reply({ type: 'welcome', protocol: 1, serverTime: Date.now(), cursor: log.length, epoch: 'memory', horizon: 0, userId: null, limits: {} });
      } else if (m.type === 'sync_request') {
        const changes = log.filter((c) => c.cursor > m.cursor).slice(0, m.limit ?? 500);
        const cursor = changes.at(-1)?.cursor ?? m.cursor;
        this.#reply({ type: 'sync_response', changes, cursor, more: cursor < log.length });
      } else if (m.type === 'push') {
        const results = m.mutations.map((mu) => {
          const version = (log.findLast((c) => c.collection === mu.collection && c.id === mu.id)?.version ?? 0) + 1;
          const data = mu.kind === 'update' ? { ...log.findLast((c) => c.collection === mu.collection && c.id === mu.id)?.data, ...mu.data } : mu.data;
          log.push({ op: mu.kind === 'delete' ? 'delete' : 'upsert', collection: mu.collection, id: mu.id, version, data, origin: mu.key, cursor: log.length + 1 });
          return { key: mu.key, status: 'ok', id: mu.id, version, data };
        });
        this.#reply({ type: 'push_result', batch: m.batch, results });
      } else if (m.type === 'heartbeat') {
        this.#reply({ type: 'heartbeat_ack', t: m.t });
      }
    }
  }
  server.WebSocket = MemoryWebSocket;
  return server;
}
