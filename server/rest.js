// REST endpoints on the sync server's port, for the REST adapter (js/transport/rest.js) and for
// other back ends: the same store, versions, idempotency, authorization, validation and fan-out
// as a WebSocket push (each write goes through push.js's processMutation).
//
//   POST   /api/<collection>/        create (body: the entity; an id that is not "tmp-…" is kept)
//   PUT    /api/<collection>/<id>/   replace with the full object (Content-Type application/json);
//                                     with application/merge-patch+json: a merge patch (the
//                                     adapter's default); a missing id is created
//   PATCH  /api/<collection>/<id>/   JSON merge patch (RFC 7396)
//   DELETE /api/<collection>/<id>/
//   GET    /api/<collection>/<id>/   the entity (ETag: its version), 404 when missing or unreadable
//   GET    /api/<collection>/?cursor=N&limit=M   changes after cursor: { changes, cursor, more }
//
// Headers: Authorization: Bearer <token> (401 without a valid one), Idempotency-Key (a write
// under a known key gets the stored answer; "<clientId>:<n>" keys share the WebSocket clients'
// ids and their owner binding), If-Match: "<version>" (the base version; 412 when it differs,
// without it the current version: last write wins). Answers: 200 / 201 with the entity and
// ETag, 409 / 412 { message, version, current } (current null when deleted, missing or not
// readable), 401 (class auth), 403 (forbidden), 413 (too large), 422 (validation), 503 (transient).
import { randomUUID } from 'node:crypto';
import { grantOfRequest, canReadEntity } from './auth.js';
import { pathUnder, readBody, replyJson } from './http.js';
import { jsonDepth } from './limits.js';
import { isPlainObject } from './mutation.js';
import { applyMutations } from './push.js';
import { initialSubscriptions } from './subscriptions.js';
import { catchUpView } from './visibility.js';

const STATUS_OF_CLASS = { validation: 422, forbidden: 403, auth: 401, transient: 503 };

class HttpError extends Error {
  constructor(status, message, extra = {}, headers = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
    this.headers = headers;
  }
}

async function bodyOf(req, limit) {
  const bytes = await readBody(req, limit);
  if (!bytes) throw new HttpError(413, `a body over ${limit} bytes`, { limit });
  return bytes;
}

/** The merge patch that turns `from` into `to` (fields of `from` missing in `to` become null). */
export function replacementPatch(from, to) {
  const patch = {};
  if (isPlainObject(from)) for (const k of Object.keys(from)) if (!Object.hasOwn(to, k)) patch[k] = null;
  for (const k of Object.keys(to)) {
    const a = isPlainObject(from) ? from[k] : undefined;
    const b = to[k];
    if (isPlainObject(a) && isPlainObject(b)) patch[k] = replacementPatch(a, b);
    else patch[k] = b;
  }
  return patch;
}

