// A/B of W2 (local writes by patch on a 100,000-entity store, offline) across worktrees, in one
// process and interleaved round by round so that a busy machine weighs on every tree alike. Each
// tree runs its own bench/systems/syncore.mjs w2 (its own js/ and dist/).
//   node --expose-gc bench/ab_w2.mjs <treeA> <treeB> ... [--rounds N]
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 5;
const trees = args.filter((a, i) => a !== '--rounds' && i !== at + 1);
if (trees.length === 0) throw new Error('usage: node --expose-gc bench/ab_w2.mjs <tree>... [--rounds N]');

const systems = [];
for (const tree of trees) systems.push(await import(`${tree}/bench/systems/syncore.mjs`));
const rates = trees.map(() => []);
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < trees.length; k++) {
    globalThis.gc?.();
    rates[k].push(await systems[k].w2());
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
for (let k = 0; k < trees.length; k++) {
  console.log(`${trees[k]}: W2 k/s median ${(median(rates[k]) / 1000).toFixed(1)} (runs ${rates[k].map((r) => (r / 1000).toFixed(1)).join(' ')})`);
}
