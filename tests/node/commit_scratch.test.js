// A large commit leaves no per-entity scratch behind in the wasm heap: 30,000 entities loaded in
// one server batch hold about what the same entities loaded in 30 batches hold (mallinfo, through
// core.wasmHeapBytes()). Before the core released its commit's touch list after a big commit, the
// one-batch load held ~40 B an entity more (+30 %), memory no query or write ever used again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

const N = 30_000;
const rows = () =>
  Array.from({ length: N }, (_, i) => ({ id: `s${i}`, version: 1, data: { id: `s${i}`, name: `student ${i}`, score: i % 100, grade: i % 12 } }));

async function heldAfterLoad(piece) {
  const core = await createSyncCore({ collections: { s: {} } });
  const before = core.wasmHeapBytes();
  const all = rows();
  for (let i = 0; i < N; i += piece) core.load('s', all.slice(i, i + piece));
  const held = core.wasmHeapBytes() - before;
  // And the store still answers and takes writes after the trim.
  assert.equal(core.count('s'), N);
  assert.deepEqual(core.get('s', 's29999'), { id: 's29999', name: 'student 29999', score: 99, grade: 11 });
  core.mutate({ collection: 's', op: 'update', id: 's1', patch: { score: 1000 } });
  assert.equal(core.get('s', 's1').score, 1000);
  return held;
}

test('one 30,000-entity batch holds no more than 30 batches of 1,000 (+10 %)', async () => {
  const inPieces = await heldAfterLoad(1000);
  const inOne = await heldAfterLoad(N);
  assert.ok(inPieces > 0 && inOne > 0);
  assert.ok(inOne <= inPieces * 1.1, `one batch holds ${inOne} B, 30 batches ${inPieces} B`);
});
