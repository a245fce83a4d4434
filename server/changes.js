// What a connection gets to see of the change log: chunked catch-up (sync_request ->
// sync_response) and the live fan-out of applied changes (entity_created / _updated / _deleted),
// both limited to the collections it subscribed to and may read.
import { expired } from './auth.js';
import { catchUpView, liveView, removalOf, wantsCollectionChanges } from './visibility.js';
import { closeConn, sendError, sendRaw } from './wire.js';

const CHANGE_TYPES = { create: 'entity_created', update: 'entity_updated', delete: 'entity_deleted' };

export async function onSyncRequest(ctx, conn, msg) {
  const { store, options } = ctx;
  const since = msg.cursor ?? 0;
  const limit = msg.limit ?? options.defaultSyncLimit;
  if (!Number.isInteger(since) || since < 0)
    return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'sync_request' });
  if (!Number.isInteger(limit) || limit < 1)
    return sendError(conn, 'bad_message', 'limit must be a positive integer', { inReplyTo: 'sync_request' });
  if (expired(conn)) {
    sendError(conn, 'unauthorized', 'token expired');
    return closeConn(conn, 1008, 'unauthorized');
  }
  const max = Math.min(limit, options.maxSyncLimit);
  const budget = options.maxResponseBytes;
  const parts = [];
  let bytes = 0;
  let last = since;
  let more = false;
  const filter = (c) => wantsCollectionChanges(conn, c);
  for await (const stored of store.changesAfter(since, { compact: options.compactCatchUp, filter })) {
    // Row level (visibility.js): the change itself, a removal, or nothing.
    const change = catchUpView(conn, stored, since);
    if (!change) continue;
    if (parts.length >= max) {
      more = true;
      break;
    }
    const json = JSON.stringify(change);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && bytes + size > budget - 100) {
      more = true;
      break;
    }
    parts.push(json);
    bytes += size;
    last = change.cursor;
  }
  // Not "more": everything the connection may see up to the store's cursor was sent.
  const cursor = more ? last : Math.max(since, await store.cursor);
  sendRaw(conn, `{"type":"sync_response","cursor":${cursor},"more":${more},"changes":[${parts.join(',')}]}`);
}

/**
 * Sends an applied change to every welcomed connection that wants it (but `except`): the change,
 * or a removal to a connection that could read the entity before and cannot now. `previous`:
 * the entity before the change, when known (see visibility.js).
 */
export function broadcast(ctx, change, except, previous) {
  let frame = null;
  let removal = null;
  for (const conn of ctx.conns) {
    if (conn === except || !conn.welcomed || conn.closed || expired(conn)) continue;
    const view = liveView(conn, change, previous);
    if (view === 'send') sendRaw(conn, (frame ??= changeFrame(change)));
    else if (view === 'remove') sendRaw(conn, (removal ??= changeFrame({ ...removalOf(change), op: 'delete' })));
  }
}

function changeFrame(change) {
  const message = { type: CHANGE_TYPES[change.op], collection: change.collection, id: change.id, version: change.version, cursor: change.cursor };
  if (change.op !== 'delete') message.data = change.data;
  message.origin = change.origin;
  if (change.ts != null) message.ts = change.ts;
  return JSON.stringify(message);
}
