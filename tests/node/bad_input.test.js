// The bad-input matrix through the JS API (SyncCore, SyncClient) and through the wire (a real `ws`
// server on loopback sending malformed messages to a real client). Every bad input gets a clear
// SyncError code (or, on the wire, an error event), never a wasm abort, and what was accepted
// before stays exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { WebSocketServer } from 'ws';
import { createSyncCore, createSyncClient, SyncError } from '../../js/node.js';

const collections = { todos: {}, notes: { idField: 'key' } };
// The same, with todos named by the server: a create without an id gets a temp id, renamed on ack.
const serverNamed = { ...collections, todos: { ids: 'server' } };

async function seededCore() {
  const core = await createSyncCore({ collections, client: { clientId: 'c1', seed: 1 } });
  core.applyServer({
    cursor: 2,
    ops: [
      { op: 'upsert', collection: 'todos', id: 'a', version: 1, data: { id: 'a', title: 'kept', n: 1 } },
      { op: 'upsert', collection: 'notes', id: 'k1', version: 1, data: { key: 'k1', text: 'note' } },
    ],
  });
  core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { n: 2 } }); // pending
  return core;
}

function deepArray(levels) {
  let v = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function assertPrototypeClean() {
  for (const name of ['polluted', 'x', 'isAdmin']) assert.equal(Object.prototype[name], undefined, `Object.prototype.${name}`);
  assert.equal({}.polluted, undefined);
}

// Each row: a bad call and the code it must fail with.
const apiRows = [
  ['malformed JSON text', (c) => c.applyServer('[{"op":"upsert",'), 'BAD_JSON'],
  ['a batch that is not an array or {ops}', (c) => c.applyServer({ nope: 1 }), 'WRONG_TYPE'],
  ['wrong type: version as text', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'b', version: '2', data: {} }]), 'WRONG_TYPE'],
  ['wrong type: data as array', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'b', version: 2, data: [] }]), 'WRONG_TYPE'],
  ['wrong type: mutation data as text', (c) => c.mutate({ collection: 'todos', op: 'create', data: 'x' }), 'WRONG_TYPE'],
  ['wrong type: patch as array', (c) => c.mutate({ collection: 'todos', op: 'update', id: 'a', patch: [1] }), 'WRONG_TYPE'],
  ['wrong type: a mutation that is not an object', (c) => c.mutate(42), 'WRONG_TYPE'],
  ['wrong type: query where', (c) => c.query({ collection: 'todos', where: 'x' }), 'BAD_QUERY'],
  ['unknown op', (c) => c.applyServer([{ op: 'merge', collection: 'todos', id: 'b', version: 1 }]), 'UNKNOWN_OP'],
  ['missing id: server upsert', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', version: 2, data: { title: 'x' } }]), 'MISSING_ID'],
  ['missing id: update', (c) => c.mutate({ collection: 'todos', op: 'update', patch: { n: 3 } }), 'MISSING_ID'],
  ['missing id: get', (c) => c.get('todos', ''), 'MISSING_ID'],
  ['missing id: empty id field in data', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', version: 2, data: { id: '' } }]), 'WRONG_TYPE'],
  ['id mismatch', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'b', version: 2, data: { id: 'c' } }]), 'ID_MISMATCH'],
  ['unknown collection: server', (c) => c.applyServer([{ op: 'upsert', collection: 'nope', id: 'b', version: 1, data: {} }]), 'UNKNOWN_COLLECTION'],
  ['unknown collection: mutate', (c) => c.mutate({ collection: 'nope', op: 'create', data: {} }), 'UNKNOWN_COLLECTION'],
  ['unknown collection: query', (c) => c.query({ collection: 'nope' }), 'UNKNOWN_COLLECTION'],
  ['unknown collection: list', (c) => c.list('constructor'), 'UNKNOWN_COLLECTION'],
  ['unknown collection: __proto__', (c) => c.get('__proto__', 'a'), 'UNKNOWN_COLLECTION'],
  ['a batch over the size limit', (c) => c.applyServer(`[${' '.repeat(70 * 1024 * 1024)}]`), 'TOO_LARGE'],
  ['nesting past the limit (text)', (c) => c.applyServer(`[{"op":"upsert","collection":"todos","id":"d","version":1,"data":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}]`), 'TOO_DEEP'],
  ['nesting past the limit (object)', (c) => c.mutate({ collection: 'todos', op: 'create', data: { x: deepArray(100) } }), 'TOO_DEEP'],
  ['nesting that exhausts the JS stack', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'd', version: 1, data: { x: deepArray(200_000) } }]), 'TOO_DEEP'],
  ['NaN in a mutation', (c) => c.mutate({ collection: 'todos', op: 'create', data: { n: NaN } }), 'WRONG_TYPE'],
  // Every place JSON.stringify writes a non-finite number as null, beside strings that hold "null".
  ['NaN first in an array', (c) => c.mutate({ collection: 'todos', op: 'create', data: { s: 'nullable', a: [NaN, 1] } }), 'WRONG_TYPE'],
  ['NaN last in a nested array', (c) => c.mutate({ collection: 'todos', op: 'create', data: { s: 'a null here', a: [[1, -Infinity]] } }), 'WRONG_TYPE'],
  ['NaN in a nested object', (c) => c.mutate({ collection: 'todos', op: 'create', data: { n: { s: '"null"', m: { x: NaN } } } }), 'WRONG_TYPE'],
  ['Infinity in a patch', (c) => c.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { n: Infinity } }), 'WRONG_TYPE'],
  ['-Infinity from the server', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'b', version: 2, data: { n: -Infinity } }]), 'WRONG_TYPE'],
  ['NaN as a version', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: 'b', version: NaN, data: {} }]), 'WRONG_TYPE'],
  ['NaN in a query value', (c) => c.query({ collection: 'todos', where: [['n', 'eq', NaN]] }), 'WRONG_TYPE'],
  ['lone surrogate in a value', (c) => c.mutate({ collection: 'todos', op: 'create', data: { t: 'a\uD800b' } }), 'BAD_JSON'],
  ['lone surrogate in an id', (c) => c.applyServer([{ op: 'upsert', collection: 'todos', id: '\uDC00', version: 1, data: {} }]), 'BAD_JSON'],
  ['lone surrogate in raw JSON text', (c) => c.applyServer('[{"op":"upsert","collection":"todos","id":"s","version":1,"data":{"t":"\uD800"}}]'), 'BAD_JSON'],
  ['a cyclic object', (c) => { const o = {}; o.self = o; return c.mutate({ collection: 'todos', op: 'create', data: o }); }, 'BAD_JSON'],
  ['a BigInt', (c) => c.mutate({ collection: 'todos', op: 'create', data: { n: 1n } }), 'BAD_JSON'],
  ['restore into a core that holds data', (c) => c.restore([{ store: 'entities', key: 'x' }]), 'INVALID_ARGUMENT'],
  ['restore that is not an array', (c) => c.restore({ store: 'meta' }), 'WRONG_TYPE'],
  ['a create over an existing id', (c) => c.mutate({ collection: 'todos', op: 'create', data: { id: 'a' } }), 'ALREADY_EXISTS'],
];

