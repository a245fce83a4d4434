// W8 counts what a browser app downloads first: the entry's static graph (bench/bundle.mjs).
// Attachments (js/files/) and multi-tab (js/tabs/) load with import() when an app turns them on,
// so neither may come back into that graph through a static import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleOf } from '../../bench/bundle.mjs';

test('createSyncClient\'s first download leaves js/files/ and js/tabs/ to import() chunks', async () => {
  const out = await bundleOf('syncore');
  const staticInputs = [...out.staticGraph].flatMap((file) => Object.keys(out.metafile.outputs[file].inputs));
  assert.ok(staticInputs.includes('js/create_client.js'), 'the entry graph holds createSyncClient');
  // js/files/file_refs.js (the files collection's name) is the one file of js/files/ it needs.
  const eager = staticInputs.filter((i) => (i.startsWith('js/files/') && i !== 'js/files/file_refs.js') || i.startsWith('js/tabs/'));
  assert.deepEqual(eager, []);
  const lazyInputs = Object.keys(out.lazy).flatMap((file) => Object.keys(out.metafile.outputs[file].inputs));
  assert.ok(lazyInputs.includes('js/files/index.js') && lazyInputs.includes('js/tabs/index.js'), 'both load through import()');
});
