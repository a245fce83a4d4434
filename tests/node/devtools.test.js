// syncore/devtools in a happy-dom document: the DOM mount and the React panel show the outbox by
// lane and state, dead letters (retry, edit, discard), parked conflicts, live queries with their
// counts, the timeline and the storage, and act through the client's public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { act } from 'react';
import { mount } from './react_dom.js';
import { createSyncClient } from '../../js/node.js';
import { mountDevtools, SyncDevtools } from '../../js/devtools/index.js';
import * as domEntry from '../../js/devtools/dom.js';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { scriptedTransport } from '../support/scripted_transport.js';

async function openClient(collections = { todos: {} }) {
  const transport = scriptedTransport();
  const client = await createSyncClient({ collections, transport, storage: 'memory' });
  client.core.load('todos', [{ version: 1, data: { id: 't1', title: 'Milk', n: 1 } }, { version: 1, data: { id: 't2', title: 'Eggs', n: 2 } }], { cursor: 2 });
  await client.flush();
  return { client, transport };
}

const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
const q = (root, selector) => root.querySelector(selector);
const qa = (root, selector) => [...root.querySelectorAll(selector)];
const click = (el) => el.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));

test('the DOM panel shows the outbox by lane and state, live queries with counts, and the timeline', async (t) => {
  const { client, transport } = await openClient();
  t.after(() => client.close());
  const host = document.createElement('div');
  document.body.append(host);
  const unmount = mountDevtools(host, client, { refreshMs: 10 });
  const query = client.collection('todos').query({ where: [['n', 'gte', 2]] });

  transport.hold = true;
  client.collection('todos').patch('t1', { title: 'Oat milk' }, { priority: 'high' });
  await client.flush();
  client.collection('todos').patch('t2', { title: 'Brown eggs' }, { priority: 'low' });
  await settle();

  const items = qa(host, '[data-testid="devtools-outbox-item"]').map((el) => [el.dataset.entity, el.dataset.lane, el.dataset.state]);
  assert.ok(items.some(([id, lane, state]) => id === 't1' && lane === 'high' && state === 'in-flight'), JSON.stringify(items));
  assert.ok(items.some(([id, lane]) => id === 't2' && lane === 'low'), JSON.stringify(items));
  assert.equal(q(host, '[data-testid="devtools-count-outbox"]').textContent, '2');
  assert.match(q(host, '[data-section="outbox"]').textContent, /high 0 pending · 1 in flight · 0 waiting to retry/);

  const queries = qa(host, '[data-testid="devtools-query"]');
  assert.equal(queries.length, 1);
  assert.equal(q(queries[0], '[data-testid="devtools-query-count"]').textContent, '1', 'n >= 2: one row');
  client.core.applyServer([{ op: 'upsert', collection: 'todos', id: 't3', version: 1, data: { id: 't3', title: 'Jam', n: 5 } }]);
  await settle();
  assert.equal(q(host, '[data-testid="devtools-query"] [data-testid="devtools-query-count"]').textContent, '2', 'the count follows the commits');
  query.close();
  await settle(1200); // closing a query commits nothing: the panel's once-a-second refresh shows it
  assert.equal(qa(host, '[data-testid="devtools-query"]').length, 0, 'a closed query is gone');

  const events = qa(host, '[data-testid="devtools-event"]').map((el) => el.dataset.event);
  assert.ok(events.includes('operationQueued') && events.includes('syncStarted'), events.join(','));
  assert.equal(q(host, '[data-testid="devtools-storage-kind"]').textContent, 'memory');
  assert.equal(q(host, '[data-testid="devtools-tab-role"]').textContent, 'single tab');
  client.replaceLink({ tab: 'follower' }); // what the multi-tab layer does in a follower tab
  await settle();
  assert.equal(q(host, '[data-testid="devtools-tab-role"]').textContent, 'follower');
  unmount();
  assert.equal(host.children.length, 0, 'unmount removes the panel');
  host.remove();
});

