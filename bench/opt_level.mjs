// Compares wasm builds of the core on the same work: bulk load, local writes with a subscriber
// reading each written entity back (W1/W2's path), remote upserts under a live query (W3's),
// and small calls. Each phase reports the CPU time this process spent (process.cpuUsage, user +
// system), which a loaded machine disturbs far less than wall-clock time; builds are measured in
// turn, round after round, so drift in the machine's load falls on all of them alike.
//   node bench/opt_level.mjs <jsDirA> <jsDirB> ...   (each a js/ folder with its ../dist/ beside it)
const dirs = process.argv.slice(2);
const ROUNDS = 3;
const N = 100_000;
const WRITES = 10_000;
const UPSERTS = 20_000;
const CALLS = 200_000;
const entities = Array.from({ length: N }, (_, i) => ({ version: 1, data: { id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 } }));

const cpuMs = (fn) => {
  const start = process.cpuUsage();
  fn();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

async function measure(dir) {
  const { createSyncCore } = await import(new URL(`${dir}/node.js`, `file://${process.cwd()}/`).href);
  const core = await createSyncCore({ collections: { s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'opt', seed: 1, persist: false });
  core.setOnline(false);
  const load = cpuMs(() => core.load('s', entities));
  let told = 0;
  const hot = Array.from({ length: 100 }, (_, i) => `s${i * 997}`);
  const subs = hot.map((id) => core.subscribeEntity('s', id, (entity) => { told += entity?.score === undefined ? 0 : 1; }));
  const writes = cpuMs(() => {
    for (let i = 0; i < WRITES; i++) core.mutate({ collection: 's', op: 'update', id: hot[i % hot.length], patch: { score: 1000 + i } });
  });
  if (told < WRITES) throw new Error(`${dir}: ${told} of ${WRITES} writes told`);
  for (const unsubscribe of subs) if (typeof unsubscribe === 'function') unsubscribe();
  const q = core.query({ collection: 's', where: [['grade', 'eq', 5]], orderBy: [['score', 'desc']], limit: 20 });
  const upserts = cpuMs(() => {
    for (let i = 0; i < UPSERTS; i++) {
      const id = `s${(i * 31) % N}`;
      core.applyServer([{ op: 'upsert', collection: 's', id, version: 2 + i, data: { id, name: 'x', score: i % 1000, grade: i % 12 } }]);
    }
  });
  const calls = cpuMs(() => { for (let i = 0; i < CALLS; i++) core.count('s'); });
  q.close();
  core.dispose();
  return { loadMs: load, writeUs: (writes * 1000) / WRITES, upsertUs: (upserts * 1000) / UPSERTS, callNs: (calls * 1e6) / CALLS };
}

const runs = new Map(dirs.map((d) => [d, []]));
for (let r = 0; r < ROUNDS; r++) for (const dir of dirs) runs.get(dir).push(await measure(dir));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`CPU time, median of ${ROUNDS} rounds (min–max): bulk load ${N / 1000}k (ms), local write read back by a subscriber (µs), remote upsert under a live query (µs), small call (ns)`);
for (const [dir, rs] of runs) {
  const cell = (k, digits) => `${median(rs.map((r) => r[k])).toFixed(digits)} (${Math.min(...rs.map((r) => r[k])).toFixed(digits)}–${Math.max(...rs.map((r) => r[k])).toFixed(digits)})`;
  console.log(`${dir}: load ${cell('loadMs', 0)} | write ${cell('writeUs', 1)} | upsert ${cell('upsertUs', 1)} | call ${cell('callNs', 0)}`);
}
