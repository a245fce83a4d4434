// The load test: N real SyncClients (in worker threads) write for a fixed time against the
// reference server (in its own process) on loopback; then every outbox drains and every client
// must converge to the server's state. Checks, per idempotency key: every key a client pushed is
// applied exactly once (no loss, no duplicate); every accepted mutation is acked; every client's
// last write per entity is what it and the server hold.
//
//   node tests/load/load.js [--clients 200] [--seconds 30] [--group 20] [--workers 2]
//                           [--interval-ms 1000] [--entities 5] [--drop-ack-every 0]
//                           [--duplicate-pushes] [--memory-store] [--postgres] [--json]
//
// The store: PGlite in a temporary folder; --memory-store: PGlite in memory; --postgres: a
// throwaway PostgreSQL cluster (tests/support/postgres.js), started and removed by the run.
//
// Every client writes its own `entities` entities (creates, then patches of one at random) every
// intervalMs ±50 %. Clients come in groups of `group` sharing one collection, so each change is
// broadcast live to its group: the server holds every connection and every write, while the
// clients' total work (changes × group size, all clients on this one machine) stays within what
// two cores can do; --group 200 makes every client receive every change. --drop-ack-every n makes
// the server lose the ack of every n-th push (it applies the push, then drops the connection);
// --duplicate-pushes sends every push frame twice: only idempotency keys keep that from applying
// a mutation twice.
//   import { runLoad } from './tests/load/load.js';   const report = await runLoad({ clients: 20 });
//
// Bounded: every phase has a deadline, and the whole run is killed after seconds + 120 s.
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres } from '../support/postgres.js';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function once(emitter, pred) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (!pred(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`exited (${code}) before answering`));
    };
    const cleanup = () => {
      emitter.off('message', onMessage);
      emitter.off('exit', onExit);
    };
    emitter.on('message', onMessage);
    emitter.on('exit', onExit);
  });
}

export async function runLoad({ clients = 200, seconds = 30, group = 20, workers = 2, intervalMs = 1000, entities = 5, seed = 1, memoryStore = false, postgres = false, dropAckEvery = 0, duplicatePushes = false } = {}) {
  const cluster = postgres ? await startPostgres() : null;
  try {
    const db = cluster ? await cluster.createDatabase() : undefined;
    return await runLoadOn({ clients, seconds, group, workers, intervalMs, entities, seed, memoryStore, postgres, dropAckEvery, duplicatePushes, db });
  } finally {
    await cluster?.stop();
  }
}

