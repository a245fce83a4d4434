// npm run bench [-- --quick] [-- --runs N] [-- --json file] [-- --no-browser] [-- --no-callgrind] [-- --chart file.png] [-- --scaling]
// Runs W1–W9 for syncore and its peers in this one process (W7 in child processes), repeats the
// timed workloads SIZES.runs times, and prints a markdown table of medians with ratios.
// --scaling also runs bench/scaling.mjs (W1, W3, W7 at 1k–1M entities) and adds its curves to the chart.
import './lib/production.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexedDB } from 'fake-indexeddb';
import { SIZES, QUICK, w3Batches, repeatedWrites } from './lib/data.mjs';
import { median, latencySummary, gc } from './lib/stats.mjs';
import { durableEnqueue, fillDatabase, hydrate } from './lib/durable.mjs';
import { jsonParseFloor } from './lib/floor.mjs';
import { bundleSize } from './bundle.mjs';
import { formatTable } from './lib/table.mjs';
import * as syncore from './systems/syncore.mjs';
import * as tinybase from './systems/tinybase.mjs';
import * as tanstackdb from './systems/tanstack_db.mjs';
import * as rxdb from './systems/rxdb.mjs';
import * as tanstack from './systems/tanstack.mjs';
import * as replicache from './systems/replicache.mjs';
import * as plain from './systems/plain.mjs';
import { createSyncClient, openIndexedDbStorage } from '../js/node.js';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const jsonPath = option('--json') ?? fileURLToPath(new URL('../test-output/bench.json', import.meta.url));
const withBrowser = !args.includes('--no-browser');
const SYSTEMS = { syncore, tinybase, tanstackdb, rxdb, tanstack, replicache, plain };
// The two that have a pending log and live queries to compare: local writes as pending pile up,
// and one filtered, ordered, limited live query.
const PENDING_AND_QUERY = { syncore, tanstackdb };
const W9_MODULE = new URL('browser/w9.mjs', import.meta.url);
const PENDING = [0, 100, 1000];
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

// samples[metric][system] = [one figure per run]
const samples = {};
const add = (metric, system, value) => ((samples[metric] ??= {})[system] ??= []).push(value);

const batches = w3Batches(SIZES.w3Entities, SIZES.w3Batch, SIZES.w3Updates);
const started = performance.now();
const loadAtStart = loadavg().map((l) => +l.toFixed(2));
log(`bench: ${QUICK ? 'quick' : 'full'} mode, ${SIZES.runs} run(s); load average ${loadAtStart.join(' ')}`);
// Every write and remote update must change what it touches (a store that skips no-op writes
// would gain otherwise): the generators' no-op count, which must be 0.
const noOpWrites = repeatedWrites(SIZES);
log(`bench: writes that change nothing: ${JSON.stringify(noOpWrites)}`);
if (Object.values(noOpWrites).some((c) => c !== 0)) throw new Error('bench: the data generators make no-op writes');

