// W9's page side: a client with IndexedDB storage, an app-like subscriber (a live query over the
// collection, ordered, first 50 rows, "rendered" to strings; and a collection subscription),
// catches up from a real sync server; resolves once every entity is applied and stored.
// The main thread's tasks are timed by w9_probe.js (injected before this module).
import { createSyncClient } from '/js/browser.js';

window.catchUp = async ({ url, dbName, count, collection, clientOptions = {} }) => {
  const started = performance.now();
  const client = await createSyncClient({ url, collections: { [collection]: {} }, storage: { name: dbName }, wasmUrl: '/dist/syncore.wasm', ...clientOptions });
  const created = performance.now();
  const items = client.collection(collection);
  const query = items.query({ orderBy: ['title'], limit: 50 });
  let renders = 0;
  let rendered = '';
  query.subscribe((rows) => {
    renders++;
    rendered = rows.map((r) => `${r.title}:${r.n}`).join('\n'); // what a list component would do
  });
  let changeEvents = 0;
  items.subscribe(() => changeEvents++);
  const errors = [];
  client.on('error', (e) => errors.push(String(e?.message ?? e)));
  await new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`W9: not caught up in time (${items.count()} of ${count}; ${errors.join('; ')})`)), 600_000);
    const check = () => {
      if (client.status.caughtUp && items.count() === count) {
        clearTimeout(timeout);
        resolve();
      }
    };
    client.on('statusChanged', check);
    items.subscribe(check);
    check();
  });
  const caughtUp = performance.now();
  await client.flush(); // every entity in IndexedDB
  const stored = performance.now();
  await client.close();
  return { started, created, caughtUp, stored, renders, changeEvents, rows: rendered.split('\n').length, errors };
};
window.w9Ready = true;