async function runLoadOn({ clients, seconds, group, workers, intervalMs, entities, seed, memoryStore, postgres, dropAckEvery, duplicatePushes, db }) {
  const t0 = Date.now();
  const hardDeadline = t0 + (seconds + 120) * 1000;
  const server = fork(here('./server_child.js'), [], { env: { ...process.env, LOAD_DROP_ACK_EVERY: String(dropAckEvery), ...(memoryStore ? { LOAD_MEMORY_STORE: '1' } : {}), ...(db ? { LOAD_DB: db } : {}) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pool = [];
  const killer = setTimeout(() => {
    for (const w of pool) w.terminate();
    server.kill('SIGKILL');
  }, hardDeadline - t0);
  killer.unref();
  let peakClientRss = 0;
  const sampler = setInterval(() => {
    peakClientRss = Math.max(peakClientRss, process.memoryUsage().rss);
  }, 200);
  try {
    const { url } = await once(server, (m) => m.type === 'listening');
    const baseRss = process.memoryUsage().rss;
    const per = Math.ceil(clients / workers);
    for (let from = 0; from < clients; from += per) {
      const count = Math.min(per, clients - from);
      pool.push(new Worker(here('./client_worker.js'), { workerData: { url, from, count, group, intervalMs, entitiesPerClient: entities, seed, duplicatePushes } }));
    }
    const ready = await Promise.all(pool.map((w) => once(w, (m) => m.type === 'ready')));
    if (!ready.every((r) => r.ok)) throw new Error('not every client connected within 60 s');
    const connectedAt = Date.now();
    const readyRss = process.memoryUsage().rss;

    server.send({ type: 'mark' });
    await once(server, (m) => m.type === 'marked');
    const until = Date.now() + seconds * 1000;
    const drainDeadline = until + 60_000;
    const drainedP = pool.map((w) => once(w, (m) => m.type === 'drained'));
    for (const w of pool) w.postMessage({ type: 'go', until, drainDeadline });
    const drained = await Promise.all(drainedP);
    const drainedAt = Date.now();

    server.send({ type: 'report' });
    const srv = await once(server, (m) => m.type === 'report');
    const resultsP = pool.map((w) => once(w, (m) => m.type === 'result'));
    for (const w of pool) w.postMessage({ type: 'converge', digests: srv.digests, deadline: Date.now() + 30_000 });
    const results = await Promise.all(resultsP);
    const convergedAt = Date.now();

    // Per idempotency key: what each client pushed against what the server applied.
    const perClient = results.flatMap((r) => r.clients);
    let lost = 0;
    let unexpected = 0;
    for (const c of perClient) {
      const applied = new Set(srv.appliedKeys[c.clientId] ?? []);
      for (const k of c.pushedKeys) if (!applied.has(k)) lost += 1;
      for (const k of applied) if (!c.pushedKeys.includes(k)) unexpected += 1;
    }
    const sum = (f) => perClient.reduce((n, c) => n + f(c), 0);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const pushSeconds = (drainedAt - (until - seconds * 1000)) / 1000;
    const report = {
      command: `node tests/load/load.js --clients ${clients} --seconds ${seconds} --group ${group} --workers ${workers} --interval-ms ${intervalMs} --entities ${entities}${dropAckEvery ? ` --drop-ack-every ${dropAckEvery}` : ''}${duplicatePushes ? ' --duplicate-pushes' : ''}${memoryStore ? ' --memory-store' : ''}${postgres ? ' --postgres' : ''}`,
      clients,
      group,
      workers,
      seconds,
      drained: drained.every((d) => d.ok),
      accepted: sum((c) => c.accepted),
      acked: sum((c) => c.acked),
      failed: sum((c) => c.failed),
      unsettled: sum((c) => c.unsettled),
      deadLetters: sum((c) => c.deadLetters),
      pushedKeys: sum((c) => c.pushedKeys.length),
      appliedChanges: srv.changes,
      duplicates: srv.duplicates.length,
      lostKeys: lost,
      unexpectedKeys: unexpected,
      lostWrites: sum((c) => c.lostWrites),
      converged: perClient.filter((c) => c.converged).length,
      reconnects: sum((c) => c.reconnects),
      droppedAcks: srv.droppedAcks,
      created: sum((c) => c.created),
      serverEntities: srv.entities,
      mutationsPerSecond: Math.round(sum((c) => c.accepted) / seconds),
      appliedPerSecond: Math.round(srv.changesSinceMark / pushSeconds),
      ackLatencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)) },
      server: {
        cpuPercentOfOneCore: Math.round((srv.cpuMs / srv.wallMs) * 100),
        rssMiB: mib(srv.rss),
        peakRssMiB: mib(srv.peakRss),
      },
      clientProcess: {
        rssMiB: mib(readyRss),
        peakRssMiB: mib(peakClientRss),
        perClientKiB: Math.round((readyRss - baseRss) / clients / 1024),
      },
      phasesMs: { connect: connectedAt - t0, pushAndDrain: drainedAt - connectedAt, converge: convergedAt - drainedAt },
    };
    report.ok =
      report.drained &&
      report.duplicates === 0 &&
      report.lostKeys === 0 &&
      report.unexpectedKeys === 0 &&
      report.lostWrites === 0 &&
      report.failed === 0 &&
      report.unsettled === 0 &&
      report.deadLetters === 0 &&
      report.acked === report.accepted &&
      report.converged === clients &&
      report.serverEntities === report.created;
    return report;
  } finally {
    clearInterval(sampler);
    clearTimeout(killer);
    await Promise.all(pool.map((w) => w.terminate()));
    if (server.connected) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.send({ type: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    }
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

const round = (x) => (x == null ? null : Math.round(x * 10) / 10);
const mib = (b) => Math.round(b / 1024 / 1024);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '30' },
      workers: { type: 'string', default: '2' },
      group: { type: 'string', default: '20' },
      'interval-ms': { type: 'string', default: '1000' },
      entities: { type: 'string', default: '5' },
      'drop-ack-every': { type: 'string', default: '0' },
      'duplicate-pushes': { type: 'boolean', default: false },
      'memory-store': { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await runLoad({
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    workers: Number(values.workers),
    group: Number(values.group),
    intervalMs: Number(values['interval-ms']),
    entities: Number(values.entities),
    memoryStore: values['memory-store'],
    postgres: values.postgres,
    dropAckEvery: Number(values['drop-ack-every']),
    duplicatePushes: values['duplicate-pushes'],
  });
  console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
  console.log(report.ok ? 'load test: OK (nothing lost, nothing duplicated, all converged)' : 'load test: FAILED');
  process.exit(report.ok ? 0 : 1);
}