for (let run = 0; run < SIZES.runs; run++) {
  for (const [key, sys] of Object.entries(SYSTEMS)) {
    gc();
    const lat = latencySummary(await sys.w1());
    add('w1p50', key, lat.p50);
    add('w1p95', key, lat.p95);
    gc();
    add('w2', key, await sys.w2());
    for (const p of PENDING) {
      gc();
      add(`w3_${p}`, key, await sys.w3(batches, p));
    }
  }
  for (const [key, sys] of Object.entries(PENDING_AND_QUERY)) {
    gc();
    for (const [level, ms] of Object.entries(await sys.pendingWrites())) add(`pw_${level}`, key, ms);
    gc();
    const lq = await sys.liveQuery();
    add('lqOpen', key, lq.openMs);
    add('lqOpenIndexed', key, lq.indexedOpenMs);
    add('lqUpdate', key, lq.updateMs);
  }
  add('w3floor', 'JSON.parse', jsonParseFloor(syncore.wireBatches(batches)));
  const deps = { createSyncClient, openIndexedDbStorage, indexedDB };
  add('w4node', 'syncore', await durableEnqueue({ ...deps, count: SIZES.w4Mutations, dbName: `w4-${run}` }));
  if (run === 0) await fillDatabase({ ...deps, count: SIZES.w5Entities, dbName: 'w5' });
  add('w5node', 'syncore', await hydrate({ ...deps, count: SIZES.w5Entities, dbName: 'w5' }));
  const w6 = await syncore.w6();
  add('w6call', 'syncore', w6.smallCallUs);
  add('w6entity', 'syncore', w6.perEntityUs);
  log(`bench: run ${run + 1}/${SIZES.runs} done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

let chromiumVersion = null;
if (withBrowser) {
  const { runInChromium } = await import('./browser/chromium.mjs');
  const out = await runInChromium({ w4Mutations: SIZES.w4Mutations, w5Entities: SIZES.w5Entities, runs: SIZES.runs });
  for (const v of out.w4) add('w4chromium', 'syncore', v);
  for (const v of out.w5) add('w5chromium', 'syncore', v);
  chromiumVersion = out.version;
  // W9 (bench/browser/w9.mjs, built on another branch): longest main-thread task in ms per run.
  if (existsSync(W9_MODULE)) {
    const { w9 } = await import(W9_MODULE.href);
    for (const v of await w9({ runs: SIZES.runs, entities: SIZES.w9Entities })) add('w9', 'syncore', v);
  }
}

for (const key of Object.keys(SYSTEMS)) {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('memory.mjs', import.meta.url)), key, String(SIZES.w7Entities)], { encoding: 'utf8' });
  add('w7', key, JSON.parse(out.trim().split('\n').at(-1)).bytes / 2 ** 20);
}
for (const key of ['syncore', 'tinybase', 'tanstackdb', 'rxdb', 'tanstack', 'replicache']) {
  const s = await bundleSize(key);
  add('w8brotli', key, s.brotli / 1024);
  add('w8gzip', key, s.gzip / 1024);
  add('w8raw', key, s.raw / 1024);
}

const medians = {};
for (const [metric, bySystem] of Object.entries(samples)) {
  medians[metric] = {};
  for (const [system, values] of Object.entries(bySystem)) medians[metric][system] = median(values);
}
const machine = {
  cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version,
  chromium: chromiumVersion, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((l) => +l.toFixed(2)),
};
let callgrindRows = null;
if (!QUICK && !args.includes('--no-callgrind')) {
  const { callgrind } = await import('./native/callgrind.mjs');
  callgrindRows = callgrind();
}
let scaling = null;
if (args.includes('--scaling')) {
  const scalingPath = jsonPath.replace(/\.json$/, '') + '-scaling.json';
  execFileSync(process.execPath, [fileURLToPath(new URL('scaling.mjs', import.meta.url)), '--json', scalingPath, ...(QUICK ? ['--quick'] : [])], { stdio: ['ignore', 'inherit', 'inherit'] });
  scaling = JSON.parse(readFileSync(scalingPath, 'utf8'));
}
const result = { date: new Date().toISOString(), quick: QUICK, sizes: SIZES, machine, noOpWrites, medians, samples, callgrind: callgrindRows, scaling, seconds: (performance.now() - started) / 1000 };
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify(result, null, 1));
process.stdout.write(`${formatTable(medians, SIZES, { quick: QUICK })}\n`);
if (callgrindRows) {
  const { formatCallgrind } = await import('./native/callgrind.mjs');
  process.stdout.write(`\nNative instruction counts (callgrind, build/bench RelWithDebInfo):\n\n${formatCallgrind(callgrindRows)}\n`);
}
if (option('--chart')) {
  const { drawChart } = await import('./chart.mjs');
  await drawChart(result, option('--chart'));
  log(`bench: chart in ${option('--chart')}`);
}
log(`bench: ${result.seconds.toFixed(1)} s; load average ${machine.loadAverageAtEnd.join(' ')}; figures in ${jsonPath}`);
process.exit(0); // RxDB and Replicache keep timers alive after close
