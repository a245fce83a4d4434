// TanStack Query core 5: a QueryClient with one query per entity (['e', id]) seeded by
// setQueryData; QueryObservers as the subscriptions; writes are optimistic setQueryData.
// notifyManager is made synchronous (its default defers every notification to a setTimeout(0)),
// which only helps its W1 latency. No pending log: W3 applies only.
import { QueryClient, QueryObserver, notifyManager } from '@tanstack/query-core';
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

/** Runs the scaling curves' workloads (w1 options, w3's store size). */
export const scalable = true;
export const name = 'TanStack Query';
notifyManager.setScheduler((cb) => cb());

function clientWith(key, entities) {
  const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, gcTime: Infinity } } });
  for (const e of entities) qc.setQueryData([key, e.id], e);
  return qc;
}

/** W1; the scaling curves pass their own store size, write count and (smaller) entity. */
export async function w1({ n = SIZES.w1Entities, writes = SIZES.w1Writes, entity = bigEntity } = {}) {
  const qc = clientWith('e', Array.from({ length: n }, (_, i) => entity(i)));
  let pending = 0;
  let end = 0;
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      const observer = new QueryObserver(qc, { queryKey: ['e', id], enabled: false, staleTime: Infinity });
      observer.subscribe((result) => {
        if (result.data.body.length > 0 && --pending === 0) end = now();
      });
    }
  }
  const latencies = [];
  for (let i = 0; i < writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const start = now();
    qc.setQueryData(['e', id], (old) => ({ ...old, score }));
    if (pending !== 0) throw new Error('TanStack W1: not every subscription was told');
    latencies.push(end - start);
  }
  qc.clear();
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const qc = clientWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  const rate = opsPerSecond((i) => {
    const { id, score } = w2Write(i, n);
    qc.setQueryData(['s', id], (old) => ({ ...old, score }));
  }, { minMs: SIZES.w2MinMs });
  qc.clear();
  return rate;
}

export async function w3(batches, pending, n = SIZES.w3Entities) {
  const qc = clientWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) qc.setQueryData(['s', id], (old) => ({ ...old, grade: 99 }));
  let updates = 0;
  const start = now();
  for (const text of batches) {
    const list = JSON.parse(text);
    notifyManager.batch(() => {
      for (const u of list) qc.setQueryData(['s', u.id], u.data);
    });
    updates += list.length;
  }
  const rate = (updates * 1000) / (now() - start);
  qc.clear();
  return rate;
}
