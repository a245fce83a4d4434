// RxDB 17 with its memory storage (getRxStorageMemory), no dev-mode plugin, one database per
// run. Subscriptions are findOne(id).$ observables; writes are doc.incrementalPatch (RxDB's
// optimistic-free local write: it resolves once the storage took it). No pending log: W3 applies
// server updates as bulkUpsert per batch.
import { createRxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { now, opsPerSecondAsync } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

export const name = 'RxDB';
let dbCount = 0;

const bigSchema = { version: 0, primaryKey: 'id', type: 'object', required: ['id'],
  properties: { id: { type: 'string', maxLength: 32 }, title: { type: 'string' }, score: { type: 'number' }, body: { type: 'string' } } };
const smallSchema = { version: 0, primaryKey: 'id', type: 'object', required: ['id'],
  properties: { id: { type: 'string', maxLength: 32 }, name: { type: 'string' }, score: { type: 'number' }, grade: { type: 'number' } } };

async function collectionWith(schema, entities) {
  const db = await createRxDatabase({ name: `bench${++dbCount}`, storage: getRxStorageMemory(), multiInstance: false, eventReduce: true });
  const { c } = await db.addCollections({ c: { schema } });
  for (let i = 0; i < entities.length; i += 2000) await c.bulkInsert(entities.slice(i, i + 2000));
  return { db, c };
}

export async function w1() {
  const n = SIZES.w1Entities;
  const { db, c } = await collectionWith(bigSchema, Array.from({ length: n }, (_, i) => bigEntity(i)));
  let pending = 0;
  let end = 0;
  let told;
  const subs = [];
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      let first = true;
      subs.push(c.findOne(id).$.subscribe((doc) => {
        if (first) return void (first = false);
        if (doc.body.length > 0 && --pending === 0) {
          end = now();
          told();
        }
      }));
    }
  }
  await new Promise((r) => setTimeout(r, 50)); // the initial emissions
  const docs = new Map();
  for (const id of w1HotIds(n)) docs.set(id, await c.findOne(id).exec());
  const latencies = [];
  for (let i = 0; i < SIZES.w1Writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const allTold = new Promise((r) => (told = r));
    const start = now();
    docs.set(id, await docs.get(id).incrementalPatch({ score }));
    await allTold;
    latencies.push(end - start);
  }
  for (const s of subs) s.unsubscribe();
  await db.close();
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const { db, c } = await collectionWith(smallSchema, Array.from({ length: n }, (_, i) => smallEntity(i)));
  const rate = await opsPerSecondAsync(async (i) => {
    const { id, score } = w2Write(i, n);
    const doc = await c.findOne(id).exec();
    await doc.incrementalPatch({ score });
  }, { minMs: SIZES.w2MinMs });
  await db.close();
  return rate;
}

export async function w3(batches, pending) {
  const n = SIZES.w3Entities;
  const { db, c } = await collectionWith(smallSchema, Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pending)) await (await c.findOne(id).exec()).incrementalPatch({ grade: 99 });
  let updates = 0;
  const start = now();
  for (const text of batches) {
    const list = JSON.parse(text);
    await c.bulkUpsert(list.map((u) => u.data));
    updates += list.length;
  }
  const rate = (updates * 1000) / (now() - start);
  await db.close();
  return rate;
}
