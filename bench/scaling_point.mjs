// One point of the scaling curves, in a fresh process (node --expose-gc bench/scaling_point.mjs
// <system> <w1|w3> <entities>): prints { value } (W1: p50 ms; W3: updates/s at 0 pending).
import './lib/production.mjs';
import { w3Batches } from './lib/data.mjs';
import { distinctText } from './lib/text.mjs';
import { latencySummary, gc } from './lib/stats.mjs';
import { SCALING } from './lib/scaling_sizes.mjs';

const [system, workload, nText] = process.argv.slice(2);
const n = Number(nText);
const modules = { syncore: './systems/syncore.mjs', tinybase: './systems/tinybase.mjs', tanstackdb: './systems/tanstack_db.mjs',
  tanstack: './systems/tanstack.mjs' };
if (!modules[system]) throw new Error(`scaling_point: no scaling module for ${system} (${Object.keys(modules).join(', ')})`);
const sys = await import(modules[system]);
if (!sys.scalable) throw new Error(`scaling_point: ${system} does not take the curves' sizes`);

// W1 at up to 1M entities: W1's shape (title, score, body) with a 100-character body of the
// entity's own instead of 10,000 (1M × 10 KB would not fit in one machine's memory per system).
const scaleEntity = (i) => ({ id: `e${i}`, title: `entity ${i}`, score: i % 1000, body: distinctText(i, 100) });

let value;
gc();
if (workload === 'w1') {
  value = latencySummary(await sys.w1({ n, writes: SCALING.w1Writes, entity: scaleEntity })).p50;
} else if (workload === 'w3') {
  value = await sys.w3(w3Batches(n, SCALING.w3Batch, SCALING.w3Updates), 0, n);
} else {
  throw new Error(`scaling_point: unknown workload ${workload}`);
}
process.stdout.write(`${JSON.stringify({ system, workload, n, value })}\n`);
process.exit(0);
