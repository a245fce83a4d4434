// The REST adapter: for apps without a sync server, the outbox pushes to plain endpoints
//   POST /api/<collection>/          create (body: the entity)
//   PUT  /api/<collection>/<id>/     update (body: a JSON merge patch; see updateMethod)
//   DELETE /api/<collection>/<id>/   delete
// with an Idempotency-Key header (the mutation's key), If-Match with the base version and the
// token as a Bearer header. Status codes map to the outbox's error classes. Pulls come from a
// user function, or with pullCollections from GET /api/<collection>/?cursor= (the reference
// server's list by cursor), on connect, on "Sync now" and every pollIntervalMs.
//
// updateMethod: 'PUT' [default] sends the merge patch with PUT (Content-Type
// application/merge-patch+json); 'PATCH' sends it with PATCH; 'PUT-full' sends the whole object
// with PUT (application/json), for back ends whose PUT replaces (seed 000's API): the adapter
// GETs the entity, checks its version against the base version (a conflict otherwise), applies
// the patch to it and PUTs the result with If-Match.
import { ErrorClass, PushStatus } from '../vocabulary.js';
import { mergePatch } from '../merge_patch.js';

// 401: the token (pause the queue until a new one); 403: this write is not allowed (final).
function classify(status) {
  if (status === 401) return ErrorClass.AUTH;
  if (status === 403) return ErrorClass.FORBIDDEN;
  if (status === 409 || status === 412) return ErrorClass.CONFLICT;
  if (status === 408 || status === 425 || status === 429 || status >= 500) return ErrorClass.TRANSIENT;
  return ErrorClass.VALIDATION;
}



const UPDATE_METHODS = ['PUT', 'PATCH', 'PUT-full'];

