// Scaling curves: W1 (p50), W3 (0 pending) and W7 at 1k / 10k / 100k / 1M entities for syncore and
// its two closest peers (TinyBase and TanStack DB by the main table), each point in a fresh process.
//   node bench/scaling.mjs [--quick] [--json file] [--systems syncore,tinybase,tanstackdb] [--chart file.png]
// (--systems also takes tanstack, TanStack Query; the other peers' modules do not take the sizes.)
// A point that takes more than 3 minutes of CPU time (RLIMIT_CPU through prlimit, so that a loaded
// machine does not stop it early; and at most 20 minutes of wall-clock time), or that fails (e.g.
// out of memory), is recorded as missing, with the reason, and drawn as a gap.
// --entities 1000,10000 runs only those sizes. The JSON is rewritten after every point.
import './lib/production.mjs';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.mjs';
import { SCALING } from './lib/scaling_sizes.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const jsonPath = option('--json') ?? fileURLToPath(new URL('../test-output/scaling.json', import.meta.url));
const systems = (option('--systems') ?? 'syncore,tinybase,tanstackdb').split(',');
const sizes = option('--entities') ? option('--entities').split(',').map(Number) : SCALING.entities;
const CPU_LIMIT_S = SCALING.timeoutMs / 1000;
const WALL_LIMIT_MS = SCALING.timeoutMs * 20 / 3;
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Runs one child; resolves { value } or { missing: reason }. */
function point(script, argv, parse) {
  return new Promise((resolve) => {
    const started = performance.now();
    // prlimit --cpu: the kernel ends the child (SIGXCPU, then SIGKILL) after that much CPU time.
    execFile('prlimit', [`--cpu=${CPU_LIMIT_S}:${CPU_LIMIT_S + 10}`, process.execPath, '--expose-gc', '--max-old-space-size=8192', here(script), ...argv],
      { encoding: 'utf8', timeout: WALL_LIMIT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        if (error) {
          const lines = stderr.trim().split('\n').filter(Boolean);
          const cause = lines.find((l) => /error|heap|memory|abort/i.test(l)) ?? lines.at(-1) ?? error.message;
          const reason = error.signal === 'SIGXCPU' || error.signal === 'SIGKILL'
            ? (error.killed ? `took over ${WALL_LIMIT_MS / 60_000} min of wall-clock time (stopped)` : `took over ${CPU_LIMIT_S / 60} min of CPU time (stopped)`)
            : `failed: ${cause.trim().slice(0, 200)}`;
          return resolve({ missing: reason, seconds });
        }
        resolve({ value: parse(JSON.parse(stdout.trim().split('\n').at(-1))), seconds });
      });
  });
}

const started = performance.now();
const loadAtStart = loadavg().map((l) => +l.toFixed(2));
log(`scaling: ${systems.join(', ')} at ${sizes.join(' / ')} entities; load average ${loadAtStart.join(' ')}`);
// curves[workload][system] = [{ n, value, runs: [...], seconds } | { n, missing, seconds }]
const curves = { w1p50: {}, w3_0: {}, w7: {} };
const save = () => {
  const result = { date: new Date().toISOString(), quick: QUICK, sizes: { ...SCALING, entities: sizes }, systems, curves,
    loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((l) => +l.toFixed(2)), seconds: (performance.now() - started) / 1000 };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(result, null, 1));
  return result;
};
for (const n of sizes) {
  for (const system of systems) {
    const runs = n >= 1_000_000 ? SCALING.runsAt1M : SCALING.runs;
    for (const [metric, workload] of [['w1p50', 'w1'], ['w3_0', 'w3']]) {
      const values = [];
      let missing = null;
      let seconds = 0;
      for (let r = 0; r < runs && !missing; r++) {
        const out = await point('scaling_point.mjs', [system, workload, String(n), ...(QUICK ? ['--quick'] : [])], (o) => o.value);
        seconds += out.seconds;
        if (out.missing) missing = out.missing;
        else values.push(out.value);
      }
      (curves[metric][system] ??= []).push(missing ? { n, missing, seconds } : { n, value: median(values), runs: values, seconds });
      log(`scaling: ${system} ${metric} n=${n}: ${missing ?? median(values)} (${seconds.toFixed(0)} s, load ${loadavg()[0].toFixed(1)})`);
      save();
    }
    // W7: the main bench's memory.mjs at this size (MiB).
    const out = await point('memory.mjs', [system, String(n)], (o) => o.bytes / 2 ** 20);
    curves.w7[system] ??= [];
    curves.w7[system].push(out.missing ? { n, missing: out.missing, seconds: out.seconds } : { n, value: out.value, seconds: out.seconds });
    log(`scaling: ${system} w7 n=${n}: ${out.missing ?? `${out.value.toFixed(1)} MiB`} (${out.seconds.toFixed(0)} s)`);
    save();
  }
}
const result = save();
log(`scaling: ${result.seconds.toFixed(0)} s; load average ${result.loadAverageAtEnd.join(' ')}; figures in ${jsonPath}`);
if (option('--chart')) {
  const { drawScalingChart } = await import('./chart.mjs');
  await drawScalingChart(result, option('--chart'));
  log(`scaling: chart in ${option('--chart')}`);
}