test('a change refused as transient shows as waiting to retry, with its lane and tries', async (t) => {
  const { client, transport } = await openClient();
  t.after(() => client.close());
  const host = document.createElement('div');
  document.body.append(host);
  t.after(mountDevtools(host, client, { refreshMs: 10 }));
  transport.answer = () => ({ status: 'error', class: 'transient', message: 'busy' });
  client.collection('todos').patch('t1', { title: 'Oat milk' }, { priority: 'critical' });
  await client.flush();
  await settle();
  const item = q(host, '[data-testid="devtools-outbox-item"][data-entity="t1"]');
  assert.equal(item.dataset.state, 'retrying');
  assert.equal(item.dataset.lane, 'critical');
  assert.match(item.textContent, /waiting to retry in \d+ s/);
  assert.match(q(host, '[data-section="outbox"]').textContent, /critical 0 pending · 0 in flight · 1 waiting to retry/);
  host.remove();
});

test('a dead letter: Retry re-sends it and it settles; Edit changes its data; Discard drops it', async (t) => {
  const { client, transport } = await openClient();
  t.after(() => client.close());
  const host = document.createElement('div');
  document.body.append(host);
  t.after(mountDevtools(host, client, { refreshMs: 10 }));

  transport.answer = () => ({ status: 'error', class: 'validation', message: 'title too long' });
  const first = client.collection('todos').patch('t1', { title: 'x'.repeat(20) });
  await assert.rejects(first.result, { code: 'REJECTED' });
  await settle();
  const dead = () => q(host, '[data-testid="devtools-dead-letter"][data-entity="t1"]');
  assert.ok(dead(), 'the dead letter is listed');
  assert.equal(dead().dataset.errorClass, 'validation');
  assert.match(dead().textContent, /title too long/);
  assert.equal(q(dead(), '[data-action="retry"]').textContent, 'Retry anyway', 'a validation refusal would be refused again unchanged');

  // The server is fixed: Retry sends the same change again, and it is acknowledged.
  transport.answer = () => ({ status: 'ok', version: 2 });
  click(q(dead(), '[data-action="retry"]'));
  await client.flush();
  await settle();
  assert.equal(client.status.failed, 0);
  assert.equal(client.status.pending, 0);
  assert.equal(dead(), null, 'settled: no longer listed');
  assert.equal(transport.pushed.at(-1).mutations[0].data.title, 'x'.repeat(20));

  // Edit: the data as JSON, saved as a new payload and retried.
  transport.answer = () => ({ status: 'error', class: 'validation', message: 'title too long' });
  client.collection('todos').patch('t2', { title: 'y'.repeat(20) });
  await client.flush();
  await settle();
  click(q(dead() ?? q(host, '[data-testid="devtools-dead-letter"]'), '[data-action="edit"]'));
  const editor = q(host, '[data-testid="devtools-edit"]');
  assert.deepEqual(JSON.parse(editor.value), { title: 'y'.repeat(20) });
  editor.value = '{ not json';
  click(q(host, '[data-action="save-edit"]'));
  assert.match(q(host, '[data-section="dead-letters"] [role="alert"]').textContent, /Not JSON/);
  transport.answer = () => ({ status: 'ok', version: 2 });
  q(host, '[data-testid="devtools-edit"]').value = '{"title":"Eggs, brown"}';
  click(q(host, '[data-action="save-edit"]'));
  await client.flush();
  await settle();
  assert.equal(client.status.failed, 0);
  assert.equal(client.core.get('todos', 't2').title, 'Eggs, brown');
  assert.equal(transport.pushed.at(-1).mutations[0].data.title, 'Eggs, brown');

  // Discard: the change is dropped and the view rolls back.
  transport.answer = () => ({ status: 'error', class: 'forbidden', message: 'read-only' });
  client.collection('todos').patch('t1', { title: 'nope' });
  await client.flush();
  await settle();
  assert.equal(client.status.failed, 1);
  click(q(q(host, '[data-testid="devtools-dead-letter"]'), '[data-action="discard"]'));
  await settle();
  assert.equal(client.status.failed, 0);
  assert.equal(q(host, '[data-testid="devtools-dead-letter"]'), null);
  assert.equal(client.core.get('todos', 't1').title, 'x'.repeat(20));
  host.remove();
});

