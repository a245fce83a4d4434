// push -> push_result: each mutation is checked (key owner, permission, validation) and applied
// as one store transaction, in order; applied changes are broadcast after the batch.
//
// Refusal classes (docs/protocol.md): `validation` (malformed or refused by the validate hook;
// stored under the key), `forbidden` (the user may not write this, or the key names another
// client: refused for good, not stored, the client dead-letters it and goes on), `auth` (the
// token expired: the client pauses its queue until a new token), `transient` (retry later).
import { canRead, canWrite, expired } from './auth.js';
import { broadcast } from './changes.js';
import { isPlainObject, mutationShapeError } from './mutation.js';
import { limitError } from './validate.js';
import { send, sendError } from './wire.js';

const refuse = (key, cls, message) => ({ key, status: 'error', class: cls, message });

/** What a connection is shown of a result: no data from collections it may not read. */
function present(conn, result, collection) {
  if (result.data === undefined || collection == null || canRead(conn, collection)) return result;
  const { data, ...rest } = result;
  return rest;
}

function processMutation(ctx, conn, m, changes) {
  const { store, validate, options } = ctx;
  if (!isPlainObject(m)) return refuse(undefined, 'validation', 'a mutation must be an object');
  const { key } = m;
  const sep = typeof key === 'string' ? key.lastIndexOf(':') : -1;
  if (sep <= 0 || sep === key.length - 1) return refuse(key, 'validation', 'key must be "<clientId>:<n>"');
  // The connection's client id is bound to its user at hello: a key of another client is never
  // applied, nor is its stored answer shown.
  if (key.slice(0, sep) !== conn.clientId)
    return refuse(key, 'forbidden', `key ${key} does not belong to client ${conn.clientId}`);
  // 1. a known key: the stored answer (to the user who got it first)
  const stored = store.answerFor(key);
  if (stored) {
    if (stored.userId !== conn.userId) return refuse(key, 'forbidden', `key ${key} was used by another user`);
    return present(conn, stored.answer, stored.collection);
  }
  if (expired(conn)) return refuse(key, 'auth', 'token expired');
  // 2. validation and permission
  const shapeError = mutationShapeError(m);
  if (shapeError) {
    return store.recordAnswer(key, refuse(key, 'validation', shapeError), {
      userId: conn.userId,
      collection: typeof m.collection === 'string' ? m.collection : null,
    });
  }
  // Per-entity rules (e.g. "only the owner edits") need what is there now: `current`.
  const current = m.id == null ? null : store.get(m.collection, m.id);
  if (!canWrite(conn, m.collection, m, current))
    return refuse(key, 'forbidden', `user ${conn.userId} may not write ${m.collection}${current ? ` ${current.id}` : ''}`);
  // What no client could apply (bad ts, too deep, malformed text, too large) is never stored.
  const unfit = limitError(m, current, options);
  if (unfit || validate) {
    const verdict = unfit ?? validate({ mutation: m, current, userId: conn.userId, clientId: conn.clientId });
    const message = typeof verdict === 'string' ? verdict : verdict?.message;
    if (message) {
      return store.recordAnswer(key, refuse(key, 'validation', message), { userId: conn.userId, collection: m.collection });
    }
  }
  let mutation = m;
  const limit = Date.now() + options.maxClockDriftMs;
  if (isPlainObject(m.ts) && typeof m.ts.wall === 'number' && m.ts.wall > limit) mutation = { ...m, ts: { ...m.ts, wall: limit } };
  // 3.-4. version check, apply, log, store the answer
  const { result, change } = store.apply(mutation, { userId: conn.userId });
  if (change) changes.push(change);
  return present(conn, result, m.collection);
}

export function onPush(ctx, conn, msg) {
  const { options, logger } = ctx;
  if (!Array.isArray(msg.mutations))
    return sendError(conn, 'bad_message', 'push needs mutations: a list', { inReplyTo: 'push', batch: msg.batch });
  if (msg.mutations.length > options.maxBatchMutations)
    return sendError(conn, 'too_large', `a push carries at most ${options.maxBatchMutations} mutations`, {
      inReplyTo: 'push',
      batch: msg.batch,
      limit: options.maxBatchMutations,
    });
  const results = [];
  const changes = [];
  for (const m of msg.mutations) {
    let result;
    try {
      result = processMutation(ctx, conn, m, changes);
    } catch (err) {
      logger?.error?.('syncore sync server: mutation failed:', err);
      result = refuse(isPlainObject(m) ? m.key : undefined, 'transient', 'the server could not apply this now');
    }
    results.push(result);
  }
  const drop = ctx.shouldDropAck({ clientId: conn.clientId, userId: conn.userId, batch: msg.batch, mutations: msg.mutations, results });
  if (drop) {
    conn.closed = true;
    conn.ws.terminate();
  }
  for (const change of changes) broadcast(ctx, change, drop ? conn : null);
  if (!drop) send(conn, { type: 'push_result', batch: msg.batch, results });
}
