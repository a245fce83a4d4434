// Every translation between the wire protocol's shapes (docs/protocol.md) and the core's: server
// changes and push results into core operations, live messages into changes, and, for the leader
// tab's relay (which plays the server for follower tabs), forwarded pushes into core mutations and
// its answers and changes back into wire shapes. Transports carry messages; this file reads them.
import { PushStatus, ErrorClass } from './vocabulary.js';

/** A server change (catch-up chunk or live) as a core operation; anything not an object as-is (the core sets it aside). */
export function coreOpOfChange(c) {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return c;
  // A temp id the server renamed, for an entity held under it (a follower tab's, js/tabs/).
  if (c.op === 'rename') return { op: 'rename', collection: c.collection, from: c.from, to: c.to };
  const op = { op: c.op === 'delete' ? 'delete' : 'upsert', collection: c.collection, id: c.id, version: c.version };
  if (op.op === 'upsert') op.data = c.data;
  if (c.origin) op.origin = c.origin;
  if (c.ts !== undefined && c.ts !== null) op.ts = c.ts;
  return op;
}

/** A push_result's results as the core's ack / conflict / reject operations (results without a key are dropped). */
export function coreOpsOfPushResults(results) {
  const ops = [];
  for (const r of results) {
    if (!r || typeof r.key !== 'string') continue;
    if (r.status === PushStatus.OK) ops.push({ op: 'ack', key: r.key, version: r.version, id: r.id, data: r.data ?? null });
    else if (r.status === PushStatus.CONFLICT) ops.push({ op: 'conflict', key: r.key, version: r.version ?? 0, data: r.data ?? null });
    // forbidden (no permission for this one mutation) is final like validation: the core
    // dead-letters it and the queue goes on; only `auth` (the token) pauses the queue.
    else ops.push({ op: 'reject', key: r.key, class: r.class ?? ErrorClass.TRANSIENT, message: r.message ?? '' });
  }
  return ops;
}

/** entity_created / entity_updated / entity_deleted -> the change it carries. */
export function changeOfLiveMessage(msg) {
  return { ...msg, op: msg.type === 'entity_deleted' ? 'delete' : 'upsert' };
}

// ---- the relay's side (js/tabs/relay.js) ----------------------------------------------------------

/**
 * A forwarded mutation ({ key, kind, collection, id?, data? }) as a core mutate request, with `id`
 * already mapped to the entity's current id: { request } or { error }.
 */
export function mutateRequestOfPushed(m, id, idField) {
  const c = m.collection;
  let request;
  if (m.kind === 'create') request = { collection: c, op: 'create', id, data: { ...(m.data ?? {}), [idField]: id } };
  else if (m.kind === 'update') request = { collection: c, op: 'update', id, patch: m.data ?? {} };
  else if (m.kind === 'delete') request = { collection: c, op: 'delete', id };
  else return { error: `unknown mutation kind ${JSON.stringify(m.kind)}` };
  if (id === undefined) delete request.id;
  return { request };
}

/** One entry of a push_result: ok (with the entity as it is now), conflict, or a validation error. */
export function pushResultOf({ key, collection, id, error, conflict }, { data, version }) {
  if (error) return { key, status: PushStatus.ERROR, class: ErrorClass.VALIDATION, message: error };
  if (conflict) return { key, collection, status: PushStatus.CONFLICT, version, data };
  return { key, collection, status: PushStatus.OK, id, version, data };
}

/** An entity as a wire change: upsert with its data, or delete when it is gone (data undefined). */
export function changeOfEntity(collection, id, data, version) {
  return data === undefined ? { op: 'delete', collection, id, version } : { op: 'upsert', collection, id, version, data };
}

/** A commit's `renamed` ({ collection: { from: to } }) as the wire's [{ collection, from, to }]. */
export function renamesOfCommit(commit) {
  const out = [];
  for (const [collection, map] of Object.entries(commit.renamed ?? {})) {
    for (const [from, to] of Object.entries(map)) out.push({ collection, from, to });
  }
  return out;
}

/** Every entity a commit changed: [collection, id] pairs (created, updated, deleted). */
export function changedEntitiesOfCommit(commit) {
  const out = [];
  for (const [collection, change] of Object.entries(commit.changes ?? {})) {
    for (const id of [...(change.created ?? []), ...(change.updated ?? []), ...(change.deleted ?? [])]) out.push([collection, id]);
  }
  return out;
}
