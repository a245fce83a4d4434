// A raw protocol client on `ws`: an inbox of parsed messages, next(pred) takes the first match or
// waits for it (with a deadline, so a missing answer fails the test instead of hanging it).
import WebSocket from 'ws';
import { url as defaultUrl, tokens, clientId as newClientId } from './config.js';

export const ts = () => ({ wall: Date.now(), counter: 0, node: 'conf' });

export class Raw {
  static open(options = {}, url = defaultUrl) {
    const c = new Raw(new WebSocket(url, options));
    return new Promise((resolve, reject) => {
      c.ws.once('open', () => resolve(c));
      c.ws.once('error', reject);
      c.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  /** Opens and says hello (as `role`, with a fresh client id unless given); throws unless welcomed. */
  static async welcomed(role = 'writer', fields = {}, options) {
    const c = await Raw.open(options);
    const answer = await c.hello({ token: tokens[role], ...fields });
    if (answer.type !== 'welcome') throw new Error(`no welcome for ${role}: ${JSON.stringify(answer)}`);
    c.welcome = answer;
    return c;
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    this.seq = 0;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
      else this.inbox.push(msg);
    });
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  next(pred = () => true, ms = 5000) {
    const match = typeof pred === 'string' ? (m) => m.type === pred : pred;
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { pred: match, resolve: (m) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${ms} ms; inbox: ${JSON.stringify(this.inbox).slice(0, 500)}`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  async hello(fields = {}) {
    this.clientId = fields.clientId ?? newClientId();
    this.send({ type: 'hello', protocol: [1], cursor: 0, ...fields, clientId: this.clientId });
    return this.next((m) => m.type === 'welcome' || m.type === 'error');
  }

  /** A key of this connection's client: "<clientId>:<n>". */
  key() {
    return `${this.clientId}:${++this.seq}`;
  }

  async push(mutations, batch = Math.floor(Math.random() * 1e9)) {
    this.send({ type: 'push', batch, mutations });
    return this.next((m) => (m.type === 'push_result' || m.type === 'error') && m.batch === batch);
  }

  /** Creates one entity; resolves to its ok result. */
  async create(collection, data = {}, id = `tmp-${this.clientId}-${this.seq + 1}`) {
    const key = this.key();
    const r = await this.push([{ key, collection, id, kind: 'create', data: { id, ...data }, baseVersion: -1, ts: ts() }]);
    if (r.type !== 'push_result' || r.results[0].status !== 'ok') throw new Error(`create failed: ${JSON.stringify(r)}`);
    return r.results[0];
  }

  /** A round trip: whatever the server sent before the answer is in the inbox afterwards. */
  async roundTrip() {
    const t = Math.random();
    this.send({ type: 'heartbeat', t });
    await this.next((m) => m.type === 'heartbeat_ack' && m.t === t);
  }

  /** Everything after `cursor` (chunk by chunk); resolves to { changes, cursor, chunks }. */
  async catchUp(cursor, limit) {
    const changes = [];
    let chunks = 0;
    for (;;) {
      this.send({ type: 'sync_request', cursor, ...(limit ? { limit } : {}) });
      const res = await this.next((m) => m.type === 'sync_response' || m.type === 'error');
      if (res.type !== 'sync_response') throw new Error(`catch-up: ${JSON.stringify(res)}`);
      chunks += 1;
      changes.push(...res.changes);
      cursor = res.cursor;
      if (!res.more) return { changes, cursor, chunks };
    }
  }

  close() {
    this.ws.terminate();
  }
}

export const creation = (key, collection, data = {}, id = `tmp-${key.replace(':', '-')}`) => ({
  key, collection, id, kind: 'create', data: { id, ...data }, baseVersion: -1, ts: ts(),
});
export const update = (key, collection, id, data, baseVersion) => ({ key, collection, id, kind: 'update', data, baseVersion, ts: ts() });
export const removal = (key, collection, id, baseVersion) => ({ key, collection, id, kind: 'delete', data: null, baseVersion, ts: ts() });

/** Opens connections through `open` and closes every one of them after the test. */
export function tracked(t) {
  const open = [];
  t.after(() => open.forEach((c) => c.close()));
  return {
    open: async (...args) => {
      const c = await Raw.open(...args);
      open.push(c);
      return c;
    },
    welcomed: async (...args) => {
      const c = await Raw.welcomed(...args);
      open.push(c);
      return c;
    },
  };
}
