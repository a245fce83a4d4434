// CPU time of work whose entities carry doubles (17-digit shortest forms), every one of which the
// core reads with strtod: a bulk load of 50k entities of four doubles, then 10k remote upserts.
// Compares trees in turn, 3 rounds (docs/build.md, stop 27: the release wasm's own strtod).
//   node bench/number_parse_cost.mjs <treeA> <treeB> ...   (each a folder holding js/ and dist/)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const trees = process.argv.slice(2).map((t) => resolve(t));
const N = 50_000;
let x = 0.123456789;
const next = () => (x = (x * 9301 + 0.49297) % 1) * 1000;
const entities = Array.from({ length: N }, (_, i) => ({ version: 1, data: { id: `s${i}`, a: next(), b: next(), c: next(), d: next() } }));
const upserts = Array.from({ length: 10_000 }, (_, i) => ({ op: 'upsert', collection: 's', id: `s${i}`, version: 2 + i, data: { id: `s${i}`, a: next(), b: next(), c: next(), d: next() } }));
const cpuMs = (fn) => {
  const start = process.cpuUsage();
  fn();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};
const results = new Map(trees.map((t) => [t, []]));
for (let round = 0; round < 3; round++) {
  for (const tree of trees) {
    const { createSyncCore } = await import(pathToFileURL(`${tree}/js/node.js`).href);
    const core = await createSyncCore({ collections: { s: {} }, now: () => 1_700_000_000_000 });
    core.configureClient({ clientId: 'numbers', seed: 1, persist: false });
    core.setOnline(false);
    const load = cpuMs(() => core.load('s', entities));
    const apply = cpuMs(() => { for (const op of upserts) core.applyServer([op]); });
    results.get(tree).push(`load ${load.toFixed(0)} ms, 10k upserts ${apply.toFixed(0)} ms`);
    core.dispose();
  }
}
for (const [tree, rows] of results) console.log(`${tree}: ${rows.join(' | ')}`);