for (const [name, call, code] of apiRows) {
  test(`SyncCore refuses ${name} with ${code}, and nothing changes`, async () => {
    const core = await seededCore();
    const before = JSON.stringify(core.exportRecords());
    const list = core.list('todos');
    assert.throws(() => call(core), (err) => err instanceof SyncError && err.code === code && err.message.length > code.length + 2);
    assert.equal(JSON.stringify(core.exportRecords()), before);
    assert.deepEqual(core.list('todos'), list);
    assert.deepEqual(core.get('todos', 'a'), { id: 'a', title: 'kept', n: 2 });
    // The core still works after the refusal.
    core.mutate({ collection: 'todos', op: 'update', id: 'a', patch: { n: 3 } });
    assert.equal(core.get('todos', 'a').n, 3);
    core.dispose();
  });
}

test('restore refuses corrupt records with CORRUPT_RECORD and leaves the fresh core empty', async () => {
  const source = await seededCore();
  const records = source.exportRecords();
  const cases = [
    records.map((r) => (r.store === 'entities' ? { ...r, value: { ...r.value, version: 'x' } } : r)),
    records.map((r) => (r.store === 'meta' ? { ...r, value: { ...r.value, clientId: 7 } } : r)),
    records.filter((r) => r.store !== 'meta'), // outbox without its meta record
    [...records, { store: 'cookies', key: 1, value: {} }],
  ];
  for (const bad of cases) {
    const core = await createSyncCore({ collections });
    assert.throws(() => core.restore(bad), (err) => err.code === 'CORRUPT_RECORD');
    assert.equal(core.count('todos'), 0);
    assert.deepEqual(core.pendingMutations(), []);
    core.restore(records); // the good records still restore into the same core
    assert.deepEqual(core.get('todos', 'a'), { id: 'a', title: 'kept', n: 2 });
    core.dispose();
  }
});

