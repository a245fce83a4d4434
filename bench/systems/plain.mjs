// The baseline most apps start from, built the way seed 000 builds it: a reducer that copies the
// collection (a Map) on every update, a rollback stack of original entities for optimistic
// writes, and store-wide listeners that each select their entity and react when it changed.
import { now, opsPerSecond } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

export const name = 'plain JS';

class PlainStore {
  constructor() {
    this.state = { entities: {}, ui: { lastSync: 0 } };
    this.listeners = new Set();
    this.rollbackStack = [];
    this.pendingUpdates = new Map();
    this.nextUpdate = 0;
  }
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  dispatch(action) {
    this.state = this.reduce(this.state, action);
    for (const fn of this.listeners) fn(this.state);
  }
  reduce(state, { type, payload }) {
    if (type === 'BULK') return { ...state, entities: { ...state.entities, [payload.entityType]: new Map(payload.entities.map((e) => [e.id, e])) } };
    if (type === 'ENTITY_UPDATED') {
      const entities = new Map(state.entities[payload.entityType]);
      entities.set(payload.data.id, { ...payload.data, updated_at: payload.timestamp });
      return { ...state, entities: { ...state.entities, [payload.entityType]: entities }, ui: { ...state.ui, lastSync: payload.timestamp } };
    }
    return state;
  }
  getEntity(type, id) {
    return this.state.entities[type].get(id);
  }
  /** seed 000's performOptimisticUpdate, minus the network call: snapshot, apply, mark pending. */
  optimisticUpdate(type, id, updates) {
    const updateId = ++this.nextUpdate;
    const original = this.getEntity(type, id);
    this.rollbackStack.push({ updateId, entityType: type, entityId: id, originalState: { ...original } });
    this.dispatch({ type: 'ENTITY_UPDATED', payload: { entityType: type, data: { ...original, ...updates, _optimistic: true }, timestamp: updateId } });
    this.pendingUpdates.set(updateId, { entityType: type, entityId: id, updates });
  }
}

function storeWith(type, entities) {
  const store = new PlainStore();
  store.dispatch({ type: 'BULK', payload: { entityType: type, entities } });
  return store;
}

export async function w1() {
  const n = SIZES.w1Entities;
  const store = storeWith('e', Array.from({ length: n }, (_, i) => bigEntity(i)));
  let pending = 0;
  let end = 0;
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      let last = store.getEntity('e', id);
      store.subscribe(() => {
        const e = store.getEntity('e', id); // the selector
        if (e === last) return;
        last = e;
        if (e.body.length > 0 && --pending === 0) end = now();
      });
    }
  }
  const latencies = [];
  for (let i = 0; i < SIZES.w1Writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const start = now();
    store.optimisticUpdate('e', id, { score });
    if (pending !== 0) throw new Error('plain W1: not every subscription was told');
    latencies.push(end - start);
  }
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const store = storeWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  return opsPerSecond((i) => {
    const { id, score } = w2Write(i, n);
    store.optimisticUpdate('s', id, { score });
  }, { minMs: SIZES.w2MinMs, minOps: 20 });
}

export async function w3(batches, pending) {
  const n = SIZES.w3Entities;
  const store = storeWith('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) store.optimisticUpdate('s', id, { grade: 99 });
  const start = now();
  let updates = 0;
  for (const text of batches) {
    for (const u of JSON.parse(text)) {
      store.dispatch({ type: 'ENTITY_UPDATED', payload: { entityType: 's', data: u.data, timestamp: u.version } });
      updates++;
    }
  }
  return (updates * 1000) / (now() - start);
}
