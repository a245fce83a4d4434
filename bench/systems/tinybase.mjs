// TinyBase 10: one Store, a table per collection, a row per entity (cells are flat values, which
// all bench entities are); row listeners per watched entity. No pending log: W3 applies only.
import { createStore } from 'tinybase';
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

/** Runs the scaling curves' workloads (w1 options, w3's store size). */
export const scalable = true;
export const name = 'TinyBase';

function storeWith(table, entities) {
  const rows = {};
  for (const e of entities) rows[e.id] = e;
  return createStore().setTable(table, rows);
}

/** W1; the scaling curves pass their own store size, write count and (smaller) entity. */
export async function w1({ n = SIZES.w1Entities, writes = SIZES.w1Writes, entity = bigEntity } = {}) {
  const store = storeWith('e', Array.from({ length: n }, (_, i) => entity(i)));
  let pending = 0;
  let end = 0;
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      store.addRowListener('e', id, (s, t, rowId) => {
        if (s.getRow(t, rowId).body.length > 0 && --pending === 0) end = now();
      });
    }
  }
  const latencies = [];
  for (let i = 0; i < writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const start = now();
    store.setCell('e', id, 'score', score);
    if (pending !== 0) throw new Error('TinyBase W1: not every subscription was told');
    latencies.push(end - start);
  }
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const store = storeWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  return opsPerSecond((i) => {
    const { id, score } = w2Write(i, n);
    store.setCell('s', id, 'score', score);
  }, { minMs: SIZES.w2MinMs });
}

export async function w3(batches, pending, n = SIZES.w3Entities) {
  const store = storeWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) store.setCell('s', id, 'grade', 99);
  let updates = 0;
  const start = now();
  for (const text of batches) {
    const list = JSON.parse(text);
    store.transaction(() => {
      for (const u of list) store.setRow('s', u.id, u.data);
    });
    updates += list.length;
  }
  return (updates * 1000) / (now() - start);
}