test('__proto__ and constructor keys are plain data: snapshots keep them as own fields, no prototype pollution', async () => {
  const core = await seededCore();
  const text = '[{"op":"upsert","collection":"todos","id":"p","version":1,"data":{"id":"p","__proto__":{"polluted":1,"isAdmin":true},"constructor":{"prototype":{"polluted":2}},"nested":{"__proto__":{"x":1}}}}]';
  core.applyServer(text);
  core.mutate(JSON.parse('{"collection":"todos","op":"update","id":"a","patch":{"__proto__":{"polluted":3}}}'));
  const id = core.mutate(JSON.parse('{"collection":"todos","op":"create","data":{"__proto__":{"isAdmin":true}}}')).changes.todos.created[0];
  for (const snap of [core.get('todos', 'p'), core.get('todos', 'a'), core.get('todos', id), ...core.list('todos')]) {
    assert.equal(Object.getPrototypeOf(snap), Object.prototype);
    assert.equal(snap.polluted, undefined);
    assert.equal(snap.isAdmin, undefined);
  }
  const p = core.get('todos', 'p');
  assert.ok(Object.hasOwn(p, '__proto__'));
  assert.deepEqual(p['__proto__'], { polluted: 1, isAdmin: true });
  assert.equal(typeof p.constructor, 'object'); // data, not Object
  assert.ok(Object.hasOwn(p.nested, '__proto__'));
  assert.ok(Object.hasOwn(core.get('todos', 'a'), '__proto__'));
  // a query on such a field, and a restart through the records, keep it data
  const q = core.query({ collection: 'todos', where: [['constructor.prototype.polluted', 'eq', 2]] });
  assert.deepEqual(q.ids, ['p']);
  const again = await createSyncCore({ collections });
  again.restore(core.exportRecords());
  assert.deepEqual(again.get('todos', 'p')['__proto__'], { polluted: 1, isAdmin: true });
  assertPrototypeClean();
});

test('a server entity under one of our temp ids: our create is hidden from nothing and loses nothing', async () => {
  const core = await createSyncCore({ collections: serverNamed, client: { clientId: 'c1', seed: 1 } });
  const first = core.mutate({ collection: 'todos', op: 'create', data: { t: 'mine' } }).changes.todos.created[0];
  assert.equal(first, 'tmp-c1-1');
  // The server sends entities under this client's temp ids: the live one and the next one.
  core.applyServer([
    { op: 'upsert', collection: 'todos', id: 'tmp-c1-1', version: 1, data: { t: 'server 1' } },
    { op: 'upsert', collection: 'todos', id: 'tmp-c1-2', version: 1, data: { t: 'server 2' } },
  ]);
  assert.equal(core.get('todos', 'tmp-c1-1').t, 'mine'); // our pending create stays in view
  // The next create takes a free temp id instead of failing on the server's entity.
  const second = core.mutate({ collection: 'todos', op: 'create', data: { t: 'mine 2' } }).changes.todos.created[0];
  assert.notEqual(second, 'tmp-c1-2');
  assert.match(second, /^tmp-c1-/);
  assert.equal(core.get('todos', 'tmp-c1-2').t, 'server 2');
  const sent = core.setOnline(true).effects.filter((e) => e.type === 'send').flatMap((e) => e.mutations);
  assert.equal(sent.length, 2);
  core.applyServer(sent.map((m, i) => ({ op: 'ack', key: m.key, version: 1, id: `S${i + 1}` })));
  const byTitle = Object.fromEntries(core.list('todos').map((e) => [e.t, e.id]));
  assert.deepEqual(byTitle, { mine: 'S1', 'mine 2': 'S2', 'server 1': 'tmp-c1-1', 'server 2': 'tmp-c1-2' });
  assert.deepEqual(core.pendingMutations(), []);
});

