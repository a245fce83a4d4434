// The REST adapter: for apps without a sync server, the outbox pushes to plain endpoints
//   POST /api/<collection>/          create (body: the entity)
//   PUT  /api/<collection>/<id>/     update (body: a JSON merge patch)
//   DELETE /api/<collection>/<id>/   delete
// with an Idempotency-Key header (the mutation's key), If-Match with the base version and the
// token as a Bearer header. Status codes map to the outbox's error classes. Pulls come from a
// user function, on connect, on "Sync now" and every pollIntervalMs.

// 401: the token (pause the queue until a new one); 403: this write is not allowed (final).
function classify(status) {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'validation';
}

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
} = {}) {
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

  async function pushOne(m) {
    const { token } = session();
    const h = { ...headers, 'Idempotency-Key': m.key };
    if (token) h.Authorization = `Bearer ${token}`;
    if (m.kind !== 'create' && m.baseVersion >= 0) h['If-Match'] = `"${m.baseVersion}"`;
    let body;
    if (m.kind === 'create') {
      h['Content-Type'] = 'application/json';
      body = JSON.stringify(m.data);
    } else if (m.kind === 'update') {
      h['Content-Type'] = 'application/merge-patch+json';
      body = JSON.stringify(m.data);
    }
    const method = m.kind === 'create' ? 'POST' : m.kind === 'update' ? 'PUT' : 'DELETE';
    stats.requests++;
    let response;
    try {
      response = await fetchImpl(urlFor(m), { method, headers: h, body });
    } catch (err) {
      stats.failures++;
      return { key: m.key, status: 'error', class: 'transient', message: `network: ${err?.message ?? err}` };
    }
    const data = await bodyOf(response).catch(() => null);
    if (response.ok) {
      const entity = data && typeof data === 'object' && !Array.isArray(data) ? data : null;
      const etag = Number.parseInt(String(response.headers?.get?.('ETag') ?? '').replace(/\D/g, ''), 10);
      const version = Number.isInteger(entity?.[versionField]) ? entity[versionField] : Number.isInteger(etag) ? etag : undefined;
      const result = { key: m.key, status: 'ok' };
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
    if (cls === 'conflict') {
      const current = data?.current ?? data;
      const version = Number.isInteger(current?.[versionField]) ? current[versionField] : 0;
      return { key: m.key, status: 'conflict', version, data: current && typeof current === 'object' && current[idField] !== undefined ? current : null };
    }
    return { key: m.key, status: 'error', class: cls, message };
  }

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
          if (r.status === 'error' && r.class === 'auth') authBlocked = true;
        }
        if (wanted) sink.answer(batch, results);
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
