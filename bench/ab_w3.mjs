// A/B of W3 (server batches of remote updates applied to a 10,000-entity store, 0 / 100 / 1,000
// pending local edits) across worktrees, in one process and interleaved round by round so that a
// busy machine weighs on every tree alike, with JSON.parse of the same bytes (the floor) in each
// round. Each tree runs its own bench/systems/syncore.mjs w3 (its own js/ and dist/).
// (bench/run.mjs runs W3 only with every other workload: this runs it alone.)
//   node --expose-gc bench/ab_w3.mjs <treeA> <treeB> ... [--rounds N] [--pending 0,100,1000] [--read-ids]
// --read-ids: every batch's updated ids read inside the timed loop (a tree whose bench predates
// the option always reads them).
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option('--rounds') ?? 5);
const pendingLevels = (option('--pending') ?? '0').split(',').map(Number);
const readIds = args.includes('--read-ids');
const trees = args.filter((a, i) => !a.startsWith('--') && !['--rounds', '--pending'].includes(args[i - 1]));
if (trees.length === 0) throw new Error('usage: node --expose-gc bench/ab_w3.mjs <tree>... [--rounds N] [--pending 0,100,1000]');

const { SIZES, w3Batches } = await import(`${trees[0]}/bench/lib/data.mjs`);
const { jsonParseFloor } = await import(`${trees[0]}/bench/lib/floor.mjs`);
const systems = [];
for (const tree of trees) systems.push(await import(`${tree}/bench/systems/syncore.mjs`));
const batches = w3Batches(SIZES.w3Entities, SIZES.w3Batch, SIZES.w3Updates);
const rates = pendingLevels.map(() => trees.map(() => []));
const floor = [];
console.log(`W3, ${readIds ? "every batch's ids read" : 'ids not read in the timed loop'}`);
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let round = 0; round < rounds; round++) {
  globalThis.gc?.();
  floor.push(jsonParseFloor(systems[0].wireBatches(batches)));
  for (let p = 0; p < pendingLevels.length; p++) {
    for (let k = 0; k < trees.length; k++) {
      globalThis.gc?.();
      rates[p][k].push(await systems[k].w3(batches, pendingLevels[p], undefined, { readIds }));
    }
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const floorMedian = median(floor);
console.log(`JSON.parse floor: median ${(floorMedian / 1000).toFixed(1)} k updates/s (runs ${floor.map((r) => (r / 1000).toFixed(1)).join(' ')})`);
for (let p = 0; p < pendingLevels.length; p++) {
  for (let k = 0; k < trees.length; k++) {
    const m = median(rates[p][k]);
    console.log(`${trees[k]}: W3 ${pendingLevels[p]} pending: median ${(m / 1000).toFixed(1)} k/s, ` +
      `${((100 * m) / floorMedian).toFixed(1)} % of the floor (runs ${rates[p][k].map((r) => (r / 1000).toFixed(1)).join(' ')})`);
  }
}