test('SyncClient: bad mutations throw SyncError codes; the outbox and the view keep what came before', async (t) => {
  const indexedDB = new IDBFactory();
  const client = await createSyncClient({ collections, storage: { indexedDB, name: 'bad-input' } });
  t.after(() => client.close());
  const todos = client.collection('todos');
  const { id } = todos.create({ title: 'first' });
  const rows = [
    [() => todos.create({ n: NaN }), 'WRONG_TYPE'],
    [() => todos.update(id, { id, n: Infinity }), 'WRONG_TYPE'],
    [() => todos.patch(id, { t: '\uD83D' }), 'BAD_JSON'],
    [() => todos.patch(undefined, { t: 1 }), 'MISSING_ID'],
    [() => todos.create({ deep: deepArray(300_000) }), 'TOO_DEEP'],
    [() => client.collection('constructor').create({}), 'UNKNOWN_COLLECTION'],
    [() => client.collection('nope'), 'UNKNOWN_COLLECTION'],
    [() => client.mutate({ collection: 'todos', op: 'explode' }), 'UNKNOWN_OP'],
  ];
  for (const [call, code] of rows) assert.throws(call, (err) => err instanceof SyncError && err.code === code, code);
  assert.deepEqual(todos.list().map((e) => e.title), ['first']);
  assert.equal(client.status.pending, 1);
  // __proto__ data written through the client survives IndexedDB and a restart as data.
  todos.create(JSON.parse('{"title":"proto","__proto__":{"polluted":true}}'));
  await client.flush();
  await client.close();
  const again = await createSyncClient({ collections, storage: { indexedDB, name: 'bad-input' } });
  t.after(() => again.close());
  const restored = again.collection('todos').list();
  assert.deepEqual(restored.map((e) => e.title).sort(), ['first', 'proto']);
  const proto = restored.find((e) => e.title === 'proto');
  assert.ok(Object.hasOwn(proto, '__proto__'));
  assert.equal(again.status.pending, 2);
  assertPrototypeClean();
});

// ---- the wire ------------------------------------------------------------------------------------

// A scripted server: answers hello with welcome and the first page (entity a), records what the
// client sends, and lets the test send any frame, well-formed or not.
async function scriptedServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const server = { wss, socket: null, hellos: 0, pushes: [], url: `ws://127.0.0.1:${wss.address().port}` };
  wss.on('connection', (socket) => {
    server.socket = socket;
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'hello') {
        server.hellos++;
        socket.send(JSON.stringify({ type: 'welcome', protocol: 1, cursor: 1 }));
      } else if (msg.type === 'sync_request') {
        const changes = msg.cursor < 1 ? [{ op: 'upsert', collection: 'todos', id: 'a', version: 1, cursor: 1, data: { id: 'a', title: 'kept' } }] : [];
        socket.send(JSON.stringify({ type: 'sync_response', cursor: 1, more: false, changes }));
      } else if (msg.type === 'push') {
        server.pushes.push(msg);
      }
    });
  });
  server.close = () => new Promise((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(resolve);
  });
  return server;
}