async function bodyOf(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export function createRestTransport({
  baseUrl,
  fetch: fetchImpl = globalThis.fetch,
  pull,
  pollIntervalMs = 0,
  idField = 'id',
  versionField = 'version',
  headers = {},
  updateMethod = 'PUT',
  pullCollections,
  pullLimit = 500,
} = {}) {
  if (!UPDATE_METHODS.includes(updateMethod)) throw new TypeError(`updateMethod must be one of ${UPDATE_METHODS.join(', ')}`);
  if (pullCollections !== undefined && !(Array.isArray(pullCollections) && pullCollections.every((c) => typeof c === 'string')))
    throw new TypeError('pullCollections must be a list of collection names');
  if (typeof fetchImpl !== 'function') throw new TypeError('no fetch implementation: pass { fetch }');
  if (typeof baseUrl !== 'string' && !(baseUrl instanceof URL)) throw new TypeError('baseUrl must be a string or URL');
  const base = String(baseUrl).replace(/\/+$/, '');
  let sink = null;
  let session = null;
  let wanted = false;
  let pollTimer = null;
  let pulling = false;
  let authBlocked = false;
  const stats = { requests: 0, failures: 0, pulls: 0 };

  const urlFor = (m) => {
    const collection = encodeURIComponent(m.collection);
    return m.kind === 'create' ? `${base}/api/${collection}/` : `${base}/api/${collection}/${encodeURIComponent(m.id)}/`;
  };

  const authHeaders = () => {
    const { token } = session();
    return token ? { ...headers, Authorization: `Bearer ${token}` } : { ...headers };
  };

  /** 'PUT-full': the entity as the server has it, or a ready answer (a conflict, an error). */
  async function currentFor(m) {
    stats.requests++;
    const response = await fetchImpl(urlFor(m), { method: 'GET', headers: authHeaders() });
    const data = await bodyOf(response).catch(() => null);
    if (response.status === 404) return { answer: { key: m.key, status: PushStatus.CONFLICT, version: 0, data: null } };
    if (!response.ok) return { response, data };
    const etag = Number.parseInt(String(response.headers?.get?.('ETag') ?? '').replace(/\D/g, ''), 10);
    const version = Number.isInteger(data?.[versionField]) ? data[versionField] : etag;
    if (m.baseVersion >= 0 && version !== m.baseVersion) return { answer: { key: m.key, status: PushStatus.CONFLICT, version, data } };
    return { entity: data };
  }

  async function pushOne(m) {
    const h = { ...authHeaders(), 'Idempotency-Key': m.key };
    if (m.kind !== 'create' && m.baseVersion >= 0) h['If-Match'] = `"${m.baseVersion}"`;
    let body;
    const method = m.kind === 'create' ? 'POST' : m.kind === 'update' ? (updateMethod === 'PATCH' ? 'PATCH' : 'PUT') : 'DELETE';
    let response;
    let data;
    try {
      if (m.kind === 'create') {
        h['Content-Type'] = 'application/json';
        body = JSON.stringify(m.data);
      } else if (m.kind === 'update' && updateMethod === 'PUT-full') {
        const current = await currentFor(m);
        if (current.answer) return current.answer;
        if (current.response) ({ response, data } = current);
        else {
          h['Content-Type'] = 'application/json';
          body = JSON.stringify(mergePatch(current.entity, m.data));
        }
      } else if (m.kind === 'update') {
        h['Content-Type'] = 'application/merge-patch+json';
        body = JSON.stringify(m.data);
      }
      if (!response) {
        stats.requests++;
        response = await fetchImpl(urlFor(m), { method, headers: h, body });
        data = await bodyOf(response).catch(() => null);
      }
    } catch (err) {
      stats.failures++;
      return { key: m.key, status: PushStatus.ERROR, class: ErrorClass.TRANSIENT, message: `network: ${err?.message ?? err}` };
    }
    if (response.ok) {
      const entity = data && typeof data === 'object' && !Array.isArray(data) ? data : null;
      const etag = Number.parseInt(String(response.headers?.get?.('ETag') ?? '').replace(/\D/g, ''), 10);
      const version = Number.isInteger(entity?.[versionField]) ? entity[versionField] : Number.isInteger(etag) ? etag : undefined;
      const result = { key: m.key, status: PushStatus.OK };
      if (version !== undefined) result.version = version;
      if (m.kind !== 'delete' && entity) {
        result.data = entity;
        if (entity[idField] !== undefined) result.id = String(entity[idField]);
      }
      return result;
    }
    stats.failures++;
    const cls = classify(response.status);
    const message = String(data?.message ?? data?.detail ?? `HTTP ${response.status}`);
    if (cls === ErrorClass.CONFLICT) {
      const current = data && 'current' in data ? data.current : data;
      // The reference server says the version beside the entity ({ version, current }).
      const version = Number.isInteger(data?.version) ? data.version : Number.isInteger(current?.[versionField]) ? current[versionField] : 0;
      return { key: m.key, status: PushStatus.CONFLICT, version, data: current && typeof current === 'object' && current[idField] !== undefined ? current : null };
    }
    return { key: m.key, status: PushStatus.ERROR, class: cls, message };
  }

  // pullCollections: every collection from the same cursor, chunk by chunk; delivered together
  // with the lowest final cursor, so no collection's changes are skipped.
  async function pullFromServer(since) {
    const changes = [];
    let cursor = null;
    for (const collection of pullCollections) {
      let at = since;
      for (;;) {
        stats.requests++;
        const response = await fetchImpl(`${base}/api/${encodeURIComponent(collection)}/?cursor=${at}&limit=${pullLimit}`, { method: 'GET', headers: authHeaders() });
        const data = await bodyOf(response).catch(() => null);
        if (!response.ok) throw new Error(`GET ${collection}: HTTP ${response.status}${data?.message ? `: ${data.message}` : ''}`);
        changes.push(...(data.changes ?? []));
        at = data.cursor;
        if (!data.more) break;
      }
      cursor = cursor === null ? at : Math.min(cursor, at);
    }
    changes.sort((a, b) => (a.cursor ?? 0) - (b.cursor ?? 0));
    return { changes, cursor: cursor ?? since };
  }
  if (!pull && pullCollections) pull = pullFromServer;

  async function doPull() {
    if (!pull || pulling || !wanted) {
      if (!pull) sink.caughtUp();
      return;
    }
    pulling = true;
    stats.pulls++;
    sink.status({ state: 'catching-up' });
    try {
      const { changes = [], cursor } = (await pull(session().cursor)) ?? {};
      if (wanted) sink.deliver(changes, cursor);
    } catch (err) {
      sink.error({ code: 'PULL_FAILED', message: String(err?.message ?? err) });
    } finally {
      pulling = false;
      if (wanted) sink.caughtUp();
    }
  }

  function schedulePoll() {
    if (!pollIntervalMs || !wanted) return;
    pollTimer = setTimeout(async () => {
      pollTimer = null;
      await doPull();
      schedulePoll();
    }, pollIntervalMs);
  }

  return {
    kind: 'rest',
    stats,
    start(clientSink, getSession) {
      sink = clientSink;
      session = getSession;
    },
    connect() {
      if (wanted) return;
      wanted = true;
      sink.connected({});
      doPull();
      schedulePoll();
    },
    disconnect() {
      if (!wanted) return;
      wanted = false;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = null;
      sink.disconnected();
      sink.status({ state: 'offline' });
    },
    // Mutations of a batch go one by one, in order; the answer comes back as one batch result.
    push(batch, mutations) {
      if (!wanted || authBlocked) return false;
      (async () => {
        const results = [];
        for (const m of mutations) {
          const r = await pushOne(m);
          results.push(r);
          if (r.status === PushStatus.ERROR && r.class === ErrorClass.AUTH) authBlocked = true;
        }
        if (wanted) sink.answer(batch, results);
      })();
      return true;
    },
    /** One entity (GET /api/<c>/<id>/): 200 found, 404 not found, anything else an error. */
    fetchEntity(collection, id) {
      if (!wanted || authBlocked) return false;
      (async () => {
        let result;
        try {
          stats.requests++;
          const url = `${base}/api/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/`;
          const response = await fetchImpl(url, { method: 'GET', headers: authHeaders() });
          const data = await bodyOf(response).catch(() => null);
          const etag = Number.parseInt(String(response.headers?.get?.('ETag') ?? '').replace(/\D/g, ''), 10);
          const version = Number.isInteger(data?.[versionField]) ? data[versionField] : etag;
          if (response.status === 404) result = { collection, id, found: false };
          else if (response.ok && data && typeof data === 'object' && Number.isInteger(version)) result = { collection, id, found: true, version, data };
          else result = { collection, id, error: String(response.status) };
        } catch (err) {
          stats.failures++;
          result = { collection, id, error: String(err?.message ?? err) };
        }
        if (wanted) sink.fetched?.(result);
      })();
      return true;
    },
    sync() {
      doPull();
    },
    setToken() {
      authBlocked = false;
    },
    get connected() {
      return wanted;
    },
    close() {
      this.disconnect();
    },
  };
}
