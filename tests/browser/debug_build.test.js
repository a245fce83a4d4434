// The browser entry's debug build, unbundled (a clone's dist/, served by demo/serve.js): the
// debug glue's import is hidden from bundlers (docs/bundlers.md) and still loads here, with the
// debug wasm next to it, while the release build is not fetched.
//   node --test tests/browser/debug_build.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer } from '../../demo/serve.js';
import { launchChromium } from './chromium.js';

test('createSyncCore({ debug: true }) in the browser loads dist/syncore-debug.mjs and its wasm, unbundled', async () => {
  const server = await startDemoServer({ port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const fetched = [];
    page.on('response', (res) => fetched.push(new URL(res.url()).pathname));
    await page.goto(`${server.url}leaderboard.html`);
    const answer = await page.evaluate(async () => {
      const { createSyncCore } = await import('/js/browser.js');
      const core = await createSyncCore({ debug: true, collections: { notes: {} } });
      core.mutate({ collection: 'notes', op: 'create', id: 'n1', data: { id: 'n1', text: 'debug' } });
      return core.get('notes', 'n1').text;
    });
    assert.equal(answer, 'debug');
    assert.ok(fetched.includes('/dist/syncore-debug.mjs') && fetched.includes('/dist/syncore-debug.wasm'), fetched.join(' '));
  } finally {
    await browser.close();
    await server.close();
  }
});
