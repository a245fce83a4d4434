// Sensitive fields are left out by the core itself (src/records/redaction.cpp), in every persist
// effect and in exportRecords: the same records the reference rules (tests/support) make, so a
// custom storage (or onEffects) never sees a sensitive value either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSyncCore, createSyncClient } from '../../js/node.js';
import { redactRecord } from '../support/redaction_reference.js';

const sensitiveFields = { people: ['ssn', 'health.notes', 'kids.ssn'] };

async function scenario(collectionOptions) {
  const effects = [];
  const core = await createSyncCore({ collections: { people: collectionOptions, other: {} }, now: () => 1000, onEffects: (e) => effects.push(...e) });
  core.configureClient({ clientId: 'c1', seed: 1, persist: true });
  core.applyServer([{ op: 'upsert', collection: 'people', id: 'p1', version: 1,
    data: { id: 'p1', name: 'Ada', ssn: '1', health: { notes: 'n', ok: true }, kids: [{ ssn: 'k1', age: 3 }] } }]);
  core.mutate({ collection: 'people', op: 'update', id: 'p1', patch: { ssn: '2', health: { notes: 'm' } } });
  core.mutate({ collection: 'people', op: 'create', data: { id: 'p2', name: 'Bo', ssn: '3' } });
  core.mutate({ collection: 'other', op: 'create', data: { id: 'o1', ssn: 'kept' } });
  const exported = core.exportRecords();
  const view = core.get('people', 'p1');
  core.dispose();
  return { effects, exported, view };
}

test('the core writes exactly what the adapters redact, and keeps the values in its view', async () => {
  const plain = await scenario({});
  const redacted = await scenario({ sensitiveFields: sensitiveFields.people });
  const byAdapter = (records) => records.map((r) => ({ ...r, value: redactRecord(r, sensitiveFields) }));
  assert.deepEqual(redacted.exported, byAdapter(plain.exported));
  const puts = (effects) => effects.filter((e) => e.type === 'persist').flatMap((e) => e.put);
  assert.deepEqual(puts(redacted.effects), byAdapter(puts(plain.effects)));
  const text = JSON.stringify([redacted.exported, redacted.effects]);
  for (const secret of ['"1"', '"2"', '"3"', '"n"', '"m"', '"k1"']) assert.ok(!text.includes(secret), `${secret} reached a record`);
  assert.ok(text.includes('"kept"'), 'a collection without sensitive fields is written whole');
  assert.ok(redacted.exported.some((r) => r.store === 'outbox' && r.value.redactedFields?.includes('ssn')));
  assert.equal(redacted.view.ssn, '2');
  assert.equal(redacted.view.health.notes, 'm');
});

test('a custom storage never receives a sensitive value', async (t) => {
  const written = [];
  const storage = { kind: 'custom', async write(effect) { written.push(structuredClone(effect)); }, async readAll() { return []; } };
  const client = await createSyncClient({ collections: { people: { sensitiveFields: ['ssn'] } }, storage });
  t.after(() => client.close());
  client.collection('people').create({ id: 'p1', name: 'Ada', ssn: '123-45-6789' });
  await client.flush();
  const text = JSON.stringify(written);
  assert.ok(text.includes('Ada'));
  assert.ok(!text.includes('123-45-6789'));
  assert.equal(client.collection('people').get('p1').ssn, '123-45-6789');
});
