// References between entities (issue 18, item 6; docs/references.md), through the public API
// against the real sync server on loopback, with fake-indexeddb: a grade names a student
// (`references: { studentId: 'students' }`). The server applies what it is sent, dangling or not;
// these tests watch every push it gets (dropBeforeAck sees each one, in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { createSyncClient, createRestTransport, openIndexedDbStorage } from '../../js/node.js';
import WebSocket from 'ws';
import { startSyncServer } from '../../server/sync_server.js';
import { untilClient } from './helpers.js';

const gradebook = (studentOptions = {}) => ({
  students: studentOptions,
  grades: { references: { studentId: 'students' } },
});

/** A server that records each push as [`collection/id studentId`…], and a client on it. */
async function setUp(t, { collections = gradebook(), validate, storage, server: given } = {}) {
  const pushes = [];
  const server =
    given ??
    (await startSyncServer({
      logger: null,
      validate,
      dropBeforeAck: ({ mutations }) => {
        pushes.push(mutations.map((m) => `${m.collection}/${m.id ?? '(new)'}${m.data?.studentId ? ` ${m.data.studentId}` : ''}`));
        return false;
      },
    }));
  const client = await createSyncClient({
    url: server.url,
    token: 't',
    collections,
    storage: storage ?? openIndexedDbStorage({ name: 'refs', indexedDB: new IDBFactory() }),
  });
  t.after(async () => {
    await client.close();
    if (!given) await server.close();
  });
  return { server, client, pushes };
}

const drained = (client) => untilClient(client, () => client.status.connected && client.status.pending === 0, 'the outbox to drain');

test('a grade made offline after its student goes out only after the student is acknowledged', async (t) => {
  const { server, client, pushes } = await setUp(t);
  await untilClient(client, () => client.status.connected, 'connected');
  client.goOffline();
  const student = client.collection('students').create({ id: 's1', name: 'Ada' });
  const grade = client.collection('grades').create({ id: 'g1', studentId: 's1', score: 9 });
  client.goOnline();
  assert.equal((await student.result).status, 'acked');
  assert.equal((await grade.result).status, 'acked');
  const studentPush = pushes.findIndex((p) => p.includes('students/s1'));
  const gradePush = pushes.findIndex((p) => p.includes('grades/g1 s1'));
  assert.ok(studentPush >= 0 && gradePush > studentPush, `pushes: ${JSON.stringify(pushes)}`);
  assert.equal((await server.store.get('grades', 'g1')).data.studentId, 's1');
});

test('server-assigned ids: the grade carries the student\'s final id, and no temp id ever reaches the server', async (t) => {
  const { server, client, pushes } = await setUp(t, { collections: gradebook({ ids: 'server' }) });
  await untilClient(client, () => client.status.connected, 'connected');
  client.goOffline();
  const student = client.collection('students').create({ name: 'Ada' });
  assert.match(student.id, /^tmp-/);
  const grade = client.collection('grades').create({ id: 'g1', studentId: student.id, score: 9 });
  client.collection('grades').patch('g1', { score: 10 });
  client.goOnline();
  const acked = await student.result;
  await grade.result;
  await drained(client);
  assert.ok(!acked.id.startsWith('tmp-'));
  const stored = await server.store.get('grades', 'g1');
  assert.equal(stored.data.studentId, acked.id);
  assert.equal(stored.data.score, 10);
  assert.equal(client.collection('grades').get('g1').studentId, acked.id);
  assert.ok(pushes.flat().every((line) => !line.includes(' tmp-')), `pushes: ${JSON.stringify(pushes)}`);
});

test('a student create refused for good takes its grade with it: REFERENCE_FAILED, nothing dangling on the server', async (t) => {
  const validate = ({ mutation }) => (mutation.collection === 'students' ? 'no new students this term' : undefined);
  const { server, client, pushes } = await setUp(t, { validate });
  await untilClient(client, () => client.status.connected, 'connected');
  client.goOffline();
  const student = client.collection('students').create({ id: 's1', name: 'Ada' });
  const grade = client.collection('grades').create({ id: 'g1', studentId: 's1', score: 9 });
  client.goOnline();
  await assert.rejects(student.result, (err) => err.code === 'REJECTED');
  await assert.rejects(grade.result, (err) => err.code === 'REFERENCE_FAILED' && /students\/s1/.test(err.message));
  assert.equal(await server.store.get('grades', 'g1'), null);
  assert.ok(!pushes.flat().some((line) => line.startsWith('grades/')), `pushes: ${JSON.stringify(pushes)}`);
  assert.equal(client.collection('grades').get('g1'), undefined); // rolled back
  assert.deepEqual(client.core.deadLetters().map((d) => d.collection).sort(), ['grades', 'students']);
});

