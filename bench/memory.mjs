// W7: memory held for N small entities by one system, measured in a fresh process
// (node --expose-gc bench/memory.mjs <system> <n>) so nothing else shares the heap.
// Bytes = growth of V8's used heap + array buffers after a full GC, plus for syncore the growth of
// the bytes the wasm heap's malloc holds (mallinfo; the linear memory itself only grows).
import './lib/production.mjs';
import { smallEntity } from './lib/data.mjs';

const [system, nText] = process.argv.slice(2);
const n = Number(nText);
const entities = () => Array.from({ length: n }, (_, i) => smallEntity(i));

async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const loaders = {
  async syncore() {
    const { createSyncCore } = await import('../js/node.js');
    const core = await createSyncCore({ collections: { s: {} } });
    // Bytes malloc has handed out (mallinfo) when the build exports it; else linear-memory growth.
    const wasm = () => core.wasmHeapBytes();
    const before = wasm();
    // In pieces of 100,000 (one piece up to the main table's size; the 1M scaling point needs ten).
    const load = () => {
      const all = entities().map((data) => ({ id: data.id, version: 1, data }));
      for (let i = 0; i < all.length; i += 100_000) core.load('s', all.slice(i, i + 100_000));
    };
    return { hold: core, load, extra: () => wasm() - before };
  },
  async tinybase() {
    const { createStore } = await import('tinybase');
    const store = createStore();
    return { hold: store, load: () => { const rows = {}; for (const e of entities()) rows[e.id] = e; store.setTable('s', rows); } };
  },
  async tanstack() {
    const { QueryClient } = await import('@tanstack/query-core');
    const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, gcTime: Infinity } } });
    return { hold: qc, load: () => { for (const e of entities()) qc.setQueryData(['s', e.id], e); } };
  },
  async tanstackdb() {
    // Server rows through the collection's sync function, as W3 loads them.
    const { syncedCollection } = await import('./systems/tanstack_db.mjs');
    const hold = {};
    return { hold, load: () => { hold.c = syncedCollection(entities()).collection; } };
  },
  async rxdb() {
    const { createRxDatabase } = await import('rxdb');
    const { getRxStorageMemory } = await import('rxdb/plugins/storage-memory');
    const db = await createRxDatabase({ name: 'mem', storage: getRxStorageMemory(), multiInstance: false });
    const { c } = await db.addCollections({ c: { schema: { version: 0, primaryKey: 'id', type: 'object', required: ['id'],
      properties: { id: { type: 'string', maxLength: 32 }, name: { type: 'string' }, score: { type: 'number' }, grade: { type: 'number' } } } } });
    return { hold: db, load: async () => { const all = entities(); for (let i = 0; i < n; i += 5000) await c.bulkInsert(all.slice(i, i + 5000)); } };
  },
  async replicache() {
    const { Replicache } = await import('replicache');
    let patch = [];
    let cookie = 0;
    const rep = new Replicache({ name: 'mem', kvStore: 'mem', pullInterval: null, mutators: {},
      puller: async () => ({ response: { cookie: ++cookie, lastMutationIDChanges: {}, patch }, httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } }) });
    return { hold: rep, load: async () => { patch = entities().map((e) => ({ op: 'put', key: `s/${e.id}`, value: e })); await rep.pull({ now: true }); patch = []; } };
  },
  async plain() {
    const map = new Map();
    return { hold: map, load: () => { for (const e of entities()) map.set(e.id, e); } };
  },
};

const sys = await loaders[system]();
const before = await settle();
await sys.load();
const after = await settle();
const wasmBytes = sys.extra ? sys.extra() : 0;
const bytes = after - before + wasmBytes;
process.stdout.write(JSON.stringify({ system, n, bytes, jsBytes: after - before, wasmBytes, held: Boolean(sys.hold) }) + '\n');
process.exit(0);
