// push -> push_result: each mutation is checked (key owner, permission, validation) and applied
// in order; the whole batch is one store transaction, committed before the answer is sent, and
// its changes are fanned out (through the change feed, in cursor order) before the answer too.
// Server-side writes (write.js) go through the same applyMutations: one place checks a mutation.
//
// Refusal classes (docs/protocol.md): `validation` (malformed or refused by the validate hook;
// stored under the key), `forbidden` (the user may not write this, or the key names another
// client: refused for good, not stored, the client dead-letters it and goes on), `auth` (the
// token expired: the client pauses its queue until a new token), `transient` (retry later).
import { canReadEntity, canWrite, expired } from './auth.js';
import { rememberPrevious } from './visibility.js';
import { isPlainObject, mutationShapeError } from './mutation.js';
import { send, sendError } from './wire.js';

const refuse = (key, cls, message) => ({ key, status: 'error', class: cls, message });

/**
 * What an actor is shown of a result: no data of an entity it may not read (row level: a
 * conflict must not leak the current row, nor an ok answer a row the write moved out of reach).
 */
function present(actor, result, collection) {
  if (result.data == null || collection == null) return result;
  const id = result.id ?? result.data?.id;
  if (canReadEntity(actor, collection, { id, version: result.version, data: result.data })) return result;
  const { data, ...rest } = result;
  return rest;
}

/**
 * The one place a mutation is checked before it is applied. `actor`: { clientId, userId, auth }
 * (a connection, or a server-side writer). Runs inside the batch's transaction `tx`.
 */
export async function processMutation(ctx, actor, tx, m) {
  const { validate, options } = ctx;
  if (!isPlainObject(m)) return refuse(undefined, 'validation', 'a mutation must be an object');
  const { key } = m;
  const sep = typeof key === 'string' ? key.lastIndexOf(':') : -1;
  if (sep <= 0 || sep === key.length - 1) return refuse(key, 'validation', 'key must be "<clientId>:<n>"');
  // The connection's client id is bound to its user at hello: a key of another client is never
  // applied, nor is its stored answer shown.
  if (key.slice(0, sep) !== actor.clientId)
    return refuse(key, 'forbidden', `key ${key} does not belong to client ${actor.clientId}`);
  // 1. a known key: the stored answer (to the user who got it first)
  const stored = await tx.answerFor(key);
  if (stored) {
    if (stored.userId !== actor.userId) return refuse(key, 'forbidden', `key ${key} was used by another user`);
    return present(actor, (await tx.apply(m, { userId: actor.userId })).result, stored.collection);
  }
  if (expired(actor)) return refuse(key, 'auth', 'token expired');
  // Nested deeper than maxJsonDepth (found on the frame's bytes, session.js): refused for good.
  if (ctx.overDeep?.has(m)) {
    const message = `nested deeper than ${options.maxJsonDepth} levels`;
    return tx.recordAnswer(key, refuse(key, 'validation', message), { userId: actor.userId, collection: typeof m.collection === 'string' ? m.collection : null });
  }
  // 2. validation and permission
  const shapeError = mutationShapeError(m);
  if (shapeError) {
    return tx.recordAnswer(key, refuse(key, 'validation', shapeError), {
      userId: actor.userId,
      collection: typeof m.collection === 'string' ? m.collection : null,
    });
  }
  // Per-entity rules (e.g. "only the owner edits") need what is there now: `current`.
  const current = m.id == null ? null : await tx.get(m.collection, m.id);
  if (!canWrite(actor, m.collection, m, current))
    return refuse(key, 'forbidden', `user ${actor.userId} may not write ${m.collection}${current ? ` ${current.id}` : ''}`);
  if (validate) {
    const verdict = await validate({ mutation: m, current, userId: actor.userId, clientId: actor.clientId });
    const message = typeof verdict === 'string' ? verdict : verdict?.message;
    if (message) return tx.recordAnswer(key, refuse(key, 'validation', message), { userId: actor.userId, collection: m.collection });
  }
  let mutation = m;
  const limit = Date.now() + options.maxClockDriftMs;
  if (isPlainObject(m.ts) && typeof m.ts.wall === 'number' && m.ts.wall > limit) mutation = { ...m, ts: { ...m.ts, wall: limit } };
  // 3.-4. version check, apply, log, store the answer
  const { result } = await tx.apply(mutation, { userId: actor.userId });
  // The state before, for the fan-out's removals (visibility.js).
  if (result.status === 'ok') rememberPrevious(ctx, { collection: m.collection, id: result.id, version: result.version }, current);
  return present(actor, result, m.collection);
}

/**
 * Applies a batch as one transaction. Resolves to { results, changes } once committed (changes:
 * what was applied, ascending cursor). If the transaction itself fails (the database is gone,
 * the commit failed), nothing was applied and every result is `transient`.
 */
export async function applyMutations(ctx, actor, mutations) {
  const { store, logger } = ctx;
  try {
    const { value: results, changes } = await store.transaction(async (tx) => {
      const out = [];
      for (const m of mutations) {
        try {
          // A savepoint per mutation: one that fails leaves the others (and the transaction) whole.
          // (A function builds its mutation inside the transaction: server-side writes, write.js.)
          out.push(await tx.attempt(async () => processMutation(ctx, actor, tx, typeof m === 'function' ? await m(tx) : m)));
        } catch (err) {
          logger?.error?.('syncore sync server: mutation failed:', err);
          out.push(refuse(isPlainObject(m) ? m.key : undefined, 'transient', 'the server could not apply this now'));
        }
      }
      return out;
    });
    return { results, changes };
  } catch (err) {
    logger?.error?.('syncore sync server: push transaction failed:', err);
    const results = mutations.map((m) => refuse(isPlainObject(m) ? m.key : undefined, 'transient', 'the server could not apply this now'));
    return { results, changes: [] };
  }
}

export async function onPush(ctx, conn, msg) {
  const { options } = ctx;
  if (!Array.isArray(msg.mutations))
    return sendError(conn, 'bad_message', 'push needs mutations: a list', { inReplyTo: 'push', batch: msg.batch });
  if (msg.mutations.length > options.maxBatchMutations)
    return sendError(conn, 'too_large', `a push carries at most ${options.maxBatchMutations} mutations`, {
      inReplyTo: 'push',
      batch: msg.batch,
      limit: options.maxBatchMutations,
    });
  const { results, changes } = await applyMutations(ctx, conn, msg.mutations);
  const drop = ctx.shouldDropAck({ clientId: conn.clientId, userId: conn.userId, batch: msg.batch, mutations: msg.mutations, results });
  if (drop) {
    conn.closed = true;
    conn.ws.terminate();
  }
  // Fan-out first (every instance's feed delivers in cursor order; ours right now), then the answer.
  if (changes.length) await ctx.feed.pump();
  if (!drop) send(conn, { type: 'push_result', batch: msg.batch, results });
}
