// A raw protocol client on `ws` for server tests: an inbox of parsed messages; next(pred) takes
// the first match or waits for it (rejecting after ms, so a missing answer fails, never hangs).
import WebSocket from 'ws';

export const ts = () => ({ wall: Date.now(), counter: 0, node: 'x' });

export const creation = (key, collection, data = {}, id = `tmp-${key.replace(':', '-')}`) => ({
  key, collection, id, kind: 'create', data: { id, ...data }, baseVersion: -1, ts: ts(),
});
export const update = (key, collection, id, data, baseVersion) => ({ key, collection, id, kind: 'update', data, baseVersion, ts: ts() });

export async function rawClient(url, options = {}) {
  const ws = new WebSocket(url, options);
  const inbox = [];
  const waiters = [];
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    const i = waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else inbox.push(msg);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
  });
  const next = (pred, ms = 5000) => {
    const match = typeof pred === 'string' ? (m) => m.type === pred : pred;
    const i = inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { pred: match, resolve: (m) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`no matching message in ${ms} ms; inbox ${JSON.stringify(inbox).slice(0, 400)}`));
      }, ms);
      waiters.push(w);
    });
  };
  const c = {
    ws,
    inbox,
    closed,
    next,
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    async hello(fields) {
      ws.send(JSON.stringify({ type: 'hello', protocol: [1], cursor: 0, ...fields }));
      const answer = await next((m) => m.type === 'welcome' || m.type === 'error');
      c.welcome = answer;
      return answer;
    },
    push(mutations, batch = Math.floor(Math.random() * 1e9)) {
      ws.send(JSON.stringify({ type: 'push', batch, mutations }));
      return next((m) => (m.type === 'push_result' || m.type === 'error') && m.batch === batch);
    },
    async roundTrip() {
      const t = Math.random();
      ws.send(JSON.stringify({ type: 'heartbeat', t }));
      await next((m) => m.type === 'heartbeat_ack' && m.t === t);
    },
    close: () => ws.terminate(),
  };
  return c;
}
