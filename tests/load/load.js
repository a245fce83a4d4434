// The load test: N real SyncClients (in worker threads) write for a fixed time against one or
// more sync server instances (each in its own process) on one database, on loopback; then every
// outbox drains and every client must converge to the database's state. Checks, per idempotency
// key, in the database: every key a client pushed is applied exactly once (no loss, no
// duplicate); every accepted mutation is acked; committed cursors are 1..head with no hole;
// every client's last write per entity is what it and the server hold.
//
//   node tests/load/load.js [--clients 1000] [--seconds 60] [--instances 2] [--db postgres]
//                           [--group 20] [--workers 2] [--interval-ms 1000] [--entities 5]
//                           [--drop-ack-every 0] [--duplicate-pushes] [--json]
//
// --db postgres: a throwaway PostgreSQL cluster (tests/support/postgres.js: initdb in a temp
// folder, fsync on, removed after); pglite: an on-disk PGlite folder (one instance only: PGlite
// is one process); memory: PGlite in memory (one instance). Client i talks to instance
// i % instances.
// Every client writes its own `entities` entities (creates, then patches of one at random) every
// intervalMs ±50 %. Clients come in groups of `group` sharing one collection, so each change is
// broadcast live to its group: the server holds every connection and every write, while the
// clients' total work (changes × group size, all clients on this one machine) stays within what
// two cores can do; --group 200 makes every client receive every change. --drop-ack-every n makes
// each instance lose the ack of every n-th push (it applies the push, then drops the connection);
// --duplicate-pushes sends every push frame twice: only idempotency keys keep that from applying
// a mutation twice.
//   import { runLoad } from './tests/load/load.js';   const report = await runLoad({ clients: 20 });
//
// Bounded: every phase has a deadline, and the whole run is killed after seconds + 300 s.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres } from '../support/postgres.js';
import { clusterCpuMs } from './proc_cpu.js';
import { startProbe } from './probe.js';

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

/** Starts the database the instances share: { target, cpuMs(), describe, stop() }. */
async function startDatabase(kind, instances) {
  if (kind === 'postgres') {
    const postgres = await startPostgres({ fsync: true });
    const target = await postgres.createDatabase('load');
    const dataDir = join(postgres.dir, 'data');
    return { target, cpuMs: () => clusterCpuMs(dataDir), stop: () => postgres.stop() };
  }
  if (instances !== 1) throw new Error(`--db ${kind} runs one instance only (PGlite is one process); use --db postgres`);
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'syncore-load-'));
    return { target: join(dir, 'pglite'), cpuMs: () => null, stop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === 'memory') return { target: '', cpuMs: () => null, stop: async () => {} };
  throw new Error(`--db must be postgres, pglite or memory (not ${kind})`);
}

function request(child, type) {
  const answer = once(child, (m) => m.type === (type === 'mark' ? 'marked' : type));
  child.send({ type });
  return answer;
}

