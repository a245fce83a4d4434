// W4 (1,000 durable enqueues) and W5 (hydrate 10,000 x 1 KB) alone, in Node (fake-indexeddb) and
// in headless Chromium (real IndexedDB): the before/after figures of issue 15 item 1 without the
// whole suite. Usage: node bench/durable_storage.mjs [--runs N] [--node-only | --chromium-only]
import { loadavg } from 'node:os';
import { IDBFactory } from 'fake-indexeddb';
import { durableEnqueue, fillDatabase, hydrate } from './lib/durable.mjs';
import { runInChromium } from './browser/chromium.mjs';
import { createSyncClient, openIndexedDbStorage } from '../js/node.js';

const arg = (name) => process.argv.includes(name);
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
const sizes = { w4Mutations: 1000, w5Entities: 10_000, runs };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const show = (label, xs) => console.log(`${label}: median ${median(xs).toFixed(1)} ms (runs ${xs.map((x) => x.toFixed(0)).join(', ')})`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`load average before: ${load()}`);
if (!arg('--chromium-only')) {
  const indexedDB = new IDBFactory();
  const deps = { createSyncClient, openIndexedDbStorage, indexedDB };
  const w4 = [];
  const w5 = [];
  for (let r = 0; r < runs; r++) w4.push(await durableEnqueue({ ...deps, count: sizes.w4Mutations, dbName: `w4-${r}` }));
  await fillDatabase({ ...deps, count: sizes.w5Entities, dbName: 'w5' });
  for (let r = 0; r < runs; r++) w5.push(await hydrate({ ...deps, count: sizes.w5Entities, dbName: 'w5' }));
  show('W4 node', w4);
  show('W5 node', w5);
}
if (!arg('--node-only')) {
  const out = await runInChromium(sizes);
  show(`W4 chromium ${out.version}`, out.w4);
  show(`W5 chromium ${out.version}`, out.w5);
}
console.log(`load average after: ${load()}`);