test('a parked conflict is listed with base, local and remote, and resolved from the panel', async (t) => {
  const { client, transport } = await openClient({ todos: { strategy: 'manual' } });
  t.after(() => client.close());
  const host = document.createElement('div');
  document.body.append(host);
  t.after(mountDevtools(host, client, { refreshMs: 10 }));
  transport.answer = () => ({ status: 'conflict', version: 2, data: { id: 't1', title: 'Soy milk', n: 1 } });
  client.collection('todos').patch('t1', { title: 'Oat milk' });
  await client.flush();
  await settle();
  const conflict = q(host, '[data-testid="devtools-conflict"][data-entity="t1"]');
  assert.ok(conflict, 'listed');
  assert.match(conflict.textContent, /Milk/);
  assert.match(conflict.textContent, /Oat milk/);
  assert.match(conflict.textContent, /Soy milk/);
  transport.answer = () => ({ status: 'ok', version: 3 });
  click(q(conflict, '[data-action="keep-remote"]'));
  await client.flush();
  await settle();
  assert.equal(client.status.conflicts, 0);
  assert.equal(q(host, '[data-testid="devtools-conflict"]'), null);
  assert.equal(client.core.get('todos', 't1').title, 'Soy milk');
  host.remove();
});

test('a long outbox is drawn in part; a closed client says so', async () => {
  const { client, transport } = await openClient();
  const host = document.createElement('div');
  document.body.append(host);
  const unmount = mountDevtools(host, client, { refreshMs: 10 });
  transport.hold = true;
  client.goOffline();
  const todos = client.collection('todos');
  for (let i = 0; i < 250; i++) todos.create({ title: `todo ${i}` });
  await client.flush();
  await settle();
  assert.equal(q(host, '[data-testid="devtools-count-outbox"]').textContent, '250');
  assert.equal(qa(host, '[data-testid="devtools-outbox-item"]').length, 200);
  assert.match(q(host, '[data-testid="devtools-more"]').textContent, /and 50 more changes/);
  await client.close();
  await settle(1200);
  assert.match(host.textContent, /This client is closed/);
  unmount();
  host.remove();
});

test('<SyncDevtools client={client} /> renders the same panel and removes it when unmounted', async (t) => {
  const { client } = await openClient();
  t.after(() => client.close());
  const view = await mount(createElement(SyncDevtools, { client, refreshMs: 10 }));
  const panel = q(view.container, '[data-testid="devtools"]');
  assert.ok(panel, 'the panel is there');
  assert.match(q(view.container, '[data-testid="devtools-message"]').textContent, /All changes synced/);
  await act(async () => {
    client.collection('todos').patch('t1', { title: 'Oat milk' });
    await client.flush();
    await settle();
  });
  assert.ok(qa(view.container, '[data-testid="devtools-event"]').some((el) => el.dataset.event === 'mutationSettled'));
  const host = panel.parentElement;
  await view.unmount();
  assert.equal(host.children.length, 0, 'the panel is removed');
  assert.equal(typeof domEntry.mountDevtools, 'function', 'syncore/devtools/dom offers the mount without React');
});

test('the declarations: tsc -p tests/types/devtools --noEmit passes (and its misuses stay errors)', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { code, output } = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', 'tests/types/devtools', '--noEmit', '--pretty', 'false'], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code ?? 1 : 0, output: `${stdout}${stderr}` });
    });
  });
  assert.equal(code, 0, `tsc reported:\n${output}`);
});
