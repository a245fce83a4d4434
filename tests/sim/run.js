#!/usr/bin/env node
// The JS-client simulation from the command line.
//
//   SEED=17 node tests/sim/run.js           one seed, its whole trace, then its verdict
//   SEEDS=5000 node tests/sim/run.js        seeds 1..5000 (FROM=n to start elsewhere)
//   npm run sim                             SEEDS=5000
//   SCENARIO='{"tabs":3}' SEED=26 …          override knobs of the drawn scenario (see drawScenario)
//
// Exit code 1 when any seed fails; each failing seed is listed with its first failures, and
// `SEED=n node tests/sim/run.js` replays it with a readable trace.
import { runSeed } from './simulator.js';
import { causesOf } from './classify.js';
import { closeSimDatabases } from './database.js';

function describe(result) {
  const lines = [`seed ${result.seed}: ${result.ok ? 'ok' : 'FAILED'} (${JSON.stringify(result.stats)})`];
  if (!result.ok) lines.push(`  likely cause: ${causesOf(result).join(' + ')}`);
  for (const f of result.failures.slice(0, 8)) lines.push(`  ✗ ${f.invariant}: ${f.detail}`);
  if (result.failures.length > 8) lines.push(`  … ${result.failures.length - 8} more`);
  for (const n of result.notes.slice(0, 5)) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function scenarioOverride() {
  return process.env.SCENARIO ? JSON.parse(process.env.SCENARIO) : undefined;
}

async function main() {
  if (process.env.SEED !== undefined) {
    const seed = Number(process.env.SEED);
    const result = await runSeed(seed, { trace: true, scenario: scenarioOverride() });
    console.log(result.trace.join('\n'));
    console.log(describe(result));
    process.exitCode = result.ok ? 0 : 1;
    return;
  }
  const count = Number(process.env.SEEDS ?? 100);
  const from = Number(process.env.FROM ?? 1);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const failed = [];
  const window = { losses: 0, oldestLossMs: 0, slowestDurableMs: 0 };
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSeed(seed, { scenario: scenarioOverride() });
    window.losses += result.stats.crashWindowLosses ?? 0;
    window.oldestLossMs = Math.max(window.oldestLossMs, result.stats.oldestCrashWindowLossMs ?? 0);
    window.slowestDurableMs = Math.max(window.slowestDurableMs, result.stats.slowestDurableMs ?? 0);
    if (!result.ok) {
      failed.push(result);
      console.log(describe(result));
    }
    if ((seed - from + 1) % 100 === 0) console.error(`… ${seed - from + 1} seeds, ${failed.length} failed`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`${count - failed.length} of ${count} seeds passed (seeds ${from}..${from + count - 1}); ` +
    `${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU, ${(count / seconds).toFixed(2)} seeds/s`);
  console.log(`crash window: ${window.losses} edits lost in a crash before they were durable, the oldest ${window.oldestLossMs} ms ` +
    `after acceptance (bound CRASH_WINDOW_MS); slowest acceptance -> durable: ${window.slowestDurableMs} ms`);
  if (failed.length) {
    console.log(`failing seeds: ${failed.map((r) => r.seed).join(' ')}`);
    const byCause = new Map();
    for (const r of failed) for (const c of causesOf(r)) byCause.set(c, [...(byCause.get(c) ?? []), r.seed]);
    console.log('by likely cause (a seed may have several):');
    for (const [c, seeds] of [...byCause].sort((a, b) => b[1].length - a[1].length))
      console.log(`  ${String(seeds.length).padStart(5)}  ${c}  (e.g. ${seeds.slice(0, 8).join(' ')})`);
  }
  process.exitCode = failed.length ? 1 : 0;
}

try {
  await main();
} finally {
  await closeSimDatabases();
}