function waitFor(client, predicate, what, ms = 5000) {
  return new Promise((resolve, reject) => {
    const offs = [];
    const timer = setTimeout(() => done(new Error(`timed out waiting for: ${what}`)), ms);
    const poll = setInterval(() => check(), 10); // for what only the server sees
    const done = (err) => {
      clearTimeout(timer);
      clearInterval(poll);
      offs.forEach((off) => off());
      err ? reject(err) : resolve();
    };
    const check = () => predicate() && done();
    for (const e of ['statusChanged', 'mutationSettled', 'error']) offs.push(client.on(e, check));
    offs.push(client.core.subscribe('todos', check));
    check();
  });
}

const change = (type, fields) => JSON.stringify({ type, collection: 'todos', cursor: 2, ...fields });

// Each row: a frame (text, or a Buffer sent as a binary frame), the error code the client
// reports for it, and whether it is a change the client sets aside (kept in the quarantine, the
// cursor free to pass it) rather than a message it cannot read at all. None may change the data
// (but for the good change in the chunk row).
const wireRows = [
  ['not JSON', 'not json {', 'BAD_MESSAGE'],
  ['JSON without a type', '[1,2,3]', 'BAD_MESSAGE'],
  ['an unknown message type', '{"type":"surprise"}', 'BAD_MESSAGE'],
  ['a binary frame', Buffer.from('{"type":"entity_created"}'), 'BAD_MESSAGE'],
  ['a NaN token', '{"type":"entity_created","collection":"todos","id":"n","version":NaN,"data":{}}', 'BAD_MESSAGE'],
  ['an unknown collection', change('entity_created', { collection: 'nope', id: 'x', version: 1, data: {} }), 'UNKNOWN_COLLECTION', 'set aside'],
  ['a version of the wrong type', change('entity_updated', { id: 'a', version: '2', data: { title: 'bad' } }), 'WRONG_TYPE', 'set aside'],
  ['data of the wrong type', change('entity_updated', { id: 'a', version: 2, data: 'bad' }), 'WRONG_TYPE', 'set aside'],
  ['a change without an id', change('entity_created', { version: 2, data: { title: 'no id' } }), 'MISSING_ID', 'set aside'],
  ['a number that overflows to Infinity', '{"type":"entity_updated","collection":"todos","id":"a","version":2,"data":{"n":1e999}}', 'WRONG_TYPE', 'set aside'],
  ['a lone surrogate escape', '{"type":"entity_updated","collection":"todos","id":"a","version":2,"data":{"title":"\\ud800"}}', 'BAD_JSON', 'set aside'],
  ['nesting past the limit', `{"type":"entity_updated","collection":"todos","id":"a","version":2,"data":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`, 'TOO_DEEP', 'set aside'],
  ['nesting deep enough to exhaust the stack', `{"type":"entity_updated","collection":"todos","id":"a","version":2,"data":{"x":${'['.repeat(400_000)}${']'.repeat(400_000)}}}`, 'TOO_DEEP', 'set aside'],
  ['a message over the size limit', change('entity_updated', { id: 'a', version: 2, data: { title: 'x'.repeat(2 * 1024 * 1024) } }), 'TOO_LARGE'],
  ['a chunk with one bad change among good ones', JSON.stringify({ type: 'sync_response', cursor: 3, more: false, changes: [
    { op: 'upsert', collection: 'todos', id: 'b', version: 1, data: { id: 'b' } },
    { op: 'upsert', collection: 'todos', id: 'c', version: -1, data: { id: 'c' } },
  ] }), 'WRONG_TYPE', 'set aside'],
];

