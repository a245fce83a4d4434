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
import { limitError } from './validate.js';
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
  const { stored, current } = await tx.lookup(key, m.collection, m.id);
  if (stored) {
    if (stored.userId !== actor.userId) return refuse(key, 'forbidden', `key ${key} was used by another user`);
    return present(actor, (await tx.apply(m, { userId: actor.userId, known: stored })).result, stored.collection);
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
  if (!canWrite(actor, m.collection, m, current))
    return refuse(key, 'forbidden', `user ${actor.userId} may not write ${m.collection}${current ? ` ${current.id}` : ''}`);
  // What no client could apply (bad ts, too deep, malformed text, too large) is never stored.
  const unfit = limitError(m, current, options);
  if (unfit || validate) {
    const verdict = unfit ?? (await validate({ mutation: m, current, userId: actor.userId, clientId: actor.clientId }));
    const message = typeof verdict === 'string' ? verdict : verdict?.message;
    if (message) return tx.recordAnswer(key, refuse(key, 'validation', message), { userId: actor.userId, collection: m.collection });
  }
  let mutation = m;
  const limit = Date.now() + options.maxClockDriftMs;
  if (isPlainObject(m.ts) && typeof m.ts.wall === 'number' && m.ts.wall > limit) mutation = { ...m, ts: { ...m.ts, wall: limit } };
  // 3.-4. version check, apply, log, store the answer
  const { result } = await tx.apply(mutation, { userId: actor.userId, known: null, current });
  // The state before, for the fan-out's removals (visibility.js).
  if (result.status === 'ok') rememberPrevious(ctx, { collection: m.collection, id: result.id, version: result.version }, current);
  return present(actor, result, m.collection);
}

const refuseAll = (mutations) =>
  mutations.map((m) => refuse(isPlainObject(m) ? m.key : undefined, 'transient', 'the server could not apply this now'));

/**
 * Applies a batch. Resolves to { results, changes } once committed (changes: what was applied,
 * ascending cursor). Batches that arrive while a transaction runs (other connections, server
 * writes) are applied together in the next one: one commit (one fsync, one turn of the cursor
 * lock) for all of them, each mutation still checked, applied and answered on its own. If the
 * transaction itself fails (the database is gone, the commit failed), nothing of it was applied
 * and every result is `transient`.
 */
export async function applyMutations(ctx, actor, mutations) {
  ctx.writeQueue ??= new WriteQueue(ctx);
  // Checks that read the database (files.js) run before the transaction: PGlite is one connection.
  if (ctx.beforeApply) await ctx.beforeApply(actor, mutations);
  return ctx.writeQueue.submit(actor, mutations);
}

const MAX_GROUP_MUTATIONS = 2000;

class WriteQueue {
  #ctx;
  #pending = [];
  #running = false;

  constructor(ctx) {
    this.#ctx = ctx;
  }

  submit(actor, mutations) {
    return new Promise((resolve) => {
      this.#pending.push({ actor, mutations, resolve });
      if (!this.#running) this.#drain();
    });
  }

  async #drain() {
    this.#running = true;
    while (this.#pending.length) {
      const group = [];
      let size = 0;
      while (this.#pending.length && (group.length === 0 || size + this.#pending[0].mutations.length <= MAX_GROUP_MUTATIONS)) {
        const item = this.#pending.shift();
        size += item.mutations.length;
        group.push(item);
      }
      await this.#run(group);
    }
    this.#running = false;
  }

  async #run(group) {
    // Fast: no savepoint per mutation (each costs two round trips while the cursor lock is held).
    // If anything throws, the whole transaction rolls back and the group runs again carefully:
    // a savepoint per mutation, so one bad mutation is refused alone.
    try {
      return this.#resolve(group, await this.#transaction(group, false));
    } catch {
      // (retried below)
    }
    try {
      this.#resolve(group, await this.#transaction(group, true));
    } catch (err) {
      this.#ctx.logger?.error?.('syncore sync server: push transaction failed:', err);
      for (const item of group) item.resolve({ results: refuseAll(item.mutations), changes: [] });
    }
  }

  async #transaction(group, careful) {
    const { value } = await this.#ctx.store.transaction(async (tx) => {
      const outcomes = [];
      tx.unguarded = !careful;
      for (const { actor, mutations } of group) {
        const from = tx.changes.length;
        const results = [];
        for (const m of mutations) results.push(careful ? await applyOne(this.#ctx, actor, tx, m) : await applyFast(this.#ctx, actor, tx, m));
        outcomes.push({ results, from, to: tx.changes.length });
      }
      return { outcomes, changes: tx.changes };
    });
    return value;
  }

  #resolve(group, value) {
    group.forEach((item, i) => {
      const { results, from, to } = value.outcomes[i];
      item.resolve({ results, changes: value.changes.slice(from, to) });
    });
  }
}

async function applyFast(ctx, actor, tx, m) {
  return processMutation(ctx, actor, tx, typeof m === 'function' ? await m(tx) : m);
}

/** One mutation in its own savepoint: one that fails leaves the others (and the transaction) whole. */
async function applyOne(ctx, actor, tx, m) {
  let mutation = m;
  try {
    // (A function builds its mutation inside the transaction: server-side writes, write.js.)
    return await tx.attempt(async () => {
      if (typeof m === 'function') mutation = await m(tx);
      return processMutation(ctx, actor, tx, mutation);
    });
  } catch (err) {
    try {
      return present(actor, (await tx.refuseData(err, mutation, actor.userId)).result, mutation.collection);
    } catch {
      ctx.logger?.error?.('syncore sync server: mutation failed:', err);
      return refuse(isPlainObject(mutation) ? mutation.key : undefined, 'transient', 'the server could not apply this now');
    }
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
  if (changes.length) await ctx.feed.deliveredUpTo(changes.at(-1).cursor);
  if (!drop) send(conn, { type: 'push_result', batch: msg.batch, results });
}
