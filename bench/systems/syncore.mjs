// syncore through its public JS API (js/node.js): a SyncCore with a configured client, offline
// so that local mutations stay pending (the outbox holds them, as it would without a network).
import { createSyncCore } from '../../js/node.js';
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

export const name = 'syncore';

async function offlineCore() {
  const core = await createSyncCore({ collections: { e: {}, s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  return core;
}

const asLoad = (entities) => entities.map((data) => ({ id: data.id, version: 1, data }));

export async function w1() {
  const n = SIZES.w1Entities;
  const core = await offlineCore();
  core.load('e', asLoad(Array.from({ length: n }, (_, i) => bigEntity(i))));
  let pending = 0;
  let end = 0;
  const listener = (snapshot) => {
    if (snapshot.body.length > 0 && --pending === 0) end = now();
  };
  for (const id of w1HotIds(n)) for (let k = 0; k < W1_SUBS_PER_HOT; k++) core.subscribeEntity('e', id, listener);
  const latencies = [];
  for (let i = 0; i < SIZES.w1Writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const start = now();
    core.mutate({ collection: 'e', op: 'update', id, patch: { score } });
    if (pending !== 0) throw new Error('syncore W1: not every subscription was told');
    latencies.push(end - start);
  }
  core.dispose();
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const core = await offlineCore();
  core.load('s', asLoad(Array.from({ length: n }, (_, i) => smallEntity(i))));
  const rate = opsPerSecond((i) => {
    const { id, score } = w2Write(i, n);
    core.mutate({ collection: 's', op: 'update', id, patch: { score } });
  }, { minMs: SIZES.w2MinMs });
  core.dispose();
  return rate;
}

/** The W3 batches in syncore's own wire format (what its server sends). */
export const wireBatches = (batches) =>
  batches.map((text) => JSON.stringify({ ops: JSON.parse(text).map((u) => ({ op: 'upsert', collection: 's', ...u })) }));

export async function w3(batches, pending) {
  const n = SIZES.w3Entities;
  const core = await offlineCore();
  core.load('s', asLoad(Array.from({ length: n }, (_, i) => smallEntity(i))));
  for (const id of w3PendingIds(n, pending)) core.mutate({ collection: 's', op: 'update', id, patch: { grade: 99 } });
  const wire = wireBatches(batches);
  let updates = 0;
  const start = now();
  for (const text of wire) updates += core.applyServer(text).changes.s?.updated?.length ?? 0;
  const rate = (SIZES.w3Updates * 1000) / (now() - start);
  if (updates === 0) throw new Error('syncore W3: no update applied');
  core.dispose();
  return rate;
}

/** W6: ns per small call (count), and µs per entity inside one 10,000-entity upsert batch. */
export async function w6() {
  const core = await offlineCore();
  core.load('s', asLoad(Array.from({ length: 100 }, (_, i) => smallEntity(i))));
  const calls = SIZES.w6Calls;
  let sum = 0;
  let start = now();
  for (let i = 0; i < calls; i++) sum += core.count('s');
  const smallCallUs = ((now() - start) * 1000) / calls;
  if (sum !== calls * 100) throw new Error('syncore W6: wrong count');
  const m = SIZES.w6Batch;
  const batch = { ops: Array.from({ length: m }, (_, i) => ({ op: 'upsert', collection: 's', id: `b${i}`, version: 1, data: { ...smallEntity(i), id: `b${i}` } })) };
  start = now();
  core.applyServer(batch);
  const perEntityUs = ((now() - start) * 1000) / m;
  core.dispose();
  return { smallCallUs, perEntityUs };
}
