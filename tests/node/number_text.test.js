// Numbers and escapes through the wasm's own number parsing and formatting: the release build
// replaces libc's strtod and snprintf (wasm/libc_overrides.cpp; docs/build.md "Size"). Each
// parse path the core has (a server batch as text, server changes, a local mutation, a bulk
// load, a restore of exported records) must read every number as JavaScript's Number() does
// (correctly rounded), and strings with control characters (written as \u escapes) round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore } from '../../js/node.js';

// Decimal texts whose double is easy to get wrong: ties, the subnormal range, the largest double,
// more digits than a double holds, 17-digit shortest forms, underflow to 0.
const NUMBERS = ['0.1', '0.30000000000000004', '5e-324', '2.4703282292062328e-324', '2.4703282292062327e-324',
  '2.2250738585072014e-308', '2.2250738585072011e-308', '1.7976931348623157e308', '1.7976931348623158e308',
  '123456789012345678901234567890e-10', '9007199254740993.0', '9007199254740995', '1e23', '8.98846567431158e307',
  '0.1e1', '12345678901234567e-5', '1e-400', '-0.0', '-1.5e-7', '3.141592653589793238462643383279'];
const TEXT = 'tab\there, \u0001 \u001f \u007f end';

const fresh = () => createSyncCore({ collections: { t: {} }, client: { clientId: 'c1', seed: 1 } });
const op = (n, i) => `{"op":"upsert","collection":"t","id":"n${i}","version":1,"data":{"id":"n${i}","v":${n},"s":${JSON.stringify(TEXT)}}}`;

// viaJs: the numbers went through JSON.stringify first, which writes -0 as 0.
function assertRead(core, how, viaJs = true) {
  NUMBERS.forEach((n, i) => {
    const got = core.get('t', `n${i}`);
    const want = viaJs ? JSON.parse(JSON.stringify(Number(n))) : Number(n);
    assert.ok(Object.is(got.v, want), `${how}: ${n} read as ${got.v}, Number() gives ${want}`);
    assert.equal(got.s, TEXT, `${how}: the string with control characters`);
  });
}

test('a server batch as text: every number as Number() reads it', async () => {
  const core = await fresh();
  core.applyServer(`{"cursor":1,"ops":[${NUMBERS.map(op).join(',')}]}`);
  assertRead(core, 'applyServer', false);
});

test('server changes, a local mutation and a bulk load read numbers the same way', async () => {
  const values = NUMBERS.map(Number);
  const changes = await fresh();
  changes.applyServerChanges(values.map((v, i) => ({ op: 'upsert', collection: 't', id: `n${i}`, version: 1, data: { id: `n${i}`, v, s: TEXT } })), { cursor: 1 });
  assertRead(changes, 'applyServerChanges');

  const local = await fresh();
  values.forEach((v, i) => local.mutate({ collection: 't', op: 'create', data: { id: `n${i}`, v, s: TEXT } }));
  assertRead(local, 'mutate');

  const loaded = await fresh();
  loaded.load('t', values.map((v, i) => ({ id: `n${i}`, version: 1, data: { id: `n${i}`, v, s: TEXT } })), { cursor: 1 });
  assertRead(loaded, 'load');
});

test('exported records (numbers written, control characters escaped) restore to the same values', async () => {
  const core = await fresh();
  core.applyServer(`{"cursor":1,"ops":[${NUMBERS.map(op).join(',')}]}`);
  const records = core.exportRecords();
  const again = await fresh();
  again.restore(records);
  assertRead(again, 'restore');
});

test('a number out of range, or text that is not JSON, is refused with BAD_JSON', async () => {
  const core = await fresh();
  for (const text of ['[{"op":"upsert","collection":"t","id":"x","version":1,"data":{"id":"x","v":1e400}}]',
    '[{"op":"upsert","collection":"t","id":"x","version":1,"data":{"id":"x","v":-1e309}}]', '["a\u0001"]', '[1.]', '[.5]', '[1e]']) {
    assert.throws(() => core.applyServer(text), { code: 'BAD_JSON' }, text);
  }
  assert.equal(core.get('t', 'x'), undefined);
});
