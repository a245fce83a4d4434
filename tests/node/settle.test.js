// Mutation settlement is one implementation (js/client/settle.js): a change the server refuses
// rejects with the same error through a SyncClient and through the React hooks over a bare core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h, act } from 'react';
import { createSyncCore } from '../../js/node.js';
import { SyncProvider, useMutation } from '../../js/react/index.js';
import { mount } from './react_dom.js';

const sendsOf = (effects) => effects.filter((e) => e.type === 'send').flatMap((e) => e.mutations);

test('useMutation over a bare core: a refused change rejects with its errorClass, a too-large one with TOO_LARGE', async (t) => {
  const sent = [];
  const core = await createSyncCore({ collections: { todos: {} }, client: { clientId: 'c1', seed: 1 }, onEffects: (effects) => sent.push(...sendsOf(effects)) });
  t.after(() => core.dispose());
  let m;
  function Form() {
    m = useMutation('todos');
    return h('p', null, m.error ? m.error.code : 'ok');
  }
  await mount(h(SyncProvider, { core }, h(Form)));
  core.setOnline(true);

  let bad;
  await act(async () => {
    bad = m.create({ title: 'bread' });
  });
  await act(async () => {
    core.applyServer([{ op: 'reject', key: sent.splice(0)[0].key, class: 'forbidden', message: 'no bread for you' }]);
    await assert.rejects(bad.result, (err) => err.code === 'REJECTED' && err.errorClass === 'forbidden' && /forbidden: no bread for you/.test(err.message));
  });
  assert.equal(m.error.errorClass, 'forbidden');

  let big;
  await act(async () => {
    big = m.create({ title: 'x' });
  });
  await act(async () => {
    core.applyServer([{ op: 'reject', key: sent.splice(0)[0].key, class: 'too-large', message: 'over the limit' }]);
    await assert.rejects(big.result, (err) => err.code === 'TOO_LARGE' && err.errorClass === 'too-large');
  });
});
