// Server-side writes: another part of the back end (a job, a webhook, another service) changes
// an entity. It goes through the same path as a client's push (push.js applyMutations: checks,
// authorization, validation, one transaction, versions, cursor, fan-out).
//
//   await sync.write('students', { id: 's1', name: 'Bo' }, { actor: 'registrar' })
//   await sync.write('students', { score: 3 }, { id: 's1', actor: { userId: 'registrar' } })
//   await sync.write('students', null, { id: 's1', op: 'delete', actor: 'registrar' })
//
// HTTP, for back ends in other languages (only when `writeSecret` is set):
//   POST /syncore/write  Authorization: Bearer <writeSecret>  [Idempotency-Key: <text>]
//   { "collection": "students", "id": "s1", "data": {…}, "op": "upsert", "actor": "registrar" }
//   -> 200 { status: "ok", id, version, data } | 409 conflict | 403 forbidden | 422 validation |
//      503 transient | 401 bad secret | 400 bad request
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { runAuthorize } from './auth.js';
import { isPlainObject, isTemporaryId } from './mutation.js';
import { applyMutations } from './push.js';

/** The client id server-side writes use in their keys ("server:<text>"). */
export const SERVER_CLIENT_ID = 'server';
const OPS = ['upsert', 'create', 'update', 'delete'];

/**
 * One server-side write. value: the entity (create / upsert) or a JSON merge patch (update /
 * upsert of an existing entity). options: { actor (a user id, or { userId, ... } handed to the
 * authorize hook), id (else value[idField]; a create without one gets a server id), op
 * ['upsert'], baseVersion (omitted: the current version, i.e. the server's write wins), key
 * (idempotency: the same key is applied once) }. Resolves to the push result.
 * The authorize hook is called as authorize({ actor, clientId: 'server' }) (no token).
 */
export async function serverWrite(ctx, collection, value, { actor = null, id, op = 'upsert', baseVersion, key } = {}) {
  if (!OPS.includes(op)) throw new TypeError(`op must be one of ${OPS.join(', ')}`);
  const actorInfo = typeof actor === 'object' && actor !== null ? actor : { userId: actor };
  const auth = await runAuthorize(
    (args) => ctx.authorize({ ...args, actor: actorInfo }),
    undefined,
    SERVER_CLIENT_ID,
    ctx.logger,
  );
  const mutationKey = `${SERVER_CLIENT_ID}:${key ?? randomUUID()}`;
  if (!auth) return { key: mutationKey, status: 'error', class: 'forbidden', message: 'the authorize hook refused this actor' };
  const writer = { clientId: SERVER_CLIENT_ID, userId: auth.userId ?? actorInfo.userId ?? null, auth };
  const idField = ctx.store.idField(collection);
  const entityId = id ?? (isPlainObject(value) ? value[idField] : undefined);
  // The mutation is built inside the transaction: the current version is read under its lock.
  const build = async (tx) => {
    const current = entityId == null || isTemporaryId(entityId) ? null : await tx.get(collection, entityId);
    const live = current && !current.deleted;
    const base = baseVersion ?? (live ? current.version : -1);
    const ts = { wall: Date.now(), counter: 0, node: SERVER_CLIENT_ID };
    if (op === 'delete') return { key: mutationKey, collection, id: entityId, kind: 'delete', data: null, baseVersion: base, ts };
    const kind = op === 'upsert' ? (live ? 'update' : 'create') : op;
    return { key: mutationKey, collection, id: entityId ?? null, kind, data: value, baseVersion: base, ts };
  };
  const { results, changes } = await applyMutations(ctx, writer, [build]);
  if (changes.length) await ctx.feed.deliveredUpTo(changes.at(-1).cursor);
  return results[0];
}

const STATUS_OF = { ok: 200, conflict: 409 };
const ERROR_STATUS = { forbidden: 403, validation: 422, auth: 401, transient: 503 };

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function secretMatches(header, secret) {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const wanted = Buffer.from(secret);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Handles POST <path> (see the top of this file); resolves once answered. */
export async function handleWriteRequest(ctx, req, res, { secret, maxBytes }) {
  if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
  if (!secretMatches(req.headers.authorization, secret)) return reply(res, 401, { error: 'bad or missing server secret' });
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBytes) return reply(res, 413, { error: `a body over ${maxBytes} bytes` });
    chunks.push(chunk);
  }
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return reply(res, 400, { error: 'the body is not JSON' });
  }
  if (!isPlainObject(body) || typeof body.collection !== 'string' || (body.op !== undefined && !OPS.includes(body.op)))
    return reply(res, 400, { error: 'the body is { collection, id?, data, op?, baseVersion?, actor? }' });
  const idempotencyKey = req.headers['idempotency-key'];
  const result = await serverWrite(ctx, body.collection, body.data ?? null, {
    actor: body.actor ?? null,
    id: body.id ?? undefined,
    op: body.op ?? 'upsert',
    baseVersion: Number.isInteger(body.baseVersion) ? body.baseVersion : undefined,
    key: typeof idempotencyKey === 'string' && idempotencyKey.length > 0 && idempotencyKey.length <= 200 ? idempotencyKey : undefined,
  });
  const status = STATUS_OF[result.status] ?? ERROR_STATUS[result.class] ?? 500;
  return reply(res, status, result);
}
