// Compares two wasm builds of the core on the same work: bulk load, live-query upkeep under
// single-entity commits, and reads. Usage: node bench/opt_level.mjs <jsDirA> <jsDirB> ...
const dirs = process.argv.slice(2);
const N = 100_000;
const entities = Array.from({ length: N }, (_, i) => ({ version: 1, data: { id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 } }));

async function measure(dir) {
  const { createSyncCore } = await import(new URL(`${dir}/node.js`, `file://${process.cwd()}/`).href);
  const core = await createSyncCore({ collections: { s: {} } });
  let t = performance.now();
  core.load('s', entities);
  const load = performance.now() - t;
  const q = core.query({ collection: 's', where: [['grade', 'eq', 5]], orderBy: [['score', 'desc']], limit: 20 });
  t = performance.now();
  for (let i = 0; i < 20_000; i++) {
    const id = `s${(i * 31) % N}`;
    core.applyServer([{ op: 'upsert', collection: 's', id, version: 2 + i, data: { id, name: 'x', score: i % 1000, grade: i % 12 } }]);
  }
  const commits = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 200_000; i++) core.count('s');
  const calls = performance.now() - t;
  q.close();
  core.dispose();
  return { load: load.toFixed(0) + ' ms', commitsPerSec: Math.round(20_000 / (commits / 1000)), smallCallNs: Math.round((calls * 1e6) / 200_000) };
}

for (const dir of dirs) {
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push(await measure(dir));
  console.log(dir, JSON.stringify(runs));
}