test('the wire: each malformed message is refused and reported as an error event; the data stays intact', async (t) => {
  const server = await scriptedServer();
  const client = await createSyncClient({
    url: server.url,
    collections: serverNamed,
    client: { clientId: 'w1' },
    websocket: { reconnectBaseMs: 20, reconnectMaxMs: 100, heartbeatMs: 60_000, maxMessageBytes: 1024 * 1024 },
  });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  const todos = client.collection('todos');
  await waitFor(client, () => client.status.connected && todos.get('a') !== undefined, 'connected with entity a');
  const errors = [];
  client.on('error', (e) => errors.push(e));
  // A change the client cannot apply is set aside: the good changes around it apply (b, in the
  // chunk row), and the cursor may pass it (it is kept); a message it cannot read moves nothing.
  let cursor = 1;
  const expected = [{ id: 'a', title: 'kept' }];
  const intact = () => {
    assert.deepEqual(todos.list(), expected);
    assert.equal(client.core.cursor, cursor);
  };
  let setAside = 0;
  for (const [name, frame, code, aside] of wireRows) {
    const seen = errors.length;
    server.socket.send(frame, { binary: Buffer.isBuffer(frame) });
    await waitFor(client, () => errors.length > seen, `an error event for ${name}`);
    assert.equal(errors.length, seen + 1, name);
    assert.ok(errors[seen] instanceof SyncError, name);
    assert.equal(errors[seen].code, code, `${name}: ${errors[seen].message}`);
    assert.equal(errors[seen].setAside === true, aside === 'set aside', name);
    if (aside) {
      setAside++;
      const sent = Buffer.isBuffer(frame) ? {} : JSON.parse(frame.replace(/\[{5,}[\s\S]*\]{5,}/, '0').replace('NaN', '0'));
      if (Number.isInteger(sent.cursor)) cursor = sent.cursor;
      if (sent.type === 'sync_response') expected.push({ id: 'b' });
      await client.flush();
      assert.equal((await client.quarantined()).filter((q) => q.store === 'changes').length, setAside, name);
      assert.equal(client.status.skipped, setAside, name);
    }
    intact();
  }

  // Invalid UTF-8 in a text frame: the WebSocket itself fails the connection (close 1007); the
  // client reconnects and catches up, nothing applied.
  server.socket.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]), { binary: false });
  await waitFor(client, () => server.hellos === 2 && client.status.connected, 'reconnected after invalid UTF-8');
  intact();

  // __proto__ and constructor keys from the server are data.
  server.socket.send('{"type":"entity_created","collection":"todos","id":"p","version":1,"cursor":2,"data":{"id":"p","__proto__":{"polluted":true},"constructor":{"prototype":{"isAdmin":true}}}}');
  await waitFor(client, () => todos.get('p') !== undefined, 'the __proto__ entity');
  assert.ok(Object.hasOwn(todos.get('p'), '__proto__'));
  assert.equal(Object.getPrototypeOf(todos.get('p')), Object.prototype);
  assertPrototypeClean();

  // A server entity under this client's temp id while its create is in flight; then the ack.
  const { result } = todos.create({ title: 'mine' });
  await waitFor(client, () => server.pushes.length === 1, 'the create pushed');
  const pushed = server.pushes[0].mutations[0];
  assert.equal(pushed.id, 'tmp-w1-1');
  server.socket.send(change('entity_created', { id: 'tmp-w1-1', version: 1, cursor: 3, data: { title: 'theirs' } }));
  server.socket.send(JSON.stringify({ type: 'push_result', batch: server.pushes[0].batch, results: [{ key: pushed.key, status: 'ok', version: 1, id: 'S1' }] }));
  assert.equal((await result).status, 'acked');
  await waitFor(client, () => todos.get('S1') !== undefined, 'the ack renamed the create');
  assert.equal(todos.get('S1').title, 'mine');
  assert.equal(todos.get('tmp-w1-1').title, 'theirs');

  // Still working: a good change applies; what was accepted before is untouched.
  server.socket.send(change('entity_updated', { id: 'a', version: 2, cursor: 4, data: { id: 'a', title: 'updated' } }));
  await waitFor(client, () => todos.get('a').title === 'updated', 'a good change after the bad ones');
  assert.deepEqual(todos.list().map((e) => e.id), ['S1', 'a', 'b', 'p', 'tmp-w1-1']);
  assert.equal(client.core.cursor, 4);
  assert.equal(errors.length, wireRows.length);
});
