// A/B of the live query rows across worktrees, in one process and interleaved so that a busy
// machine weighs on every tree alike: the query of bench/systems/syncore.mjs ("score > 500, by
// score descending, first 20" over 10,000 small entities, offline core) —
//   first: its first answer on a freshly loaded core (the bench row; the index is built then),
//   again: a second query on the same fields while the first is open (fields already indexed),
//   update: median ms from a write that moves an entity to the top until the listener has it.
//   node --expose-gc bench/ab_live_query.mjs <treeA> <treeB> ... [--rounds N]  (each with its dist/)
// As in an app's production bundle (the bench's setting): no development checks (query path check).
import './lib/production.mjs';
import { loadavg } from 'node:os';
import { smallEntity, LIVE_QUERY, lqWrite } from './lib/data.mjs';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 9;
const trees = args;
if (trees.length === 0) throw new Error('usage: node --expose-gc bench/ab_live_query.mjs <tree>... [--rounds N]');
const N = 10_000;
const WRITES = 50;
const spec = { collection: 's', where: [['score', 'gt', LIVE_QUERY.minScore]], orderBy: [['score', 'desc']], limit: LIVE_QUERY.limit };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(createSyncCore) {
  const core = await createSyncCore({ collections: { s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  core.load('s', Array.from({ length: N }, (_, i) => ({ id: `s${i}`, version: 1, data: smallEntity(i) })));
  globalThis.gc?.();
  let t = performance.now();
  const q = core.query(spec);
  if (q.current.length !== LIVE_QUERY.limit) throw new Error('wrong window');
  const first = performance.now() - t;
  t = performance.now();
  const q2 = core.query(spec);
  if (q2.current.length !== LIVE_QUERY.limit) throw new Error('wrong window');
  const again = performance.now() - t;
  q2.close();
  let wanted = null;
  let end = 0;
  q.subscribe((rows) => {
    if (rows[0]?.id === wanted) end = performance.now();
  });
  const ms = [];
  for (let k = 0; k < WRITES; k++) {
    const { id, score } = lqWrite(k, N);
    wanted = id;
    end = 0;
    t = performance.now();
    core.mutate({ collection: 's', op: 'update', id, patch: { score } });
    if (end === 0) throw new Error('the write did not reach the listener');
    ms.push(end - t);
  }
  q.close();
  core.dispose();
  return { first, again, update: median(ms) };
}

const impls = [];
for (const tree of trees) impls.push((await import(`${tree}/js/node.js`)).createSyncCore);
const samples = trees.map(() => ({ first: [], again: [], update: [] }));
const loads = [loadavg()[0]];
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < trees.length; i++) {
    const k = (r + i) % trees.length; // rotate who goes first
    const s = await once(impls[k]);
    for (const key of Object.keys(s)) samples[k][key].push(s[key]);
  }
  loads.push(loadavg()[0]);
}
console.log(`${ROUNDS} interleaved rounds, load average (1 min) ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`);
console.log('| tree | first answer, ms | second query, fields indexed, ms | update, ms |');
console.log('|---|---|---|---|');
trees.forEach((tree, i) => {
  const m = (key) => median(samples[i][key]).toFixed(3);
  console.log(`| ${tree} | ${m('first')} | ${m('again')} | ${m('update')} |`);
});
