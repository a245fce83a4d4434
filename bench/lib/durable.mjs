// W4 and W5 through the project's own client and IndexedDB storage adapter, written once for
// both hosts: Node passes fake-indexeddb's factory, the Chromium page passes window.indexedDB.
// Environment-free on purpose (no node: imports) so the bench page can import it as is.

import { distinctText } from './text.mjs';

const now = () => performance.now();
// ~1 KB entities, each note its own text (as bench/lib/data.mjs kbEntity).
export const kbEntity = (i) => ({ id: `k${i}`, title: `entity ${i}`, score: i % 1000, note: distinctText(i, 950) });

/** W4: ms from the first of `count` client.mutate calls until all are durable (flush resolved). */
export async function durableEnqueue({ createSyncClient, openIndexedDbStorage, indexedDB, count, dbName }) {
  const storage = await openIndexedDbStorage({ name: dbName, indexedDB });
  const client = await createSyncClient({ collections: { k: {} }, storage, client: { clientId: 'bench', seed: 1 } });
  client.goOffline(); // nothing to send to: the outbox only has to make them durable
  // The app's objects exist before it writes them: the bench's text generator (~8 % of the run in
  // Chromium's profile, stop 27) stays out of the timed part.
  const entities = Array.from({ length: count }, (_, i) => kbEntity(i));
  const start = now();
  for (let i = 0; i < count; i++) client.mutate({ collection: 'k', op: 'create', data: entities[i] });
  await client.flush();
  const ms = now() - start;
  const pending = client.getStats?.().pending ?? client.core.pendingMutations().length;
  await client.close();
  await storage.close?.();
  if (pending !== count) throw new Error(`W4: ${pending} of ${count} mutations pending`);
  return ms;
}

/** Writes `count` ~1 KB server entities into a database (as a first sync would) and closes it. */
export async function fillDatabase({ createSyncClient, openIndexedDbStorage, indexedDB, count, dbName }) {
  const storage = await openIndexedDbStorage({ name: dbName, indexedDB });
  const client = await createSyncClient({ collections: { k: {} }, storage, client: { clientId: 'bench', seed: 1 } });
  client.goOffline();
  client.core.load('k', Array.from({ length: count }, (_, i) => ({ id: `k${i}`, version: 1, data: kbEntity(i) })));
  await client.flush();
  await client.close();
  await storage.close?.();
  // As a client leaves it after its next start: entities folded into pages (an adapter that has
  // them, js/storage/entity_pages.js; that start's own cost is the migration, measured apart).
  const again = await openIndexedDbStorage({ name: dbName, indexedDB });
  await again.compact?.();
  await again.close?.();
}

/** W5: ms to open the storage and start a client that holds every stored entity. */
export async function hydrate({ createSyncClient, openIndexedDbStorage, indexedDB, count, dbName }) {
  const start = now();
  const storage = await openIndexedDbStorage({ name: dbName, indexedDB });
  const client = await createSyncClient({ collections: { k: {} }, storage, client: { clientId: 'bench', seed: 1 } });
  const ms = now() - start;
  const n = client.core.count('k');
  await client.close();
  await storage.close?.();
  if (n !== count) throw new Error(`W5: hydrated ${n} of ${count} entities`);
  return ms;
}