export async function runLoad({ clients = 200, seconds = 30, instances = 1, postgres = false, memoryStore = false, db = postgres ? 'postgres' : memoryStore ? 'memory' : 'pglite', group = 20, workers = 2, intervalMs = 1000, entities = 5, seed = 1, dropAckEvery = 0, duplicatePushes = false } = {}) {
  const t0 = Date.now();
  const hardDeadline = t0 + (seconds + 300) * 1000;
  const servers = [];
  const pool = [];
  let database = null;
  const killer = setTimeout(() => {
    for (const w of pool) w.terminate();
    for (const s of servers) s.kill('SIGKILL');
  }, hardDeadline - t0);
  killer.unref();
  let peakClientRss = 0;
  const sampler = setInterval(() => {
    peakClientRss = Math.max(peakClientRss, process.memoryUsage().rss);
  }, 200);
  const loadSamples = [];
  const loadSampler = setInterval(() => loadSamples.push(loadavg()[0]), 5000);
  try {
    database = await startDatabase(db, instances);
    const env = { ...process.env, LOAD_DB: database.target, LOAD_DROP_ACK_EVERY: String(dropAckEvery) };
    // One after another: the first creates the schema.
    const urls = [];
    for (let i = 0; i < instances; i++) {
      const child = fork(here('./server_child.js'), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      servers.push(child);
      urls.push((await once(child, (m) => m.type === 'listening')).url);
    }
    const startedAt = Date.now();
    const baseRss = process.memoryUsage().rss;
    const per = Math.ceil(clients / workers);
    for (let from = 0; from < clients; from += per) {
      const count = Math.min(per, clients - from);
      pool.push(new Worker(here('./client_worker.js'), { workerData: { urls, from, count, group, intervalMs, entitiesPerClient: entities, seed, duplicatePushes } }));
    }
    const ready = await Promise.all(pool.map((w) => once(w, (m) => m.type === 'ready')));
    if (!ready.every((r) => r.ok)) throw new Error('not every client connected within 60 s');
    const connectedAt = Date.now();
    const readyRss = process.memoryUsage().rss;

    await Promise.all(servers.map((s) => request(s, 'mark')));
    const dbCpuAtMark = database.cpuMs();
    const loadAtMark = loadavg()[0];
    loadSamples.length = 0;
    const until = Date.now() + seconds * 1000;
    const drainDeadline = until + 90_000;
    const drainedP = pool.map((w) => once(w, (m) => m.type === 'drained'));
    const probe = await startProbe(urls);
    for (const w of pool) w.postMessage({ type: 'go', until, drainDeadline });
    const drained = await Promise.all(drainedP);
    const probed = await probe.stop();
    const probeLatencies = probed.latencies.sort((a, b) => a - b);
    const drainedAt = Date.now();
    const dbCpu = database.cpuMs();
    const figures = await Promise.all(servers.map((s) => request(s, 'figures')));

    const atDrain = await request(servers[0], 'report');
    const resultsP = pool.map((w) => once(w, (m) => m.type === 'result'));
    for (const w of pool) w.postMessage({ type: 'converge', digests: atDrain.digests, deadline: Date.now() + 60_000 });
    const results = await Promise.all(resultsP);
    const convergedAt = Date.now();
    // The per-key check reads the database again once the clients closed: when the drain
    // deadline passed with pushes in flight, what committed after the first report counts too.
    const srv = await request(servers[1] ?? servers[0], 'report');

    // Per idempotency key: what each client pushed against what the database holds applied.
    const perClient = results.flatMap((r) => r.clients);
    let lost = 0;
    let unexpected = 0;
    for (const c of perClient) {
      const applied = new Set(srv.appliedKeys[c.clientId] ?? []);
      const pushed = new Set(c.pushedKeys);
      for (const k of pushed) if (!applied.has(k)) lost += 1;
      for (const k of applied) if (!pushed.has(k)) unexpected += 1;
    }
    const sum = (f) => perClient.reduce((n, c) => n + f(c), 0);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const pushSeconds = (drainedAt - (until - seconds * 1000)) / 1000;
    const wallMs = figures[0].wallMs;
    const report = {
      command: `node tests/load/load.js --clients ${clients} --seconds ${seconds} --instances ${instances} --db ${db} --group ${group} --workers ${workers} --interval-ms ${intervalMs} --entities ${entities}${dropAckEvery ? ` --drop-ack-every ${dropAckEvery}` : ''}${duplicatePushes ? ' --duplicate-pushes' : ''}`,
      clients,
      instances,
      db,
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
      appliedChanges: srv.changes - probed.acked, // the clients' (the probe's are counted apart)
      appliedAfterDrain: srv.changes - atDrain.changes,
      okAnswers: srv.okAnswers - probed.acked,
      gapFree: srv.gapFree,
      duplicates: srv.duplicates.length,
      lostKeys: lost,
      unexpectedKeys: unexpected,
      lostWrites: sum((c) => c.lostWrites),
      converged: perClient.filter((c) => c.converged).length,
      reconnects: sum((c) => c.reconnects),
      droppedAcks: figures.reduce((n, f) => n + f.droppedAcks, 0),
      created: sum((c) => c.created),
      serverEntities: atDrain.entities - (atDrain.digests.probe?.count ?? 0),
      mutationsPerSecond: Math.round(sum((c) => c.accepted) / seconds),
      appliedPerSecond: Math.round(atDrain.changesSinceMark / pushSeconds),
      ackLatencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)) },
      // The server's own ack latency, seen by a client that is not starved of CPU.
      probe: { pushes: probed.pushes, acked: probed.acked, failed: probed.failed, ackLatencyMs: { p50: round(percentile(probeLatencies, 50)), p95: round(percentile(probeLatencies, 95)), p99: round(percentile(probeLatencies, 99)), max: round(probeLatencies.at(-1)) } },
      // Per instance, from the start of writing until every outbox drained.
      servers: figures.map((f) => ({
        cpuPercentOfOneCore: Math.round((f.cpuMs / f.wallMs) * 100),
        pushesPerSecond: Math.round(f.pushes / (f.wallMs / 1000)),
        mutationsPerPush: f.pushes ? round(f.pushedMutations / f.pushes) : null,
        rssMiB: mib(f.rss),
        peakRssMiB: mib(f.peakRss),
      })),
      postgresCpuPercentOfOneCore: dbCpu == null || dbCpuAtMark == null ? null : Math.round(((dbCpu - dbCpuAtMark) / wallMs) * 100),
      clientProcess: {
        rssMiB: mib(readyRss),
        peakRssMiB: mib(peakClientRss),
        perClientKiB: Math.round((readyRss - baseRss) / clients / 1024),
      },
      loadAverage1m: { atStart: round(loadAtMark), duringMax: round(Math.max(loadAtMark, ...loadSamples)), atEnd: round(loadavg()[0]) },
      phasesMs: { serversUp: startedAt - t0, connect: connectedAt - startedAt, pushAndDrain: drainedAt - connectedAt, converge: convergedAt - drainedAt },
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
      report.gapFree === true &&
      report.acked === report.accepted &&
      report.okAnswers === report.appliedChanges &&
      report.probe.failed === 0 &&
      report.converged === clients &&
      report.serverEntities === report.created;
    return report;
  } finally {
    clearInterval(sampler);
    clearInterval(loadSampler);
    clearTimeout(killer);
    await Promise.all(pool.map((w) => w.terminate()));
    await Promise.all(
      servers.map(async (s) => {
        if (s.connected) {
          const exited = new Promise((resolve) => s.once('exit', resolve));
          s.send({ type: 'close' });
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        }
        if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
      }),
    );
    await database?.stop();
  }
}

