// A latency probe for the load test: one raw protocol connection per server instance, in the
// runner's own thread (not in the client workers, which two busy cores may starve), pushes one
// create every `everyMs` and times push -> push_result. It tells the server's own ack latency
// apart from the time a mutation waits inside a starved client. Its writes go to the collection
// `probe` with keys `probe-<i>:<n>`; they are applied and checked like any client's.
import WebSocket from 'ws';

export async function startProbe(urls, { everyMs = 250 } = {}) {
  const latencies = [];
  let acked = 0;
  let failed = 0;
  let stopped = false;
  // One connection: hello, then push(batch, mutation) -> the push_result, or null if it closed.
  async function connect(url, clientId) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const waiters = new Map();
    ws.on('error', () => {});
    ws.on('close', () => {
      for (const resolve of waiters.values()) resolve(null);
      waiters.clear();
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      const key = m.type === 'welcome' ? 'welcome' : m.type === 'push_result' ? m.batch : null;
      if (key !== null) waiters.get(key)?.(m);
    });
    const answer = (key) => new Promise((resolve) => waiters.set(key, resolve));
    const welcomed = answer('welcome');
    ws.send(JSON.stringify({ type: 'hello', protocol: [1], clientId, cursor: 0, collections: [] }));
    if (!(await welcomed)) throw new Error('the probe was not welcomed');
    return {
      push(batch, mutation) {
        const result = answer(batch);
        ws.send(JSON.stringify({ type: 'push', batch, mutations: [mutation] }));
        return result;
      },
      close: () => ws.close(),
    };
  }
  const loops = urls.map(async (url, i) => {
    const clientId = `probe-${i}`;
    let conn = await connect(url, clientId);
    for (let n = 1; !stopped; n++) {
      const mutation = { key: `${clientId}:${n}`, collection: 'probe', id: `p${i}-${n}`, kind: 'create', data: { n }, baseVersion: -1, ts: { wall: Date.now(), counter: 0, node: clientId } };
      const started = performance.now();
      let r = await conn.push(n, mutation);
      while (!r) {
        // The connection dropped (e.g. a lost ack): reconnect and send the same key again.
        conn = await connect(url, clientId);
        r = await conn.push(n, mutation);
      }
      latencies.push(performance.now() - started);
      if (r.results[0].status === 'ok') acked += 1;
      else failed += 1;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    conn.close();
  });
  return {
    /** Stops after the pushes in flight are answered: { pushes, acked, failed, latencies }. */
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return { pushes: latencies.length, acked, failed, latencies };
    },
  };
}
