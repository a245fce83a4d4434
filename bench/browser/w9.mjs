// W9: the longest main-thread task while a client catches up 10,000 entities of ~1 KB in Chromium.
// A real sync server (PGlite in memory) on loopback holds the entities; a page (w9_page.mjs) with
// IndexedDB storage and an app-like live-query subscriber connects and catches up; every run uses
// a fresh database. The longest task is the longest of: the 'longtask' entries (tasks over 50 ms),
// the page's own timing of each callback it ran (w9_probe.js), from the call to createSyncClient
// until every entity is applied and stored, and the main thread's tasks in a devtools trace of
// that catch-up (Chromium's own task times: they also see work in microtasks, such as a slice
// resumed after scheduler.yield, which the callback timing does not; trace: false leaves it out).
//   node bench/browser/w9.mjs [--runs 3] [--entities 10000] [--profile out.cpuprofile] [--no-trace]
//     [--group-records n]  (the client's groupCommit.maxRecords: records per IndexedDB write)
// --profile: Chromium's sampling profiler (CDP Profiler) over the last run, and the functions
// with the most self time. Every run is traced (--no-trace: not): its longest task by the main
// thread's CPU time is printed too (longestCpuMs: on a loaded machine, wall time also counts the
// wait for a core), and the last run's longest tasks with what ran in them.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startSyncServer } from '../../server/sync_server.js';
import { summarizeProfile, longestTraceTasks } from './w9_analysis.mjs';
import { serveFiles } from './chromium.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PAGE = '<!doctype html><meta charset="utf-8"><title>W9</title><script type="module" src="/bench/browser/w9_page.mjs"></script>';
const COLLECTION = 'items';


/** ~1 KB of distinct text per entity. */
const entity = (i) => ({ title: `item ${String(i).padStart(6, '0')}`, n: i,
  body: `${i} the quick brown fox jumps over the lazy dog `.repeat(24).slice(0, 950) });

async function fillServer(server, count) {
  for (let from = 0; from < count; from += 1000) {
    await server.store.transaction(async (tx) => {
      for (let i = from; i < Math.min(count, from + 1000); i++)
        await tx.apply({ key: `seed:${i}`, collection: COLLECTION, id: `e${i}`, kind: 'create', data: entity(i), baseVersion: -1 });
    });
  }
}

/**
 * One figure per run: the longest main-thread task (ms). With `details`, returns
 * { runs: [...figures], details: [per run: longest long tasks and callbacks, phases] } instead.
 */
export async function w9({ runs = 3, entities = 10_000, details = false, profile = null, trace = true, clientOptions = {} } = {}) {
  const sync = await startSyncServer({ feedPollMs: 60_000, compactEveryMs: 3_600_000 });
  const files = await serveFiles({ '/w9.html': PAGE });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const figures = [];
  const about = [];
  try {
    await fillServer(sync, entities);
    const context = await browser.newContext();
    await context.addInitScript({ path: fileURLToPath(new URL('w9_probe.js', import.meta.url)) });
    for (let r = 0; r < runs; r++) {
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`http://127.0.0.1:${files.address().port}/w9.html`);
      await page.waitForFunction(() => window.w9Ready === true || undefined, null, { timeout: 60_000 }).catch(() => {
        throw new Error(`W9 page did not start: ${errors.join('; ')}`);
      });
      const last = r === runs - 1;
      const cdp = last && profile ? await context.newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
      }
      if (trace) await browser.startTracing(page, { categories: ['toplevel', 'v8.execute', 'devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      const out = await page.evaluate((o) => window.catchUp(o), { url: sync.url, dbName: `w9-${r}`, count: entities, collection: COLLECTION, clientOptions });
      const traced = trace ? longestTraceTasks(JSON.parse((await browser.stopTracing()).toString('utf8'))) : null;
      if (last && traced) about.trace = traced.lines;
      if (cdp) {
        const { profile: p } = await cdp.send('Profiler.stop');
        await writeFile(profile, JSON.stringify(p));
        about.profile = summarizeProfile(p, 25);
      }
      if (out.errors.length) throw new Error(`W9: client errors: ${out.errors.join('; ')}`);
      const { spans, longTasks } = await page.evaluate(() => window.__w9);
      const inWindow = ([start, ms]) => start + ms >= out.started && start <= out.stored;
      const tasks = longTasks.filter(inWindow).sort((a, b) => b[1] - a[1]);
      const callbacks = spans.filter(inWindow).sort((a, b) => b[1] - a[1]);
      figures.push(Math.max(tasks[0]?.[1] ?? 0, callbacks[0]?.[1] ?? 0, traced?.longestMs || 0));
      about.push({
        longTasks: tasks.length, longest: tasks.slice(0, 5).map(([s, ms]) => [Math.round(s - out.started), +ms.toFixed(1)]),
        callbacks: callbacks.slice(0, 5).map(([s, ms, label]) => [Math.round(s - out.started), +ms.toFixed(1), label]),
        ...(traced ? { tracedMs: +traced.longestMs.toFixed(1), longestCpuMs: +traced.longestCpuMs.toFixed(1) } : {}),
        createMs: Math.round(out.created - out.started), caughtUpMs: Math.round(out.caughtUp - out.started), storedMs: Math.round(out.stored - out.started),
        renders: out.renders, changeEvents: out.changeEvents,
      });
      await page.close();
    }
    await context.close();
  } finally {
    await browser.close();
    files.close();
    await sync.close();
  }
  return details ? { runs: figures, details: about } : figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const before = load();
  const out = await w9({ runs: Number(option('--runs', 3)), entities: Number(option('--entities', 10_000)), details: true,
    profile: option('--profile', null), trace: !args.includes('--no-trace'),
    clientOptions: option('--group-records', null) ? { groupCommit: { maxRecords: Number(option('--group-records')) } } : {} });
  for (const [i, d] of out.details.entries()) console.log(`run ${i + 1}: longest task ${out.runs[i].toFixed(1)} ms`, JSON.stringify(d));
  if (out.details.trace) console.log('longest tasks in the trace (last run):\n' + out.details.trace.join('\n'));
  if (out.details.profile) console.log('self time, last run (ms):\n' + out.details.profile.join('\n'));
  const sorted = [...out.runs].sort((a, b) => a - b);
  const cpu = out.details.map((d) => d.longestCpuMs).filter((v) => v !== undefined);
  if (cpu.length) console.log(`W9 longest task by main-thread CPU time: runs ${cpu.join(' / ')} ms`);
  console.log(`W9 longest main-thread task: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, runs ${out.runs.map((v) => v.toFixed(1)).join(' / ')} (load average ${before} before, ${load()} after)`);
}
