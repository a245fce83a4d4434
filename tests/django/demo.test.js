// `npm run demo:django`: the demo gradebook's own data and users on the Django back end, reached
// through the page's port (/sync passed through to Daphne), with real JS clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncClient } from '../../js/node.js';
import { SEED_STUDENTS, ASSESSMENTS, scoreId } from '../../demo/src/gradebook.js';
import { startDjangoDemo } from '../../server/django/demo.js';

function until(client, predicate, what, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for: ${what}`))), ms);
    const check = () => {
      if (predicate()) (clearTimeout(timer), off(), resolve());
    };
    const offs = ['statusChanged', 'mutationSettled', 'syncCompleted'].map((e) => client.on(e, check));
    offs.push(client.core.subscribe('scores', check), client.core.subscribe('students', check));
    const off = () => offs.forEach((f) => f());
    check();
  });
}

test('the demo gradebook runs on Django: seeded class, teacher edits reach a viewer, viewer writes are forbidden', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'syncore-django-demo-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const demo = await startDjangoDemo({ port: 0, dataDir, build: false });
  t.after(() => demo.close());
  assert.equal(demo.seeded, SEED_STUDENTS.length * (1 + ASSESSMENTS.length));
  const open = async (token) => {
    const c = await createSyncClient({ url: demo.syncUrl, token, collections: { students: {}, scores: {} }, websocket: { reconnectBaseMs: 20, reconnectMaxMs: 200 } });
    c.on('error', () => {});
    t.after(() => c.close());
    return c;
  };
  const teacher = await open(undefined);
  const viewer = await open('viewer');
  await until(teacher, () => teacher.collection('students').list().length === SEED_STUDENTS.length, 'the seeded class');
  const id = scoreId(SEED_STUDENTS[0].id, ASSESSMENTS[0].id);
  await teacher.collection('scores').patch(id, { score: 42 }).result;
  await until(viewer, () => viewer.collection('scores').get(id)?.score === 42, "the viewer sees the teacher's edit");
  await assert.rejects(viewer.collection('scores').patch(id, { score: 1 }).result, (err) => err.errorClass === 'forbidden');
  await assert.rejects(teacher.collection('scores').patch(id, { score: 101 }).result, (err) => err.errorClass === 'validation');
});
