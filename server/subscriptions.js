// What a connection asked to receive: whole collections (hello `collections`, `subscribe`) and
// single entities (`subscribe` with `collection` + `ids`, seed 000's per-entity groups), and
// `unsubscribe` of either. Bounded: at most `maxSubscriptions` names per connection, so a client
// cannot grow the server's memory by subscribing to millions of names.
import { sendError } from './wire.js';

const MAX_NAME = 200;

const validName = (c) => typeof c === 'string' && c.length > 0 && c.length <= MAX_NAME;
const validId = (id) => (typeof id === 'string' && id.length > 0 && id.length <= 256) || Number.isSafeInteger(id);

/** A fresh subscription state: everything readable (collections null) or the listed collections. */
export function initialSubscriptions(collections) {
  return {
    collections: collections === undefined ? null : new Set(collections), // null: all readable
    excluded: new Set(), // collections unsubscribed while `collections` is null
    entities: new Map(), // collection -> Set(id as text)
  };
}

function size(subs) {
  let n = (subs.collections?.size ?? 0) + subs.excluded.size;
  for (const ids of subs.entities.values()) n += ids.size;
  return n;
}

/** Does the connection want this collection as a whole? */
export function wantsCollection(subs, collection) {
  return subs.collections === null ? !subs.excluded.has(collection) : subs.collections.has(collection);
}

/** Does it want this entity (its collection, or the entity by itself)? */
export function wantsEntity(subs, collection, id) {
  return wantsCollection(subs, collection) || Boolean(subs.entities.get(collection)?.has(String(id)));
}

/** Does it want anything of this collection (for catch-up's first filter)? */
export function wantsAnyOf(subs, collection) {
  return wantsCollection(subs, collection) || (subs.entities.get(collection)?.size ?? 0) > 0;
}

/** Why a hello's collection list is refused, or null. */
export function helloCollectionsError(collections, maxSubscriptions) {
  if (collections === undefined) return null;
  if (!Array.isArray(collections) || !collections.every(validName)) return { code: 'bad_message', message: 'collections must be a list of names' };
  if (collections.length > maxSubscriptions)
    return { code: 'too_large', message: `at most ${maxSubscriptions} subscriptions per connection`, limit: maxSubscriptions };
  return null;
}

/** The names a subscribe / unsubscribe message carries: { collections, collection, ids } or an error text. */
function parse(msg) {
  // Seed 000's form: { entity_type, entity_id }.
  const collection = msg.collection ?? msg.entity_type;
  const ids = msg.ids ?? (msg.entity_id !== undefined ? [msg.entity_id] : undefined);
  const collections = msg.collections;
  if (collections === undefined && ids === undefined)
    return 'needs collections (a list of names) or collection + ids';
  if (collections !== undefined && !(Array.isArray(collections) && collections.every(validName)))
    return 'collections must be a list of names';
  if (ids !== undefined && !(validName(collection) && Array.isArray(ids) && ids.every(validId)))
    return 'ids must be a list of entity ids, with collection a name';
  return { collections: collections ?? [], collection, ids: ids ?? [] };
}

export function onSubscribe(ctx, conn, msg) {
  const parsed = parse(msg);
  if (typeof parsed === 'string') return sendError(conn, 'bad_message', `subscribe ${parsed}`, { inReplyTo: 'subscribe' });
  const subs = conn.subs;
  const max = ctx.options.maxSubscriptions;
  // Counted before anything is added: a refused subscribe changes nothing.
  if (size(subs) + parsed.collections.length + parsed.ids.length > max)
    return sendError(conn, 'too_large', `at most ${max} subscriptions per connection`, { inReplyTo: 'subscribe', limit: max });
  for (const c of parsed.collections) {
    if (subs.collections === null) subs.excluded.delete(c);
    else subs.collections.add(c);
  }
  if (parsed.ids.length > 0) {
    let ids = subs.entities.get(parsed.collection);
    if (!ids) subs.entities.set(parsed.collection, (ids = new Set()));
    for (const id of parsed.ids) ids.add(String(id));
  }
}

export function onUnsubscribe(ctx, conn, msg) {
  const parsed = parse(msg);
  if (typeof parsed === 'string') return sendError(conn, 'bad_message', `unsubscribe ${parsed}`, { inReplyTo: 'unsubscribe' });
  const subs = conn.subs;
  const max = ctx.options.maxSubscriptions;
  for (const c of parsed.collections) {
    if (subs.collections !== null) subs.collections.delete(c);
    else if (size(subs) < max) subs.excluded.add(c);
    else return sendError(conn, 'too_large', `at most ${max} subscriptions per connection`, { inReplyTo: 'unsubscribe', limit: max });
    subs.entities.delete(c);
  }
  const ids = subs.entities.get(parsed.collection);
  if (ids) {
    for (const id of parsed.ids) ids.delete(String(id));
    if (ids.size === 0) subs.entities.delete(parsed.collection);
  }
}

/** The collections a store query may be limited to (null: every collection). */
export function collectionsOf(subs) {
  if (!subs || subs.collections === null) return null;
  return [...new Set([...subs.collections, ...subs.entities.keys()])];
}
