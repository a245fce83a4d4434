// N offline creates against the reference server, then online until every one is acknowledged:
// the driver of bench/temp_ids.mjs (the figure) and tests/node/temp_ids.test.js (the checks).
// With server-assigned ids (`ids: 'server'`) a create without an id gets a temp id that the
// server's ack renames, in the entity and in every pending entry that names it.
import { createSyncClient } from '../../js/node.js';
import { startSyncServer } from '../../server/sync_server.js';

// Every other create names one made this many before it (a parent link), so references to temp
// ids are renamed too. 150: further back than the two batches in flight at once, so the parent's
// ack comes while the child is still queued.
export const PARENT_DISTANCE = 150;

/** The index of note i's parent, or null. */
export const parentIndex = (i) => (i % 2 === 1 && i >= PARENT_DISTANCE ? i - PARENT_DISTANCE : null);

/**
 * A reference server in this process and a client of it, offline, holding `count` pending creates
 * of notes titled `note <i>` with parent links by parentIndex.
 * @param {{ count: number, clientIds?: boolean, options?: object }} o  clientIds: ids n0, n1, ...
 *   chosen by the client (no rename); options: more createSyncClient options (storage, client).
 */
export async function offlineCreates({ count, clientIds = false, options = {} }) {
  const server = await startSyncServer({ logger: null });
  const client = await createSyncClient({ url: server.url, collections: { notes: { ids: 'server' } }, token: 't', ...options });
  const close = async () => {
    await client.close();
    await server.close();
  };
  client.goOffline();
  const notes = client.collection('notes');
  const ids = [];
  for (let i = 0; i < count; i++) {
    const p = parentIndex(i);
    const parent = p === null ? null : ids[p];
    ids.push(notes.create(clientIds ? { id: `n${i}`, title: `note ${i}`, parent } : { title: `note ${i}`, parent }).id);
  }
  await client.flush();
  return { server, client, notes, close };
}

/** Resolves when the client has no pending mutation left (its next statusChanged with pending 0). */
export function drained(client) {
  return new Promise((resolve) => {
    const off = client.on('statusChanged', (s) => {
      if (s.pending === 0) {
        off();
        resolve();
      }
    });
  });
}

/** The titles of the server's notes whose parent is not their parent's server id (by parentIndex). */
export async function wrongParentLinks(server) {
  const byTitle = new Map((await server.store.list('notes')).map((e) => [e.data.title, e.data]));
  return [...byTitle.values()]
    .filter((d) => {
      const p = parentIndex(Number(d.title.slice('note '.length)));
      return d.parent !== (p === null ? null : byTitle.get(`note ${p}`)?.id);
    })
    .map((d) => d.title);
}
