// A/B of the boundary's two hot calls across worktrees, in one process and interleaved so that a
// busy machine weighs on every tree alike: W2 (core.mutate on a 100k store, chunks of 1,000) and
// W6 (core.count, chunks of 20,000), timed in CPU time (process.cpuUsage), not wall time.
//   node --expose-gc bench/ab_boundary.mjs <treeA> <treeB> ...   (each with its own dist/)
// Prints, per tree, the best, 75th percentile and median chunk of 40 rounds.
const trees = process.argv.slice(2);
if (trees.length === 0) throw new Error('usage: node --expose-gc bench/ab_boundary.mjs <tree>...');

async function setup(tree) {
  const { createSyncCore } = await import(`${tree}/js/node.js`);
  const { smallEntity, w2Write } = await import(`${tree}/bench/lib/data.mjs`);
  const core = await createSyncCore({ collections: { e: {}, s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  core.load('s', Array.from({ length: 100_000 }, (_, i) => ({ id: `s${i}`, version: 1, data: smallEntity(i) })));
  const small = await createSyncCore({ collections: { s: {} } });
  small.load('s', Array.from({ length: 100 }, (_, i) => ({ id: `s${i}`, version: 1, data: smallEntity(i) })));
  return { core, small, w2Write, next: 0 };
}

const cpuMs = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const setups = [];
for (const tree of trees) setups.push(await setup(tree));
const w2 = trees.map(() => []);
const w6 = trees.map(() => []);
for (let round = 0; round < 40; round++) {
  for (let k = 0; k < setups.length; k++) {
    const s = setups[k];
    globalThis.gc?.();
    let since = process.cpuUsage();
    for (let j = 0; j < 1000; j++, s.next++) {
      const { id, score } = s.w2Write(s.next, 100_000);
      s.core.mutate({ collection: 's', op: 'update', id, patch: { score } });
    }
    w2[k].push(1000 / cpuMs(since)); // k/s
    since = process.cpuUsage();
    let sum = 0;
    for (let j = 0; j < 20_000; j++) sum += s.small.count('s');
    if (sum !== 2_000_000) throw new Error('W6: wrong count');
    w6[k].push((cpuMs(since) * 1000) / 20_000); // µs
  }
}
const at = (v, p) => v.slice().sort((a, b) => a - b)[Math.floor(p * (v.length - 1))];
for (let k = 0; k < trees.length; k++) {
  console.log(`${trees[k]}: W2 k/s best ${at(w2[k], 1).toFixed(1)} p75 ${at(w2[k], 0.75).toFixed(1)} median ${at(w2[k], 0.5).toFixed(1)}` +
    ` | W6 µs best ${at(w6[k], 0).toFixed(3)} p25 ${at(w6[k], 0.25).toFixed(3)} median ${at(w6[k], 0.5).toFixed(3)}`);
}
