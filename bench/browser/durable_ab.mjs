// W4 and W5 in headless Chromium, tree A against tree B, interleaved run by run in one browser (the
// most trustworthy comparison on a loaded machine: both trees see the same load). Each tree is
// served from its own loopback origin (so each has its own IndexedDB) and runs its own js/, dist/
// and bench/lib/durable.mjs through its bench/browser/page.html.
//   node bench/browser/durable_ab.mjs <treeA> <treeB> [--runs 5] [--w4-only | --w5-only]
//     [--profile A|B] [--profile-out prefix] [--w4 1000] [--w5 10000] [--cpu]
// --cpu: every run traced; the renderer main threads' CPU time in top-level tasks during the run is
// printed beside the wall time (on a loaded machine wall time also counts waiting for a core).
// --profile A|B: Chromium's sampling profiler over that tree's last run of each workload, with the
// functions by self and by total time (bench/browser/w9_analysis.mjs).
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serveTree, CHROMIUM_ARGS } from './chromium.mjs';
import { summarizeProfile, summarizeTotals } from './w9_analysis.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const trees = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).slice(0, 2).map((t) => resolve(t));
if (trees.length !== 2) throw new Error('usage: durable_ab.mjs <treeA> <treeB> [--runs N]');
const runs = Number(option('--runs', 5));
const w4Count = Number(option('--w4', 1000));
const w5Count = Number(option('--w5', 10_000));
const profileTree = option('--profile', null);
const profileOut = option('--profile-out', null);
const cpu = args.includes('--cpu');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU ms of the renderer main threads' top-level tasks in a trace (the other page is idle meanwhile). */
function mainThreadCpuMs(trace) {
  const events = trace.traceEvents ?? trace;
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  let us = 0;
  for (const e of events) if (e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && typeof e.tdur === 'number' && mains.has(`${e.pid}:${e.tid}`)) us += e.tdur;
  return us / 1000;
}

const servers = await Promise.all(trees.map((t) => serveTree(t)));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const pages = [];
try {
  for (const server of servers) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/bench/browser/page.html`);
    await page.waitForFunction(() => window.benchReady === true || undefined, null, { timeout: 60_000 }).catch(() => {
      throw new Error(`bench page did not start: ${errors.join('; ')}`);
    });
    pages.push(page);
  }
  const one = (page, workload, count, r) => page.evaluate(async ({ workload, count, r }) => {
    const lib = await import('/bench/lib/durable.mjs');
    const { createSyncClient, openIndexedDbStorage } = await import('/js/browser.js');
    const deps = { createSyncClient, openIndexedDbStorage, indexedDB: window.indexedDB };
    if (workload === 'w4') return lib.durableEnqueue({ ...deps, count, dbName: `ab-w4-${r}` });
    if (workload === 'fill') return lib.fillDatabase({ ...deps, count, dbName: 'ab-w5' });
    return lib.hydrate({ ...deps, count, dbName: 'ab-w5' });
  }, { workload, count, r });
  const profiled = async (page, label, fn) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const ms = await fn();
    const { profile } = await cdp.send('Profiler.stop');
    if (profileOut) await writeFile(`${profileOut}.${label.replace(' ', '-')}.cpuprofile`, JSON.stringify(profile));
    console.log(`\n${label} (${ms.toFixed(1)} ms), self time (ms):\n${summarizeProfile(profile, 30).join('\n')}`);
    console.log(`${label}, total time (ms):\n${summarizeTotals(profile, 30).join('\n')}\n`);
    await cdp.detach();
    return ms;
  };
  const workloads = [];
  if (!args.includes('--w5-only')) workloads.push(['w4', w4Count]);
  if (!args.includes('--w4-only')) {
    for (const page of pages) await one(page, 'fill', w5Count, 0);
    workloads.push(['w5', w5Count]);
  }
  console.log(`A ${trees[0]}\nB ${trees[1]}\nload before: ${load()}`);
  for (const [workload, count] of workloads) {
    const out = [[], []];
    const cpuMs = [[], []];
    for (let r = 0; r < runs; r++) {
      // Alternate which tree goes first, so neither always runs right after the other's GC.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const t of order) {
        const label = `${workload} ${'AB'[t]}`;
        const last = r === runs - 1 && profileTree === 'AB'[t];
        if (cpu) await browser.startTracing(pages[t], { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
        const ms = last ? await profiled(pages[t], label, () => one(pages[t], workload, count, r)) : await one(pages[t], workload, count, r);
        if (cpu) cpuMs[t].push(mainThreadCpuMs(JSON.parse((await browser.stopTracing()).toString('utf8'))));
        out[t].push(ms);
      }
    }
    for (const t of [0, 1]) console.log(`${workload} ${'AB'[t]}: median ${median(out[t]).toFixed(1)} ms (runs ${out[t].map((x) => x.toFixed(0)).join(', ')})`);
    if (cpu) for (const t of [0, 1]) console.log(`${workload} ${'AB'[t]} main-thread CPU: median ${median(cpuMs[t]).toFixed(1)} ms (runs ${cpuMs[t].map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`load: ${load()}`);
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
}
