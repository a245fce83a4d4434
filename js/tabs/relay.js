// The leader tab's side of the tab link: a small sync server for the follower tabs, in front of the
// leader's own SyncClient (the "engine": WebSocket + IndexedDB). It speaks the wire protocol's
// shapes over BroadcastChannel:
//   hello -> welcome with a snapshot of the engine's view (relay versions) and the engine's status;
//   push -> each mutation applied to the engine's core as a local edit (all tabs are one client to
//           the server), acked only once the engine's persist effect is durable; the follower key
//           is written in that same IndexedDB transaction, so a re-sent push is never applied twice,
//           by this leader or the next one;
//   every engine commit -> `changes` with the changed entities under relay versions (monotonic per
//           relay session), and the temp-id renames the server caused.
import { FORWARDED_PREFIX } from './forwarded_storage.js';

const FORWARDED_TTL_MS = 24 * 3600 * 1000;

function randomId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

const STATUS_FIELDS = ['online', 'connected', 'connection', 'retryInMs', 'syncing', 'resyncing', 'pending', 'failed', 'conflicts', 'skipped', 'lastSyncAt'];
const pickStatus = (s) => Object.fromEntries(STATUS_FIELDS.map((k) => [k, s[k] ?? null]));

/**
 * @param {object} o
 * @param {object} o.client the engine: a started SyncClient whose storage is o.forwarded.storage
 * @param {object} o.forwarded from withForwardedKeys(): attach(effect, records), loaded, meta
 */