test('a student missing on the server: the client asks for it, and the grade is refused with REFERENCE_MISSING, never sent', async (t) => {
  const { server, client, pushes } = await setUp(t);
  await untilClient(client, () => client.status.connected, 'connected');
  const grade = client.collection('grades').create({ id: 'g1', studentId: 'ghost', score: 1 });
  await assert.rejects(grade.result, (err) => err.code === 'REFERENCE_MISSING' && /ghost/.test(err.message));
  assert.equal(await server.store.get('grades', 'g1'), null);
  assert.equal(pushes.length, 0);
  assert.equal(client.status.pending, 0);
  assert.equal(client.core.deadLetters().length, 1);
});

test('over REST, a student outside what the client pulls is fetched with GET before the grade; a missing one refuses it', async (t) => {
  const server = await startSyncServer({ logger: null });
  const writer = await createSyncClient({ url: server.url, token: 't', collections: gradebook() });
  await writer.collection('students').create({ id: 's7', name: 'Grace' }).result;
  await writer.close();
  // This client pulls grades only: students come only when a grade needs one.
  const client = await createSyncClient({
    transport: createRestTransport({ baseUrl: server.restUrl, pullCollections: ['grades'] }),
    collections: gradebook(),
    token: 't',
  });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const grades = client.collection('grades');
  assert.equal((await grades.create({ id: 'g1', studentId: 's7', score: 8 }).result).status, 'acked');
  assert.equal(client.collection('students').get('s7').name, 'Grace');
  await assert.rejects(grades.create({ id: 'g2', studentId: 'ghost', score: 1 }).result, (err) => err.code === 'REFERENCE_MISSING');
  assert.equal(await server.store.get('grades', 'g2'), null);
});

test('the server answers fetch by its read rules: found, not found, not readable alike, bad input, and only after hello', async (t) => {
  const authorize = () => ({ userId: 'u1', canRead: (collection, entity) => entity?.data?.secret !== true });
  const server = await startSyncServer({ logger: null, authorize });
  t.after(() => server.close());
  const ws = new WebSocket(server.url);
  t.after(() => ws.close());
  const answers = [];
  let arrived = null;
  ws.on('message', (d) => {
    const msg = JSON.parse(String(d));
    if (msg.type === 'fetch_result' || msg.type === 'error' || msg.type === 'push_result' || msg.type === 'welcome') answers.push(msg);
    arrived?.();
  });
  const next = async (type) => {
    for (;;) {
      const at = answers.findIndex((m) => m.type === type);
      if (at >= 0) return answers.splice(at, 1)[0];
      await new Promise((resolve) => (arrived = resolve));
    }
  };
  await new Promise((resolve) => ws.on('open', resolve));
  const send = (m) => ws.send(JSON.stringify(m));
  send({ type: 'fetch', collection: 'students', id: 's1' });
  assert.equal((await next('error')).inReplyTo, 'fetch');
  send({ type: 'hello', protocol: 1, clientId: 'c1', token: 't', cursor: 0 });
  await next('welcome');
  send({ type: 'push', batch: 1, mutations: [
    { key: 'c1:1', collection: 'students', id: 's1', kind: 'create', data: { id: 's1', name: 'Ada' }, baseVersion: -1 },
    { key: 'c1:2', collection: 'students', id: 's2', kind: 'create', data: { id: 's2', secret: true }, baseVersion: -1 },
  ] });
  await next('push_result');
  send({ type: 'fetch', collection: 'students', id: 's1', rid: 1 });
  assert.deepEqual(await next('fetch_result'), { type: 'fetch_result', rid: 1, collection: 'students', id: 's1', found: true, version: 1, data: { id: 's1', name: 'Ada' } });
  send({ type: 'fetch', collection: 'students', id: 's2', rid: 2 });
  assert.deepEqual(await next('fetch_result'), { type: 'fetch_result', rid: 2, collection: 'students', id: 's2', found: false });
  send({ type: 'fetch', collection: 'students', id: 'ghost', rid: 3 });
  assert.equal((await next('fetch_result')).found, false);
  send({ type: 'fetch', collection: 7, id: 'x', rid: 4 });
  assert.equal((await next('fetch_result')).error, 'bad_message');
});
