// Replicache 15 runs under Node with kvStore: 'mem' (no license key: 15.x dropped it; the
// TEST_LICENSE_KEY export is unused). Server data arrives through a custom puller (the same
// JSON text parsed into put patches) and rep.pull({ now: true }); local writes are mutators,
// which stay pending (no pusher), so every pull rebases them: Replicache's real W3 path.
import { Replicache } from 'replicache';
import { now, opsPerSecondAsync } from '../lib/stats.mjs';
import { SIZES, bigEntity, w1Write, w1HotIds, W1_SUBS_PER_HOT, smallEntity, w2Write, w3PendingIds } from '../lib/data.mjs';

export const name = 'Replicache';
let repCount = 0;

const mutators = {
  async setField(tx, { key, field, value }) {
    const old = await tx.get(key);
    await tx.set(key, { ...old, [field]: value });
  },
};

/** A Replicache whose pulls answer with whatever patch next() returns. */
function open() {
  let patch = [];
  let cookie = 0;
  const rep = new Replicache({
    name: `bench${++repCount}-${process.pid}`,
    kvStore: 'mem',
    mutators,
    pullInterval: null,
    puller: async () => {
      const response = { cookie: ++cookie, lastMutationIDChanges: {}, patch };
      patch = [];
      return { response, httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } };
    },
  });
  /** Pulls one server answer: the parsed JSON text's entities as puts under prefix/id. */
  const pullEntities = async (prefix, entities) => {
    patch = entities.map((e) => ({ op: 'put', key: `${prefix}/${e.id}`, value: e }));
    await rep.pull({ now: true });
  };
  return { rep, pullEntities };
}

export async function w1() {
  const n = SIZES.w1Entities;
  const { rep, pullEntities } = open();
  await pullEntities('e', Array.from({ length: n }, (_, i) => bigEntity(i)));
  let pending = 0;
  let end = 0;
  let told;
  const unsubs = [];
  let initial = 0;
  let initialDone;
  const allInitial = new Promise((r) => (initialDone = r));
  for (const id of w1HotIds(n)) {
    for (let k = 0; k < W1_SUBS_PER_HOT; k++) {
      let first = true;
      unsubs.push(rep.subscribe((tx) => tx.get(`e/${id}`), { onData: (e) => {
        if (first) {
          first = false;
          if (++initial === W1_SUBS_PER_HOT * w1HotIds(n).length) initialDone();
          return;
        }
        if (e.body.length > 0 && --pending === 0) {
          end = now();
          told();
        }
      } }));
    }
  }
  await allInitial;
  const latencies = [];
  for (let i = 0; i < SIZES.w1Writes; i++) {
    const { id, score } = w1Write(i, n);
    pending = W1_SUBS_PER_HOT;
    const allTold = new Promise((r) => (told = r));
    const start = now();
    await rep.mutate.setField({ key: `e/${id}`, field: 'score', value: score });
    await allTold;
    latencies.push(end - start);
  }
  for (const u of unsubs) u();
  await rep.close();
  return latencies;
}

export async function w2() {
  const n = SIZES.w2Entities;
  const { rep, pullEntities } = open();
  await pullEntities('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  const rate = await opsPerSecondAsync(async (i) => {
    const { id, score } = w2Write(i, n);
    await rep.mutate.setField({ key: `s/${id}`, field: 'score', value: score });
  }, { minMs: SIZES.w2MinMs });
  await rep.close();
  return rate;
}

export async function w3(batches, pendingCount) {
  const n = SIZES.w3Entities;
  const { rep, pullEntities } = open();
  await pullEntities('s', Array.from({ length: n }, (_, i) => smallEntity(i)));
  for (const id of w3PendingIds(n, pendingCount)) await rep.mutate.setField({ key: `s/${id}`, field: 'grade', value: 99 });
  let updates = 0;
  const start = now();
  for (const text of batches) {
    const list = JSON.parse(text);
    await pullEntities('s', list.map((u) => u.data));
    updates += list.length;
  }
  const rate = (updates * 1000) / (now() - start);
  const last = JSON.parse(batches.at(-1)).at(-1);
  const seen = await rep.query((tx) => tx.get(`s/${last.id}`));
  if (seen?.score !== last.data.score && !(pendingCount > 0)) throw new Error('Replicache W3: the last update is not visible');
  await rep.close();
  return rate;
}