export function startTabRelay({ client, name, tabId, BroadcastChannel, forwarded }) {
  const core = client.core;
  const session = randomId();
  const channel = new BroadcastChannel(`syncore-tabs:${name}`);
  const collections = Object.keys(client._options.collections ?? {});
  const idField = (c) => core._idFields?.get(c) ?? 'id';
  const versions = new Map(); // collection \0 id -> relay version
  const renames = new Map(); // collection \0 temp id -> server id
  const applied = new Map(forwarded.loaded); // follower tab | follower key -> { collection, id }
  let counter = 0;
  let stopped = false;

  const k = (c, id) => `${c}\u0000${id}`;
  const versionOf = (c, id) => {
    let v = versions.get(k(c, id));
    if (v === undefined) {
      v = ++counter;
      versions.set(k(c, id), v);
    }
    return v;
  };
  const finalId = (c, id) => {
    let out = id;
    for (let i = 0; i < 8 && renames.has(k(c, out)); i++) out = renames.get(k(c, out));
    return out;
  };
  const post = (msg) => {
    if (!stopped) channel.postMessage({ ...msg, session, leader: tabId });
  };
  const entityChange = (c, id) => {
    const data = core.get(c, id);
    return data === undefined ? { op: 'delete', collection: c, id, version: versionOf(c, id) } : { op: 'upsert', collection: c, id, version: versionOf(c, id), data };
  };

  // ---- engine -> followers ---------------------------------------------------------------------

  const offCommit = core.onCommit((commit) => {
    if (stopped) return;
    const renamed = [];
    for (const [c, map] of Object.entries(commit.renamed ?? {})) {
      for (const [from, to] of Object.entries(map)) {
        renames.set(k(c, from), to);
        renamed.push({ collection: c, from, to });
      }
    }
    const changes = [];
    for (const [c, change] of Object.entries(commit.changes ?? {})) {
      for (const id of [...(change.created ?? []), ...(change.updated ?? []), ...(change.deleted ?? [])]) {
        versions.set(k(c, id), ++counter);
        changes.push(entityChange(c, id));
      }
    }
    if (changes.length > 0 || renamed.length > 0) post({ type: 'changes', changes, renamed });
  });

  const offStatus = client.on('statusChanged', (s) => post({ type: 'status', status: pickStatus(s) }));
  const offAuth = client.on('authRequired', (e) => post({ type: 'authRequired', message: e?.message ?? '' }));
  const offNote = client.on('notification', (n) => post({ type: 'notification', notification: n }));

  function snapshot() {
    const changes = [];
    for (const c of collections) {
      for (const row of core.list(c)) {
        const id = String(row[idField(c)]);
        changes.push({ op: 'upsert', collection: c, id, version: versionOf(c, id), data: row });
      }
    }
    return changes;
  }

  // ---- followers -> engine ---------------------------------------------------------------------

  // Applies one forwarded mutation (synchronously, so pushes keep their order) and says what to
  // answer once the engine's storage has it.
  function applyOne(m, from) {
    if (!m || typeof m.key !== 'string' || typeof m.collection !== 'string') return { error: 'a forwarded mutation needs key and collection' };
    const c = m.collection;
    let id = m.id === undefined || m.id === null ? undefined : finalId(c, String(m.id));
    // A former leader tab re-sending what it had itself written to the shared outbox: it is there
    // (or already sent) under the shared client id; applying it again would duplicate it.
    if (m.shared === true) return { key: m.key, collection: c, id };
    // Keyed by sender too: a former leader's own keys share the client id with the leaders' keys.
    const appliedKey = `${from}|${m.key}`;
    const known = applied.get(appliedKey);
    if (known) return { ...known, key: m.key };
    let request;
    if (m.kind === 'create') request = { collection: c, op: 'create', id, data: { ...(m.data ?? {}), [idField(c)]: id } };
    else if (m.kind === 'update') request = { collection: c, op: 'update', id, patch: m.data ?? {} };
    else if (m.kind === 'delete') request = { collection: c, op: 'delete', id };
    else return { key: m.key, error: `unknown mutation kind ${JSON.stringify(m.kind)}` };
    if (id === undefined) delete request.id;
    let r;
    try {
      r = core.mutate(request);
    } catch (err) {
      if (err?.code === 'NOT_FOUND' || err?.code === 'ALREADY_EXISTS') return { key: m.key, collection: c, id, conflict: true };
      return { key: m.key, error: String(err?.message ?? err) };
    }
    if (id === undefined) id = r.changes?.[c]?.created?.[0];
    const record = { collection: c, id };
    applied.set(appliedKey, record);
    const persist = r.effects?.find((e) => e.type === 'persist');
    // The follower key goes into the transaction that makes the mutation durable: both or neither.
    if (persist) forwarded.attach(persist, [{ store: 'meta', key: FORWARDED_PREFIX + appliedKey, value: { ...record, at: Date.now() } }]);
    return { key: m.key, ...record };
  }

  function answer(a) {
    if (a.error) return { key: a.key, status: 'error', class: 'validation', message: a.error };
    const id = a.id === undefined ? undefined : finalId(a.collection, a.id);
    const data = id === undefined ? null : core.get(a.collection, id) ?? null;
    const version = id === undefined ? ++counter : versionOf(a.collection, id);
    if (a.conflict) return { key: a.key, collection: a.collection, status: 'conflict', version, data };
    return { key: a.key, collection: a.collection, status: 'ok', id, version, data };
  }

  async function onPush(msg) {
    const mutations = Array.isArray(msg.mutations) ? msg.mutations : [];
    const from = String(msg.from);
    const outcomes = mutations.map((m) => applyOne(m, from));
    client._refreshCounts?.();
    await client.flush(); // every persist effect so far (ours included) is durable now
    post({ type: 'push_result', to: msg.from, batch: msg.batch, results: outcomes.map(answer) });
  }

  channel.onmessage = ({ data: msg }) => {
    if (stopped || !msg || typeof msg.type !== 'string') return;
    if (msg.type === 'hello') {
      post({ type: 'welcome', to: msg.from, changes: snapshot(), status: pickStatus(client.status) });
      return;
    }
    if (msg.session !== session) return; // meant for another leader: the sender will re-hello
    if (msg.type === 'push') onPush(msg).catch((err) => client._emit?.('error', err));
    else if (msg.type === 'sync') client.sync();
    else if (msg.type === 'token') client.setToken(msg.token);
  };

  // Forget follower keys old enough that no follower can still be re-sending them.
  const stale = [...applied.entries()].filter(([, v]) => Number.isFinite(v?.at) && Date.now() - v.at > FORWARDED_TTL_MS);
  if (stale.length > 0) {
    for (const [key] of stale) applied.delete(key);
    forwarded.storage.write({ put: [], delete: stale.map(([key]) => ({ store: 'meta', key: FORWARDED_PREFIX + key })) }).catch(() => {});
  }

  post({ type: 'leader' });

  return {
    session,
    /** Says goodbye so followers look for the next leader, and lets go of the engine. */
    stop() {
      if (stopped) return;
      post({ type: 'bye' });
      stopped = true;
      offCommit();
      offStatus();
      offAuth();
      offNote();
      channel.close();
    },
  };
}