function ifMatch(req) {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const v = Number.parseInt(String(h).replace(/^W\//, '').replace(/"/g, ''), 10);
  if (!Number.isInteger(v)) throw new HttpError(400, 'If-Match must be a version: "<n>"');
  return v;
}

/**
 * A request handler for the REST endpoints: resolves true when it answered (the path is under
 * `prefix`), false otherwise (the caller serves the request).
 */
export function createRestHandler(ctx, { prefix = '/api' } = {}) {
  const { store, options, logger } = ctx;

  async function grantOf(req) {
    const grant = await grantOfRequest(ctx.authorize, req.headers.authorization, logger);
    if (grant.refused) throw new HttpError(401, grant.refused);
    return grant.auth;
  }

  /** The key and the client id it belongs to, claimed for this user. */
  async function keyFor(req, auth) {
    const header = req.headers['idempotency-key'];
    if (header !== undefined && (typeof header !== 'string' || header.length === 0 || header.length > 300))
      throw new HttpError(400, 'Idempotency-Key must be a non-empty string');
    let key = header ?? `rest-${auth.userId}:${randomUUID()}`;
    if (header !== undefined && !/^.+:.+$/.test(header)) key = `rest-${auth.userId}:${header}`;
    const clientId = key.slice(0, key.lastIndexOf(':'));
    const owner = await store.claimClient(clientId, auth.userId);
    if (owner !== auth.userId) throw new HttpError(403, `key ${key} belongs to another user`);
    return { key, clientId };
  }

  /** One mutation through push.js's checks in one transaction, fanned out; resolves to its result. */
  async function applyOne(actor, build) {
    const { results, changes } = await applyMutations(ctx, actor, [(tx) => build((c, i) => tx.get(c, i))]);
    if (changes.length) await ctx.feed.pump();
    return results[0];
  }

  async function write(req, res, auth, collection, id) {
    const body = req.method === 'DELETE' ? null : await bodyOf(req, options.maxMessageBytes);
    let data = null;
    if (body) {
      if (jsonDepth(body) > options.maxJsonDepth) throw new HttpError(422, `nested deeper than ${options.maxJsonDepth} levels`);
      try {
        data = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'the body is not valid JSON');
      }
      if (!isPlainObject(data)) throw new HttpError(422, 'the body must be a JSON object');
    }
    const { key, clientId } = await keyFor(req, auth);
    const base = ifMatch(req);
    const idField = typeof store.idField === 'function' ? store.idField(collection) : 'id';
    const ts = { wall: Date.now(), counter: 0, node: clientId };
    const mergePatchBody = /merge-patch/i.test(req.headers['content-type'] ?? '');
    let mutation;
    // Built from what the store holds when the write is applied (get: the store's or its
    // transaction's), so a full-object PUT replaces exactly the version it read.
    const build = async (get) => {
      if (req.method === 'POST') {
        const given = data[idField];
        const kept = given != null && !(typeof given === 'string' && given.startsWith('tmp-'));
        const tmp = `tmp-${randomUUID()}`;
        mutation = { key, collection, id: kept ? given : tmp, kind: 'create', data: kept ? data : { ...data, [idField]: tmp }, baseVersion: -1, ts };
        return mutation;
      }
      const current = await get(collection, id);
      const live = current && !current.deleted ? current : null;
      const baseVersion = base ?? live?.version ?? 0;
      if (req.method === 'DELETE') mutation = { key, collection, id, kind: 'delete', data: null, baseVersion, ts };
      else if (req.method === 'PATCH' || mergePatchBody) mutation = { key, collection, id, kind: 'update', data, baseVersion, ts };
      else if (!live && base === undefined) mutation = { key, collection, id, kind: 'create', data: { ...data, [idField]: id }, baseVersion: -1, ts };
      else mutation = { key, collection, id, kind: 'update', data: replacementPatch(live?.data ?? {}, { ...data, [idField]: live?.id ?? id }), baseVersion, ts };
      return mutation;
    };
    let result;
    try {
      result = await applyOne({ clientId, userId: auth.userId, auth }, build);
    } catch (err) {
      logger?.error?.('syncore sync server: REST write failed:', err);
      throw new HttpError(503, 'the server could not apply this now', {}, { 'Retry-After': '1' });
    }
    if (result.status === 'ok') {
      const headers = { ETag: `"${result.version}"` };
      if (mutation.kind === 'delete') return replyJson(res, 200, { [idField]: result.id ?? id, version: result.version }, headers);
      if (req.method === 'POST') headers.Location = `${prefix}/${encodeURIComponent(collection)}/${encodeURIComponent(result.id)}/`;
      return replyJson(res, req.method === 'POST' ? 201 : 200, result.data ?? { [idField]: result.id }, headers);
    }
    if (result.status === 'conflict') {
      return replyJson(res, base !== undefined ? 412 : 409, { message: 'version conflict', version: result.version ?? 0, current: result.data ?? null });
    }
    return replyJson(res, STATUS_OF_CLASS[result.class] ?? 422, { message: result.message, class: result.class });
  }

  async function read(req, res, auth, collection, id, url) {
    if (id !== undefined) {
      const e = await store.get(collection, id);
      if (!e || e.deleted || !canReadEntity({ auth }, collection, e)) throw new HttpError(404, 'not found');
      return replyJson(res, 200, e.data, { ETag: `"${e.version}"` });
    }
    const since = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? options.defaultSyncLimit), options.maxSyncLimit);
    if (!Number.isInteger(since) || since < 0 || !Number.isInteger(limit) || limit < 1) throw new HttpError(400, 'cursor and limit must be integers');
    const conn = { auth, subs: initialSubscriptions([collection]) };
    const chunk = await store.changesSince(since, {
      limit,
      compact: options.compactCatchUp,
      collections: [collection],
      filter: (c) => c === collection && canReadEntity({ auth }, c, undefined),
    });
    // Row level, as in catch-up: the change, a removal, or nothing (the chunk's cursor stands).
    const changes = chunk.changes.map((c) => catchUpView(conn, c, since)).filter(Boolean);
    return replyJson(res, 200, { changes, cursor: chunk.cursor, more: chunk.more });
  }

  return async function handleRest(req, res) {
    const route = pathUnder(req.url, prefix);
    if (!route) return false;
    const { url, parts } = route;
    try {
      if (url.searchParams.has('token') || url.searchParams.has('access_token'))
        throw new HttpError(400, 'the token belongs in the Authorization header, never in the URL');
      if (!parts) throw new HttpError(400, 'a malformed percent-encoding in the path');
      if (parts.length < 1 || parts.length > 2) throw new HttpError(404, 'no such endpoint: /api/<collection>/[<id>/]');
      const [collection, id] = parts;
      const methods = id === undefined ? ['GET', 'POST'] : ['GET', 'PUT', 'PATCH', 'DELETE'];
      if (!methods.includes(req.method)) throw new HttpError(405, `${req.method} is not allowed here`, {}, { Allow: methods.join(', ') });
      const auth = await grantOf(req);
      if (req.method === 'GET') await read(req, res, auth, collection, id, url);
      else await write(req, res, auth, collection, id);
    } catch (err) {
      if (!(err instanceof HttpError)) {
        logger?.error?.('syncore sync server: REST request failed:', err);
        err = new HttpError(503, 'the server could not answer this now');
      }
      const headers = err.status === 401 ? { 'WWW-Authenticate': 'Bearer', ...err.headers } : err.headers ?? {};
      if (!res.headersSent) replyJson(res, err.status, { message: err.message, ...err.extra }, headers);
      else res.destroy();
    }
    return true;
  };
}
