// Scaling curves: W1 (p50), W3 (0 pending) and W7 at 1k / 10k / 100k / 1M entities for syncore and
// its two closest peers (TinyBase and TanStack DB by the main table), each point in a fresh process.
//   node bench/scaling.mjs [--quick] [--json file] [--systems syncore,tinybase,tanstackdb] [--chart file.png]
// (--systems also takes tanstack, TanStack Query; the other peers' modules do not take the sizes.)
// A point that takes longer than 3 minutes (or fails, e.g. out of memory) is recorded as missing,
// with the reason, and drawn as a gap.
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
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Runs one child; resolves { value } or { missing: reason }. */
function point(script, argv, parse) {
  return new Promise((resolve) => {
    const started = performance.now();
    execFile(process.execPath, ['--expose-gc', '--max-old-space-size=8192', here(script), ...argv],
      { encoding: 'utf8', timeout: SCALING.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        if (error) {
          const reason = error.killed || error.signal === 'SIGKILL'
            ? `took over ${SCALING.timeoutMs / 60_000} min (stopped)`
            : `failed: ${(stderr.trim().split('\n').filter(Boolean).at(-1) ?? error.message).slice(0, 200)}`;
          return resolve({ missing: reason, seconds });
        }
        resolve({ value: parse(JSON.parse(stdout.trim().split('\n').at(-1))), seconds });
      });
  });
}

const started = performance.now();
const loadAtStart = loadavg().map((l) => +l.toFixed(2));
log(`scaling: ${systems.join(', ')} at ${SCALING.entities.join(' / ')} entities; load average ${loadAtStart.join(' ')}`);
// curves[workload][system] = [{ n, value, runs: [...] } | { n, missing }]
const curves = { w1p50: {}, w3_0: {}, w7: {} };
for (const n of SCALING.entities) {
  for (const system of systems) {
    const runs = n >= 1_000_000 ? SCALING.runsAt1M : SCALING.runs;
    for (const [metric, workload] of [['w1p50', 'w1'], ['w3_0', 'w3']]) {
      const values = [];
      let missing = null;
      for (let r = 0; r < runs && !missing; r++) {
        const out = await point('scaling_point.mjs', [system, workload, String(n), ...(QUICK ? ['--quick'] : [])], (o) => o.value);
        if (out.missing) missing = out.missing;
        else values.push(out.value);
      }
      (curves[metric][system] ??= []).push(missing ? { n, missing } : { n, value: median(values), runs: values });
      log(`scaling: ${system} ${metric} n=${n}: ${missing ?? median(values)}`);
    }
    // W7: the main bench's memory.mjs at this size (MiB).
    const out = await point('memory.mjs', [system, String(n)], (o) => o.bytes / 2 ** 20);
    curves.w7[system] ??= [];
    curves.w7[system].push(out.missing ? { n, missing: out.missing } : { n, value: out.value });
    log(`scaling: ${system} w7 n=${n}: ${out.missing ?? `${out.value.toFixed(1)} MiB`}`);
  }
}
const result = { date: new Date().toISOString(), quick: QUICK, sizes: SCALING, systems, curves,
  loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((l) => +l.toFixed(2)), seconds: (performance.now() - started) / 1000 };
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify(result, null, 1));
log(`scaling: ${result.seconds.toFixed(0)} s; load average ${result.loadAverageAtEnd.join(' ')}; figures in ${jsonPath}`);
if (option('--chart')) {
  const { drawScalingChart } = await import('./chart.mjs');
  await drawScalingChart(result, option('--chart'));
  log(`scaling: chart in ${option('--chart')}`);
}
