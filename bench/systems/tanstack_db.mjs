// TanStack DB 0.15 (@tanstack/db), configured as its docs recommend:
// - W1, W2: a local-only collection (localOnlyCollectionOptions): a write is collection.update,
//   an optimistic mutation that the loop-back sync accepts at once.
// - W3 and the pending-writes workload: a collection with a sync function (how server data enters
//   a collection: begin / write / commit) whose local writes are manual transactions
//   (createTransaction({ autoCommit: false })) not yet committed: the optimistic state shows them and
//   every server commit recomputes it over them. (Writes through an onUpdate handler that has not
//   settled are "persisting", and TanStack DB holds every server commit back until they settle, so
//   the server's rows would not show at all; uncommitted transactions are the pending state in
//   which server data still applies.)
// - Reads go the way @tanstack/react-db's useLiveQuery goes (react-db 0.5 src/useLiveQuery.ts):
//   prepareLiveQueryValue → resolveLiveQueryValue({ gcTime: 1, pool: true, startSync: true }) →
//   createLiveQueryObserver(collection, { mode: 'wholesale' }) → observer.subscribe(onStoreChange),
//   and on each notification useSyncExternalStore's getSnapshot(), a render when it changed.
import { createCollection, createTransaction, localOnlyCollectionOptions, eq, gt, BTreeIndex,
  prepareLiveQueryValue, resolveLiveQueryValue, createLiveQueryObserver, getPreparedLiveQueryIdentity,
  getStableValueHash, resumeDeferredLiveQueryCollections } from '@tanstack/db';
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds,
  LIVE_QUERY, pendingWrite } from '../lib/data.mjs';
import { liveQueryWrites, pendingWritesMs } from '../lib/timed_writes.mjs';

/** Runs the scaling curves' workloads (w1 options, w3's store size). */
export const scalable = true;
export const name = 'TanStack DB';
let collections = 0;
const never = () => new Promise(() => {}); // the server call of a write that has not gone out yet

/** Resolves once cond() holds (polled between macrotasks); throws after 10 s. */
async function waitFor(cond, what) {
  const deadline = now() + 10_000;
  while (!cond()) {
    if (now() > deadline) throw new Error(`TanStack DB: ${what} never came`);
    await new Promise((r) => setTimeout(r, 0));
  }
}

export const localCollection = (entities) =>
  createCollection(localOnlyCollectionOptions({ id: `local${++collections}`, getKey: (e) => e.id, initialData: entities }));

/** A collection fed by a sync function; remote(list) is one server commit of full rows. */
export function syncedCollection(entities) {
  let sync;
  const collection = createCollection({
    id: `synced${++collections}`,
    getKey: (e) => e.id,
    startSync: true,
    sync: {
      sync: (params) => {
        sync = params;
        params.begin();
        for (const e of entities) params.write({ type: 'insert', value: e });
        params.commit();
        params.markReady();
      },
    },
  });
  const remote = (list) => {
    sync.begin();
    for (const value of list) sync.write({ type: 'update', value });
    sync.commit();
  };
  return { collection, remote };
}

/** A write the user made while the server is not reachable: its own transaction, left pending. */
function pendingUpdate(collection, ids, change) {
  const tx = createTransaction({ autoCommit: false, mutationFn: never });
  tx.mutate(() => collection.update(ids, change));
  return tx;
}

/**
 * What useLiveQuery(queryFn) does, without React: the same calls in the same order. onRender(snapshot)
 * runs where React would re-render (useSyncExternalStore saw a new snapshot).
 */
export function useLiveQueryPath(queryFn, onRender) {
  const deferred = new Set();
  const prepared = prepareLiveQueryValue(queryFn, undefined, deferred);
  const queryHash = getStableValueHash(['derived', getPreparedLiveQueryIdentity(prepared)], 'queryKey');
  const collection = resolveLiveQueryValue(prepared, { gcTime: 1, pool: true, startSync: true });
  const observer = createLiveQueryObserver(collection, { mode: 'wholesale', client: undefined, queryHash,
    onPreload: () => resumeDeferredLiveQueryCollections(deferred) });
  let snapshot = observer.getSnapshot();
  const unsubscribe = observer.subscribe(() => {
    const next = observer.getSnapshot();
    if (next === snapshot) return;
    snapshot = next;
    onRender(next);
  });
  resumeDeferredLiveQueryCollections(deferred);
  return { current: () => (snapshot = observer.getSnapshot()), unsubscribe };
}

