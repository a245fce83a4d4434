// The bench's data generators (bench/lib/data.mjs) give no store a free ride: every write and
// remote update changes what it touches (a store that skips no-op writes gains nothing), and no
// two entities share a body string. No timing here: data only, well under a second of work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as data from '../../bench/lib/data.mjs';
import { kbEntity as durableKbEntity } from '../../bench/lib/durable.mjs';
import { SCALING_FULL } from '../../bench/lib/scaling_sizes.mjs';

/** Remote updates (of w3Batches) whose data equals the entity's data just before. */
function noOpRemoteUpdates(n, updates) {
  const rows = new Map();
  let same = 0;
  for (const text of data.w3Batches(n, 500, updates)) {
    for (const u of JSON.parse(text)) {
      const before = rows.get(u.id) ?? data.smallEntity(Number(u.id.slice(1)));
      if (JSON.stringify(before) === JSON.stringify(u.data)) same++;
      rows.set(u.id, u.data);
    }
  }
  return same;
}

test('W3 remote updates change their entity at every store size of the bench and the scaling curves', () => {
  for (const n of [1_000, 2_000, 10_000, ...SCALING_FULL.entities]) {
    assert.equal(noOpRemoteUpdates(n, 20_000), 0, `${n} entities: updates that rewrite identical data`);
  }
});

test('no generator makes a no-op write, quick or full (repeatedWrites, as the bench logs it)', () => {
  for (const sizes of [data.QUICK_SIZES, data.FULL_SIZES]) {
    assert.deepEqual(data.repeatedWrites(sizes), { w1: 0, w2: 0, w3: 0, lq: 0, pending: 0 });
  }
});

test('entity bodies are each their own text (W1 10 KB bodies, W5 1 KB notes in Node and Chromium)', () => {
  const bodies = new Set(Array.from({ length: data.FULL_SIZES.w1Entities }, (_, i) => data.bigEntity(i).body));
  assert.equal(bodies.size, data.FULL_SIZES.w1Entities);
  for (const b of bodies) assert.equal(b.length, 10_000);
  const notes = new Set(Array.from({ length: 2_000 }, (_, i) => data.kbEntity(i).note));
  assert.equal(notes.size, 2_000);
  assert.equal(durableKbEntity(7).note, data.kbEntity(7).note);
  assert.notEqual(durableKbEntity(7).note, durableKbEntity(8).note);
  const names = new Set(Array.from({ length: 10_000 }, (_, i) => data.smallEntity(i).name));
  assert.equal(names.size, 10_000);
});
