// Row-level reads: what a connection is shown of a change, given what it subscribed to and what
// its grant may read (authorize.canRead(user, collection, entity)).
//
// A user who could read an entity and no longer can (the entity moved out of their reach, or
// their own rights changed) gets a removal: a delete of that entity for them alone, carrying the
// id and version and nothing of the data. Without it the client would keep the last state it saw.
import { canRead, canReadEntity } from './auth.js';
import { wantsAnyOf, wantsEntity } from './subscriptions.js';

const entityOf = (change) => ({ id: change.id, version: change.version, data: change.data });

/** Catch-up's first, cheap filter: may this connection see anything of the collection? */
export function wantsCollectionChanges(conn, collection) {
  return wantsAnyOf(conn.subs, collection) && canRead(conn, collection);
}

/** A removal of `change`'s entity in wire form (no data, no origin: nothing of another's write). */
export function removalOf(change) {
  return { op: 'delete', collection: change.collection, id: change.id, version: change.version, origin: null, cursor: change.cursor };
}

/**
 * A catch-up change (wire form) as this connection may see it: itself, a removal, or null.
 * From cursor 0 the client holds nothing, so unreadable entities are simply left out; from a
 * later cursor the server cannot know what the client holds, so each changed entity it may not
 * read is removed (an id it may have seen before, never data).
 */
export function catchUpView(conn, change, since) {
  if (!wantsEntity(conn.subs, change.collection, change.id)) return null;
  if (change.op === 'delete') return change;
  if (canReadEntity(conn, change.collection, entityOf(change))) return change;
  return since === 0 ? null : removalOf(change);
}

/**
 * A live change for this connection: 'send', 'remove' or null. `previous` is the entity before
 * the change ({ id, version, data, deleted } or null), when the writer knew it: a connection
 * that could not read the previous state is not told about an entity it cannot read now.
 */
export function liveView(conn, change, previous) {
  if (!wantsEntity(conn.subs, change.collection, change.id) || !canRead(conn, change.collection)) return null;
  const couldRead =
    previous === undefined ? true : previous !== null && !previous.deleted && canReadEntity(conn, change.collection, previous);
  if (change.op === 'delete') return couldRead ? 'send' : null;
  if (canReadEntity(conn, change.collection, entityOf(change))) return 'send';
  return couldRead ? 'remove' : null;
}

/**
 * After a new token: removals for every entity the old grant could read and the new one cannot.
 * Reads the store's current entities of the collections the connection wants.
 */
export async function removalsAfterRegrant(store, conn, oldAuth) {
  const out = [];
  const newAuth = conn.auth;
  const names = await store.collectionNames();
  for (const collection of names) {
    if (!wantsAnyOf(conn.subs, collection)) continue;
    for (const e of await store.list(collection)) {
      if (!wantsEntity(conn.subs, collection, e.id)) continue;
      const before = canReadEntity({ auth: oldAuth }, collection, e);
      const now = canReadEntity({ auth: newAuth }, collection, e);
      if (before && !now) out.push({ collection, id: e.id, version: e.version });
    }
  }
  return out;
}

// ---- the state before a change, for live removals ----
// An instance knows the previous state of the changes it applies itself (push.js); the change
// feed (feed.js) delivers them after commit, so they wait here, keyed by entity and version.
// Bounded: entries of transactions that rolled back, or of changes another instance's feed
// delivers, never grow it past PREVIOUS_LIMIT (the oldest go first).
const PREVIOUS_LIMIT = 10_000;
const previousKey = (c) => `${c.collection}\u0000${c.id}\u0000${c.version}`;

export function rememberPrevious(ctx, change, previous) {
  ctx.previousStates ??= new Map();
  const states = ctx.previousStates;
  states.set(previousKey(change), previous ?? null);
  if (states.size > PREVIOUS_LIMIT) states.delete(states.keys().next().value);
}

/** The remembered previous state of a change (and forgets it), or undefined when unknown. */
export function takePrevious(ctx, change) {
  const states = ctx.previousStates;
  if (!states) return undefined;
  const key = previousKey(change);
  if (!states.has(key)) return undefined;
  const previous = states.get(key);
  states.delete(key);
  return previous;
}
