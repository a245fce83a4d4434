// Every storage adapter passes the same conformance suite (tests/support/storage_adapter_suite.js):
// memory, IndexedDB (fake-indexeddb) and the leader tab's storage that forwards follower keys.
import { IDBFactory } from 'fake-indexeddb';
import { createMemoryStorage, openIndexedDbStorage } from '../../js/node.js';
import { withForwardedKeys } from '../../js/tabs/forwarded_storage.js';
import { runStorageAdapterTests } from '../support/storage_adapter_suite.js';

runStorageAdapterTests('memory', async () => ({ adapter: createMemoryStorage() }));

let n = 0;
const openIdb = (indexedDB, name) => openIndexedDbStorage({ name, indexedDB, evictionMarker: null });

runStorageAdapterTests('indexeddb', async () => {
  const indexedDB = new IDBFactory();
  const name = `conformance-${++n}`;
  const adapter = await openIdb(indexedDB, name);
  return { adapter, reopen: () => openIdb(indexedDB, name), teardown: () => adapter.close() };
});

runStorageAdapterTests('tab-forwarded (over indexeddb)', async () => {
  const indexedDB = new IDBFactory();
  const name = `conformance-tabs-${++n}`;
  const adapter = withForwardedKeys(await openIdb(indexedDB, name)).storage;
  return { adapter, reopen: async () => withForwardedKeys(await openIdb(indexedDB, name)).storage, teardown: () => adapter.close() };
});

runStorageAdapterTests('tab-forwarded (over memory)', async () => ({ adapter: withForwardedKeys(createMemoryStorage()).storage }));
