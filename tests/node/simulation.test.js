// The JS-client simulation (tests/sim/): the real client stack (createSyncClient, its effects
// runner and group commit, the IndexedDB adapter over fake-indexeddb, the WebSocket transport,
// close() and restarts) against the real server logic, on a seeded faulty network in virtual
// time. Each seed must keep every invariant of tests/sim/checkers.js; a failing seed replays with
// `SEED=n node tests/sim/run.js`. SIM_SEEDS=n runs more (or fewer) seeds here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed } from '../sim/simulator.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 100);

test(`simulation: ${SEEDS} seeds of the real client stack keep every invariant`, { timeout: 15 * 60_000 }, async () => {
  const failed = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const result = await runSeed(seed);
    if (!result.ok) failed.push(result);
  }
  const report = failed
    .map((r) => `seed ${r.seed} (replay: SEED=${r.seed} node tests/sim/run.js)\n${r.failures.slice(0, 4).map((f) => `  ${f.invariant}: ${f.detail}`).join('\n')}`)
    .join('\n');
  assert.equal(failed.length, 0, `${failed.length} of ${SEEDS} seeds broke an invariant:\n${report}`);
});

test('simulation: a seed replays the same run', async () => {
  const a = await runSeed(7, { trace: true });
  const b = await runSeed(7, { trace: true });
  assert.ok(a.stats.mutations > 0 && a.stats.network.messages > 0, 'the run did something');
  assert.deepEqual(b.trace, a.trace);
  assert.deepEqual(b.stats, a.stats);
});

test('simulation: the checkers catch a client that lost an accepted write', async () => {
  // A control for the judge itself: a seed that passes, with a device's disk wiped after three
  // offline edits became durable (then a crash), must fail.
  const result = await runSeed(3, { sabotage: 'wipe-disk' });
  assert.equal(result.ok, false, 'a lost write went unnoticed');
  assert.ok(result.failures.some((f) => f.invariant === 'accepted mutation settled' || f.invariant === 'view = server'), JSON.stringify(result.failures));
});
