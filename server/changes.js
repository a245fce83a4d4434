// What a connection gets to see of the change log: chunked catch-up (sync_request ->
// sync_response) and the live fan-out of applied changes (entity_created / _updated / _deleted),
// both limited to what it subscribed to and may read (row level: visibility.js).
import { expired } from './auth.js';
import { wireChange } from './store.js';
import { collectionsOf } from './subscriptions.js';
import { catchUpView, liveView, removalOf, takePrevious, wantsCollectionChanges } from './visibility.js';
import { closeConn, sendError, sendRaw } from './wire.js';

const CHANGE_TYPES = { create: 'entity_created', update: 'entity_updated', delete: 'entity_deleted' };

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
    collections: collectionsOf(conn.subs),
    filter: (c) => wantsCollectionChanges(conn, c),
  });
  const parts = [];
  let bytes = 0;
  let { more, cursor } = chunk;
  for (const stored of chunk.changes) {
    // Row level (visibility.js): the change itself, a removal, or nothing.
    const change = catchUpView(conn, stored, since);
    if (!change) continue;
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

/**
 * Sends an applied change (server form, store.js) to every welcomed connection that wants it:
 * the change, or a removal to a connection that could read the entity before and cannot now.
 * The state before the change is known for this instance's own writes (visibility.js
 * rememberPrevious); for another instance's, an unreadable change is a removal.
 */
export function broadcast(ctx, change) {
  const wire = wireChange(change);
  const previous = takePrevious(ctx, wire);
  let frame = null;
  let removal = null;
  for (const conn of ctx.conns) {
    if (!conn.welcomed || conn.closed || expired(conn)) continue;
    const view = liveView(conn, wire, previous);
    if (view === 'send') sendRaw(conn, (frame ??= changeFrame(change.op, wire)));
    else if (view === 'remove') sendRaw(conn, (removal ??= changeFrame('delete', removalOf(wire))));
  }
}

function changeFrame(op, wire) {
  const message = { type: CHANGE_TYPES[op], collection: wire.collection, id: wire.id, version: wire.version, cursor: wire.cursor };
  if (op !== 'delete') message.data = wire.data;
  message.origin = wire.origin;
  if (wire.ts != null) message.ts = wire.ts;
  return JSON.stringify(message);
}
