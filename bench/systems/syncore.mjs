// syncore through its public JS API (js/node.js): a SyncCore with a configured client, offline
// so that local mutations stay pending (the outbox holds them, as it would without a network).
import { createSyncCore } from '../../js/node.js';
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds,
  LIVE_QUERY } from '../lib/data.mjs';
import { liveQueryWrites, pendingWritesMs } from '../lib/timed_writes.mjs';

/** Runs the scaling curves' workloads (w1 options, w3's store size). */
export const scalable = true;
export const name = 'syncore';

async function offlineCore() {
  const core = await createSyncCore({ collections: { e: {}, s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  return core;
}

const asLoad = (entities) => entities.map((data) => ({ id: data.id, version: 1, data }));
/** core.load in pieces of 100,000 (one piece up to the main table's sizes; the 1M curve point needs several). */
function loadAll(core, collection, entities) {
  for (let i = 0; i < entities.length; i += 100_000) core.load(collection, asLoad(entities.slice(i, i + 100_000)));
}

/** W1; the scaling curves pass their own store size, write count and (smaller) entity. */
export async function w1({ n = SIZES.w1Entities, writes = SIZES.w1Writes, entity = bigEntity } = {}) {
  const core = await offlineCore();
  loadAll(core, 'e', Array.from({ length: n }, (_, i) => entity(i)));
  let pending = 0;
  let end = 0;
  const listener = (snapshot) => {
    if (snapshot.body.length > 0 && --pending === 0) end = now();
  };
  for (const id of w1HotIds(n)) for (let k = 0; k < W1_SUBS_PER_HOT; k++) core.subscribeEntity('e', id, listener);
  const latencies = [];
  for (let i = 0; i < writes; i++) {
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

/**
 * W3. readIds: read every batch's updated ids inside the timed loop (as this bench did up to stop
 * 29); by default only the last batch's, once the clock stopped, as a check. An app seldom reads
 * them, and the core hands them over unparsed until read (js/change_lines.js); the other systems
 * count their input too.
 */
export async function w3(batches, pending, n = SIZES.w3Entities, { readIds = false } = {}) {
  const core = await offlineCore();
  loadAll(core, 's', Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) core.mutate({ collection: 's', op: 'update', id, patch: { grade: 99 } });
  const wire = wireBatches(batches);
  const total = batches.reduce((sum, text) => sum + JSON.parse(text).length, 0);
  let updates = 0;
  let last;
  const start = now();
  if (readIds) for (const text of wire) updates += core.applyServer(text).changes.s?.updated?.length ?? 0;
  else for (const text of wire) last = core.applyServer(text);
  const rate = (total * 1000) / (now() - start);
  if (!readIds) updates = last.changes.s?.updated?.length ?? 0;
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

/**
 * ms per local write with `level` mutations already pending (offline: the outbox holds them), for
 * each level: a fresh core of SIZES.w3Entities, `level` pending updates, then SIZES.pendingWrites
 * timed writes. Median per level. (The same work as the TanStack DB system's pendingWrites.)
 */
export async function pendingWrites(levels = SIZES.pendingLevels, writes = SIZES.pendingWrites) {
  const n = SIZES.w3Entities;
  const out = {};
  for (const level of levels) {
    const core = await offlineCore();
    core.load('s', asLoad(Array.from({ length: n }, (_, i) => smallEntity(i))));
    for (const id of w3PendingIds(n, level)) core.mutate({ collection: 's', op: 'update', id, patch: { grade: 99 } });
    const ms = pendingWritesMs(n, writes, (id, score) => core.mutate({ collection: 's', op: 'update', id, patch: { score } }));
    const pending = core.pendingMutations().length;
    if (pending < level) throw new Error(`syncore pending: ${pending} pending, wanted ${level}+`);
    out[level] = ms;
    core.dispose();
  }
  return out;
}

/**
 * The live query "score > 500, by score descending, first 20" over SIZES.lqEntities entities:
 * { openMs: until its first answer, indexedOpenMs: the same for a second query on the same fields,
 * updateMs: median from a write that moves an entity to the top until the listener has the window
 * that shows it }.
 */
export async function liveQuery() {
  const n = SIZES.lqEntities;
  const core = await offlineCore();
  core.load('s', asLoad(Array.from({ length: n }, (_, i) => smallEntity(i))));
  const start = now();
  const q = core.query({ collection: 's', where: [['score', 'gt', LIVE_QUERY.minScore]], orderBy: [['score', 'desc']], limit: LIVE_QUERY.limit });
  const first = q.current;
  const openMs = now() - start;
  if (first.length !== LIVE_QUERY.limit) throw new Error(`syncore live query: ${first.length} rows`);
  // A second query on the same fields (another bound, so no cached answer serves it): its first
  // answer reads the index the first one built, as TanStack DB's reads the index made before it.
  const start2 = now();
  const q2 = core.query({ collection: 's', where: [['score', 'gt', LIVE_QUERY.minScore + 1]], orderBy: [['score', 'desc']], limit: LIVE_QUERY.limit });
  const second = q2.current;
  const indexedOpenMs = now() - start2;
  if (second.length !== LIVE_QUERY.limit) throw new Error(`syncore second live query: ${second.length} rows`);
  q2.close();
  const writes = liveQueryWrites(n);
  q.subscribe((rows) => writes.saw(rows[0]?.id));
  const updateMs = await writes.run((id, score) => core.mutate({ collection: 's', op: 'update', id, patch: { score } }), () => {
    throw new Error('syncore live query: the write did not reach the listener');
  });
  q.close();
  core.dispose();
  return { openMs, indexedOpenMs, updateMs };
}
