// W4's timed part (1,000 durable creates through createSyncClient and IndexedDB, and the flush)
// under Chromium's sampling heap profiler: bytes allocated per run, by function, for each tree
// given. Steadier than wall time on a loaded machine (the same work allocates the same bytes), so
// a change to the client's per-write path can be judged by it beside the interleaved A/B
// (durable_ab.mjs). The entities are made before the profiler starts, as the bench makes them
// before its clock starts.
//   node bench/browser/w4_alloc.mjs <tree> [<tree> ...] [--runs 3] [--top 25]
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serveTree, CHROMIUM_ARGS } from './chromium.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const trees = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).map((t) => resolve(t));
if (trees.length === 0) throw new Error('usage: w4_alloc.mjs <tree> [<tree> ...] [--runs 3] [--top 25]');
const runs = option('--runs', 3);
const top = option('--top', 25);

const keyOf = (f) => `${f.functionName || '(anonymous)'}  ${f.url.replace(/^https?:\/\/[^/]+/, '')}:${f.lineNumber + 1}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  for (const tree of trees) {
    const server = await serveTree(tree);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/bench/browser/page.html`);
    await page.waitForFunction(() => window.benchReady === true || undefined, null, { timeout: 60_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    const bytes = new Map(); // function (a built-in named with its caller) -> bytes over the profiled runs
    for (let r = 0; r <= runs; r++) {
      await page.evaluate(async (r) => {
        const { kbEntity } = await import('/bench/lib/durable.mjs');
        const { createSyncClient, openIndexedDbStorage } = await import('/js/browser.js');
        const storage = await openIndexedDbStorage({ name: `w4-alloc-${r}`, indexedDB: window.indexedDB });
        const client = await createSyncClient({ collections: { k: {} }, storage, client: { clientId: 'bench', seed: 1 } });
        client.goOffline();
        window.w4 = { storage, client, entities: Array.from({ length: 1000 }, (_, i) => kbEntity(i)) };
      }, r);
      const profiled = r > 0; // the first run warms the page up
      if (profiled) await cdp.send('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      await page.evaluate(async () => {
        const { client, entities } = window.w4;
        for (let i = 0; i < entities.length; i++) client.mutate({ collection: 'k', op: 'create', data: entities[i] });
        await client.flush();
      });
      if (profiled) {
        const { profile } = await cdp.send('HeapProfiler.stopSampling');
        const walk = (node, caller) => {
          const key = node.callFrame.url ? keyOf(node.callFrame) : `${keyOf(node.callFrame)} <- ${caller}`;
          bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
          for (const child of node.children) walk(child, keyOf(node.callFrame));
        };
        walk(profile.head, '');
      }
      await page.evaluate(async () => {
        await window.w4.client.close();
        await window.w4.storage.close?.();
        window.w4 = null;
      });
    }
    const total = [...bytes.values()].reduce((a, b) => a + b, 0);
    console.log(`${tree}: ${(total / runs / 1024).toFixed(0)} KiB allocated per run of 1,000 creates (mean of ${runs} runs)`);
    for (const [k, b] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(b / runs / 1024).toFixed(1).padStart(9)} KiB  ${k}`);
    await page.close();
    server.close();
  }
} finally {
  await browser.close();
}