const round = (x) => (x == null ? null : Math.round(x * 10) / 10);
const mib = (b) => Math.round(b / 1024 / 1024);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      instances: { type: 'string', default: '2' },
      db: { type: 'string', default: 'postgres' },
      workers: { type: 'string', default: '2' },
      group: { type: 'string', default: '20' },
      'interval-ms': { type: 'string', default: '1000' },
      entities: { type: 'string', default: '5' },
      'drop-ack-every': { type: 'string', default: '0' },
      'duplicate-pushes': { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false }, // = --db postgres
      'memory-store': { type: 'boolean', default: false }, // = --db memory --instances 1
      json: { type: 'boolean', default: false },
    },
  });
  const report = await runLoad({
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    instances: values['memory-store'] ? 1 : Number(values.instances),
    db: values.postgres ? 'postgres' : values['memory-store'] ? 'memory' : values.db,
    workers: Number(values.workers),
    group: Number(values.group),
    intervalMs: Number(values['interval-ms']),
    entities: Number(values.entities),
    dropAckEvery: Number(values['drop-ack-every']),
    duplicatePushes: values['duplicate-pushes'],
  });
  console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
  console.log(report.ok ? 'load test: OK (nothing lost, nothing duplicated, all converged)' : 'load test: FAILED');
  process.exit(report.ok ? 0 : 1);
}
