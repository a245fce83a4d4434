// A worker thread running a share of the load test's clients: real SyncClients (the wasm core,
// one module instance per thread shared by its clients) over the real WebSocket transport.
//
// workerData: { urls, from, count, group, intervalMs, entitiesPerClient, seed, duplicatePushes }:
// with duplicatePushes every push frame goes out twice (a duplicated delivery). Client i syncs the
// collection items-<floor(i / group)> (a team's data: `group` clients share it and see each
// other's writes live); group >= the client count puts everyone in one collection. Client i
// connects to server instance urls[i % urls.length], so a group's members sit on every instance
// and see each other's writes through the change feed across instances.
// Phases, driven by the runner:
//   -> { type: 'ready' }            every client connected and caught up
//   <- { type: 'go', until }        write until `until` (epoch ms): each client, every
//                                   intervalMs ±50 %, creates one of its entities or updates one
//   -> { type: 'drained' }          writing stopped and every outbox is empty (or the deadline hit)
//   <- { type: 'converge', digests, deadline }   the server's state per collection
//   -> { type: 'result', ... }      per-client accounting, latencies, convergence
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { createSyncClient, createWebSocketTransport } from '../../js/node.js';
import { digestOf } from './digest.js';

const { urls, from, count, group, intervalMs, entitiesPerClient, seed, duplicatePushes } = workerData;

// A small seeded generator: the write pattern is reproducible per run and client.
function prng(s) {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate, deadline, step = 25) {
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(step);
  }
  return true;
}

class LoadClient {
  constructor(index) {
    this.clientId = `load-${index}`;
    this.url = urls[index % urls.length];
    this.collection = `items-${Math.floor(index / group)}`;
    this.random = prng(seed * 1000 + index);
    this.accepted = 0; // mutations the API accepted (with a mutation id)
    this.started = new Map(); // mutationId -> when mutate() was called
    this.acked = 0;
    this.failed = 0; // dead letters and conflicts: none expected
    this.latencies = [];
    this.pushedKeys = new Set();
    this.values = new Map(); // entity number n -> the last v this client wrote to it
    this.created = 0;
  }

  async open() {
    const transport = createWebSocketTransport({ url: this.url, WebSocket, reconnectBaseMs: 200, reconnectMaxMs: 2000 });
    const push = transport.push.bind(transport);
    // Every idempotency key this client ever put on the wire, retries included.
    transport.push = (batch, mutations) => {
      for (const m of mutations) this.pushedKeys.add(m.key);
      const sent = push(batch, mutations);
      if (sent && duplicatePushes) push(batch, mutations);
      return sent;
    };
    this.client = await createSyncClient({
      transport,
      collections: { [this.collection]: {} },
      client: { clientId: this.clientId },
      token: 'load',
    });
    this.client.on('error', () => {}); // transport hiccups are counted through the outcome
    this.client.on('mutationSettled', (e) => {
      const now = performance.now();
      for (const id of e.mutationIds) {
        const t0 = this.started.get(id);
        if (t0 === undefined) continue;
        this.started.delete(id);
        if (e.status === 'acked') {
          this.acked += 1;
          this.latencies.push(now - t0);
        } else this.failed += 1;
      }
    });
  }

  get ready() {
    return this.client.status.connected && this.client.status.connection === 'connected';
  }

  /** This client's entity number n as its view shows it (its id changes when the server assigns one). */
  own(n) {
    return this.client.collection(this.collection).list().find((e) => e.owner === this.clientId && e.n === n);
  }

  writeOnce() {
    let r;
    if (this.created < entitiesPerClient) {
      // No id: a temporary one until the server assigns its own, so only the idempotency key
      // keeps a pushed-twice create from making two entities.
      const n = this.created++;
      r = this.client.collection(this.collection).create({ owner: this.clientId, n, v: 0 });
      this.values.set(n, 0);
    } else {
      const n = Math.floor(this.random() * entitiesPerClient);
      const v = this.values.get(n) + 1;
      r = this.client.collection(this.collection).patch(this.own(n).id, { v });
      this.values.set(n, v);
    }
    if (r.mutationId) {
      this.accepted += 1;
      this.started.set(r.mutationId, performance.now());
    }
  }

  async writeUntil(until) {
    await sleep(this.random() * intervalMs); // spread the clients' first writes
    while (Date.now() < until) {
      this.writeOnce();
      await sleep(intervalMs * (0.5 + this.random()));
    }
  }

  /** Own entities as this client's view shows them vs. what it wrote last. */
  lostWrites() {
    let lost = 0;
    for (const [n, v] of this.values) if (this.own(n)?.v !== v) lost += 1;
    return lost;
  }
}

const clients = [];
for (let i = 0; i < count; i++) clients.push(new LoadClient(from + i));
for (const c of clients) await c.open();
const connected = await waitFor(() => clients.every((c) => c.ready), Date.now() + 60_000);
parentPort.postMessage({ type: 'ready', ok: connected, heapUsed: process.memoryUsage().heapUsed });

parentPort.on('message', async (msg) => {
  if (msg.type === 'go') {
    await Promise.all(clients.map((c) => c.writeUntil(msg.until)));
    const drained = await waitFor(() => clients.every((c) => c.client.status.pending === 0 && c.started.size === 0), msg.drainDeadline);
    parentPort.postMessage({ type: 'drained', ok: drained });
  } else if (msg.type === 'converge') {
    const matches = (c) => digestOf(c.client.collection(c.collection).list()).hash === msg.digests[c.collection]?.hash;
    await waitFor(() => clients.every(matches), msg.deadline, 50);
    const result = clients.map((c) => ({
      clientId: c.clientId,
      accepted: c.accepted,
      created: c.created,
      acked: c.acked,
      failed: c.failed,
      unsettled: c.started.size,
      pending: c.client.status.pending,
      deadLetters: c.client.core.deadLetters().length,
      pushedKeys: [...c.pushedKeys],
      lostWrites: c.lostWrites(),
      converged: matches(c),
      reconnects: c.client.getStats().transport.reconnects,
    }));
    const latencies = clients.flatMap((c) => c.latencies);
    for (const c of clients) await c.client.close();
    parentPort.postMessage({ type: 'result', clients: result, latencies, heapUsed: process.memoryUsage().heapUsed });
  }
});