/** W1; the scaling curves pass their own store size, write count and (smaller) entity. */
export async function w1({ n = SIZES.w1Entities, writes = SIZES.w1Writes, entity = bigEntity } = {}) {
  const collection = localCollection(Array.from({ length: n }, (_, i) => entity(i)));
  let pending = 0;
  let end = 0;
  const hooks = [];
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      hooks.push(useLiveQueryPath((q) => q.from({ e: collection }).where(({ e }) => eq(e.id, id)).findOne(), (snapshot) => {
        if (snapshot.data.body.length > 0 && --pending === 0) end = now();
      }));
    }
  }
  await new Promise((r) => setTimeout(r, 0)); // as after a first render: every query has its row
  for (const h of hooks) if (h.current().data?.body === undefined) throw new Error('TanStack DB W1: a query has no row');
  const latencies = [];
  for (let i = 0; i < writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const start = now();
    collection.update(id, (draft) => { draft.score = score; });
    // Were they not told synchronously, the wait counts in the latency, as an app sees it.
    if (pending !== 0) await waitFor(() => pending === 0, 'the W1 notification');
    latencies.push(end - start);
  }
  // Unmounted: the live queries collect themselves (gcTime 1, then an idle callback); the source
  // collection goes with them (cleaning it up by hand while they are still there is an error).
  for (const h of hooks) h.unsubscribe();
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const collection = localCollection(Array.from({ length: n }, (_, i) => smallEntity(i)));
  let last;
  const rate = opsPerSecond((i) => {
    const { id, score } = w2Write(i, n);
    last = collection.update(id, (draft) => { draft.score = score; });
  }, { minMs: SIZES.w2MinMs });
  // A local-only write completes inside update(); were they left pending, each write would pay for
  // the ones before it and the figure would not be the collection's steady state.
  if (last.state !== 'completed') throw new Error(`TanStack DB W2: the last write is ${last.state}`);
  await collection.cleanup();
  return rate;
}

export async function w3(batches, pending, n = SIZES.w3Entities) {
  const { collection, remote } = syncedCollection(Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) pendingUpdate(collection, id, (draft) => { draft.grade = 99; });
  let updates = 0;
  const start = now();
  for (const text of batches) {
    const list = JSON.parse(text);
    remote(list.map((u) => u.data));
    updates += list.length;
  }
  const rate = (updates * 1000) / (now() - start);
  const last = JSON.parse(batches.at(-1)).at(-1);
  if (pending === 0 && collection.get(last.id)?.score !== last.data.score) throw new Error('TanStack DB W3: the last update is not visible');
  await collection.cleanup();
  return rate;
}

/**
 * ms per local write with `level` mutations already pending, for each level: a fresh collection of
 * SIZES.w3Entities, a pile of `level` pending updates (one transaction, one update call: building
 * 10,000 one at a time takes minutes, as each write pays for the pile), then SIZES.pendingWrites
 * timed writes, each its own pending transaction. Median per level.
 */
export async function pendingWrites(levels = SIZES.pendingLevels, writes = SIZES.pendingWrites) {
  const n = SIZES.w3Entities;
  const out = {};
  for (const level of levels) {
    const { collection } = syncedCollection(Array.from({ length: n }, (_, i) => smallEntity(i)));
    if (level > 0) pendingUpdate(collection, w3PendingIds(n, level), (drafts) => { for (const d of drafts) d.grade = 99; });
    const ms = pendingWritesMs(n, writes, (id, score) => pendingUpdate(collection, id, (draft) => { draft.score = score; }));
    if (collection.get(pendingWrite(writes - 1, n).id).score !== pendingWrite(writes - 1, n).score) throw new Error('TanStack DB pending: the write is not visible');
    out[level] = ms;
    await collection.cleanup();
  }
  return out;
}

/**
 * The live query "score > 500, by score descending, first 20" over SIZES.lqEntities entities
 * (a BTree index on score, as the docs advise for range and order queries), through the hook's path:
 * { openMs: until its first answer, updateMs: median from a write that moves an entity to the top
 * until the render that shows it }.
 */
export async function liveQuery() {
  const n = SIZES.lqEntities;
  const collection = localCollection(Array.from({ length: n }, (_, i) => smallEntity(i)));
  collection.createIndex((row) => row.score, { indexType: BTreeIndex });
  const writes = liveQueryWrites(n);
  const start = now();
  const hook = useLiveQueryPath((q) => q.from({ s: collection }).where(({ s }) => gt(s.score, LIVE_QUERY.minScore))
    .orderBy(({ s }) => s.score, 'desc').limit(LIVE_QUERY.limit), (snapshot) => writes.saw(snapshot.data[0]?.id));
  let first = hook.current();
  if (first.data.length !== LIVE_QUERY.limit) await waitFor(() => (first = hook.current()).data.length === LIVE_QUERY.limit, 'the first answer');
  const openMs = now() - start;
  if (first.data.length !== LIVE_QUERY.limit) throw new Error(`TanStack DB live query: ${first.data.length} rows`);
  // A second query on the same fields, as syncore's (its own first answer, over the same index).
  const start2 = now();
  const hook2 = useLiveQueryPath((q) => q.from({ s: collection }).where(({ s }) => gt(s.score, LIVE_QUERY.minScore + 1))
    .orderBy(({ s }) => s.score, 'desc').limit(LIVE_QUERY.limit), () => {});
  let second = hook2.current();
  if (second.data.length !== LIVE_QUERY.limit) await waitFor(() => (second = hook2.current()).data.length === LIVE_QUERY.limit, 'the second query\'s first answer');
  const indexedOpenMs = now() - start2;
  hook2.unsubscribe();
  const updateMs = await writes.run((id, score) => collection.update(id, (draft) => { draft.score = score; }),
    (seen) => waitFor(seen, 'the live query\'s new answer'));
  hook.unsubscribe();
  return { openMs, indexedOpenMs, updateMs };
}
