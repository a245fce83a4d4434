// What a connection gets to see of the change log: chunked catch-up (sync_request ->
// sync_response) and the live fan-out of applied changes (entity_created / _updated / _deleted),
// both limited to the collections it subscribed to and may read.
import { canRead, expired } from './auth.js';
import { wireChange } from './store.js';
import { closeConn, sendError, sendRaw } from './wire.js';

const CHANGE_TYPES = { create: 'entity_created', update: 'entity_updated', delete: 'entity_deleted' };

/** Does this connection receive changes of `collection`? */
export function wants(conn, collection) {
  return (conn.subs === null || conn.subs.has(collection)) && canRead(conn, collection);
}

export async function onSyncRequest(ctx, conn, msg) {
  const { store, options } = ctx;
  let since = msg.cursor ?? 0;
  const limit = msg.limit ?? options.defaultSyncLimit;
  if (!Number.isInteger(since) || since < 0)
    return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'sync_request' });
  if (!Number.isInteger(limit) || limit < 1)
    return sendError(conn, 'bad_message', 'limit must be a positive integer', { inReplyTo: 'sync_request' });
  if (expired(conn)) {
    sendError(conn, 'unauthorized', 'token expired');
    return closeConn(conn, 1008, 'unauthorized');
  }
  // Older than the horizon: changes it never saw may have been compacted away (tombstones
  // included), so incremental catch-up would silently miss deletions. Start over from 0 and say
  // so (docs/protocol.md, "Full resync").
  // Ahead of the head: the client saw changes this database does not have (a restore, another
  // database): its state cannot be trusted either.
  const { horizon, cursor: head } = await store.head();
  // (resync: true marks the next chunk of a full resync already under way: it goes on from there.)
  const reset = since > 0 && (since < horizon || since > head) && msg.resync !== true;
  if (reset) since = 0;
  const max = Math.min(limit, options.maxSyncLimit);
  const budget = options.maxResponseBytes;
  const chunk = await store.changesSince(since, {
    limit: max,
    compact: options.compactCatchUp,
    collections: conn.subs ? [...conn.subs] : null,
    filter: (c) => wants(conn, c),
  });
  const parts = [];
  let bytes = 0;
  let { more, cursor } = chunk;
  for (const change of chunk.changes) {
    const text = JSON.stringify(change);
    const size = Buffer.byteLength(text) + 1;
    if (parts.length > 0 && bytes + size > budget - 100) {
      // Over the byte budget: stop here; the next request resumes after the last one sent.
      more = true;
      cursor = JSON.parse(parts.at(-1)).cursor;
      break;
    }
    parts.push(text);
    bytes += size;
  }
  const resetField = reset ? `"reset":true,"horizon":${horizon},` : '';
  sendRaw(conn, `{"type":"sync_response",${resetField}"cursor":${cursor},"more":${more},"changes":[${parts.join(',')}]}`);
}

/** Sends an applied change (server form, store.js) to every welcomed connection that wants it. */
export function broadcast(ctx, change) {
  const wire = wireChange(change);
  const message = { type: CHANGE_TYPES[change.op], collection: wire.collection, id: wire.id, version: wire.version, cursor: wire.cursor };
  if (change.op !== 'delete') message.data = wire.data;
  message.origin = wire.origin;
  if (wire.ts != null) message.ts = wire.ts;
  const frame = JSON.stringify(message);
  for (const conn of ctx.conns) {
    if (!conn.welcomed || conn.closed || expired(conn) || !wants(conn, change.collection)) continue;
    sendRaw(conn, frame);
  }
}
