// A/B of W1 (the reactive loop) and W6 (one small call, per entity of a 10,000 batch) across
// worktrees, in one process and interleaved so that a busy machine weighs on every tree alike.
// W1 as bench/systems/syncore.mjs runs it: ~10 KB entities, 20 hot ones watched by 5 entity
// subscriptions each, one update by patch and every listener told, timed per write.
//   node --expose-gc bench/ab_w1.mjs <treeA> <treeB> ...   (each with its own dist/)
// Also a profile driver: node --cpu-prof bench/ab_w1.mjs <tree> (one tree: W1 only, longer).
import { loadavg } from 'node:os';

const trees = process.argv.slice(2);
if (trees.length === 0) throw new Error('usage: node --expose-gc bench/ab_w1.mjs <tree>...');
const profileOnly = trees.length === 1;
const ENTITIES = 1_600;
const HOT = 20;
const SUBS = 5;
const BODY = 'lorem ipsum dolor sit amet '.repeat(371).slice(0, 10_000);
const small = (i) => ({ id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 });

async function setup(tree) {
  const { createSyncCore } = await import(`${tree}/js/node.js`);
  const core = await createSyncCore({ collections: { e: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  core.load('e', Array.from({ length: ENTITIES }, (_, i) => ({ id: `e${i}`, version: 1, data: { id: `e${i}`, title: `entity ${i}`, score: i % 1000, body: BODY } })));
  const s = { createSyncCore, core, pending: 0, end: 0, next: 0 };
  const listener = (snapshot) => {
    if (snapshot.body.length > 0 && --s.pending === 0) s.end = performance.now();
  };
  const step = Math.floor(ENTITIES / HOT);
  for (let k = 0; k < HOT; k++) for (let j = 0; j < SUBS; j++) core.subscribeEntity('e', `e${k * step}`, listener);
  s.counter = await createSyncCore({ collections: { s: {} } });
  s.counter.load('s', Array.from({ length: 100 }, (_, i) => ({ id: `s${i}`, version: 1, data: small(i) })));
  return s;
}

function w1(s, writes, out) {
  const step = Math.floor(ENTITIES / HOT);
  for (let j = 0; j < writes; j++, s.next++) {
    const id = `e${(s.next % HOT) * step}`;
    s.pending = SUBS;
    const start = performance.now();
    s.core.mutate({ collection: 'e', op: 'update', id, patch: { score: 1000 + s.next } });
    if (s.pending !== 0) throw new Error('W1: not every subscription was told');
    out.push((s.end - start) * 1000); // µs
  }
}

async function w6(s) {
  let start = performance.now();
  let sum = 0;
  for (let i = 0; i < 20_000; i++) sum += s.counter.count('s');
  if (sum !== 2_000_000) throw new Error('W6: wrong count');
  const callUs = ((performance.now() - start) * 1000) / 20_000;
  const core = await s.createSyncCore({ collections: { s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  const m = 10_000;
  const batch = { ops: Array.from({ length: m }, (_, i) => ({ op: 'upsert', collection: 's', id: `b${i}`, version: 1, data: { ...small(i), id: `b${i}` } })) };
  start = performance.now();
  core.applyServer(batch);
  const entityUs = ((performance.now() - start) * 1000) / m;
  core.dispose();
  return { callUs, entityUs };
}

const setups = [];
for (const tree of trees) setups.push(await setup(tree));
const lat = trees.map(() => []);
const calls = trees.map(() => []);
const perEntity = trees.map(() => []);
const rounds = profileOnly ? 200 : 30;
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < setups.length; k++) {
    globalThis.gc?.();
    w1(setups[k], 100, lat[k]);
    if (profileOnly) continue;
    const r = await w6(setups[k]);
    calls[k].push(r.callUs);
    perEntity[k].push(r.entityUs);
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const at = (v, p) => v.slice().sort((a, b) => a - b)[Math.floor(p * (v.length - 1))];
for (let k = 0; k < trees.length; k++) {
  const line = `${trees[k]}: W1 µs p50 ${at(lat[k], 0.5).toFixed(1)} p95 ${at(lat[k], 0.95).toFixed(1)} (n=${lat[k].length})`;
  console.log(profileOnly ? line : `${line} | W6 call µs median ${at(calls[k], 0.5).toFixed(3)} | W6 per entity µs median ${at(perEntity[k], 0.5).toFixed(2)} best ${at(perEntity[k], 0).toFixed(2)}`);
}
