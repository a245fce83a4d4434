// The leader tab's side of the tab link: a small sync server for the follower tabs, in front of the
// leader's own SyncClient (the "engine": WebSocket + IndexedDB). It speaks the wire protocol's
// shapes over BroadcastChannel:
//   hello -> welcome with a snapshot of the engine's view (relay versions) and the engine's status;
//   push -> each mutation applied to the engine's core as a local edit (all tabs are one client to
//           the server), acked only once the engine's persist effect is durable; the follower key
//           is written in that same IndexedDB transaction, so a re-sent push is never applied twice,
//           by this leader or the next one;
//   every engine commit -> `changes` with the changed entities under relay versions (monotonic per
//           relay session), and the temp-id renames the server caused;
//   the spools of follower tabs that are gone (spool.js) -> applied like their pushes, once;
//   roll -> here: while a follower may hold a spool, whether it is still there.
import { randomId } from '../random_id.js';
import { SHARED_STATUS_FIELDS, EffectType, SettledStatus, PushStatus } from '../vocabulary.js';
import { mutateRequestOfPushed, pushResultOf, changeOfEntity, renamesOfCommit, changedEntitiesOfCommit } from '../protocol.js';
import { pushedOfOutboxEntry, mutationIdsOfOutboxEntry } from '../records.js';

const FORWARDED_TTL_MS = 24 * 3600 * 1000;

const pickStatus = (s) => Object.fromEntries(SHARED_STATUS_FIELDS.map((k) => [k, s[k] ?? null]));

/**
 * @param {object} o
 * @param {object} o.client the engine: a started SyncClient whose storage is o.forwarded.storage
 * @param {object} o.forwarded from withForwardedKeys(): loaded, spools, remember(effect, key, value),
 *   forget(keys), dropSpools(tabs)
 */
export function startTabRelay({ client, name, tabId, BroadcastChannel, forwarded, adoptAfterMs = 2000 }) {
  const core = client.core;
  const session = randomId();
  const channel = new BroadcastChannel(`syncore-tabs:${name}`);
  const collections = client.collectionNames;
  const idField = (c) => core.idFieldOf(c);
  const versions = new Map(); // collection \0 id -> relay version
  const renames = new Map(); // collection \0 temp id -> server id
  const applied = new Map(forwarded.loaded); // follower tab | follower key -> { collection, id }
  const heard = new Set(); // follower tabs that spoke to this relay: alive, they re-send their own
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
  const entityChange = (c, id) => changeOfEntity(c, id, core.get(c, id), versionOf(c, id));

  // ---- engine -> followers ---------------------------------------------------------------------

  // No follower has said hello yet: a `changes` post would reach nobody who could use it (a
  // follower takes changes only after its welcome, whose snapshot is taken when its hello comes,
  // after everything posted before). So until then a commit reads nothing back and posts nothing:
  // alone in its origin, as most pages are, a tab paid a read-back and a structured clone of every
  // changed entity per commit (W9's catch-up: ~1 in 5 of the main thread).
  let followed = false;

  const offCommit = core.onCommit((commit) => {
    if (stopped) return;
    const renamed = renamesOfCommit(commit);
    for (const r of renamed) renames.set(k(r.collection, r.from), r.to);
    if (!followed) return;
    const changes = [];
    const listed = new Set();
    for (const [c, id] of changedEntitiesOfCommit(commit)) {
      versions.set(k(c, id), ++counter);
      changes.push(entityChange(c, id));
      listed.add(k(c, id));
    }
    // A follower renames what it holds under the temp id (tab_transport.js); the engine's word on
    // the server id follows, even when this commit did not change its view of it (the server had
    // deleted the entity before the create's ack came: the follower must not keep the moved copy).
    for (const { collection: c, to } of renamed) {
      if (listed.has(k(c, to))) continue;
      versions.set(k(c, to), ++counter);
      changes.push(entityChange(c, to));
    }
    if (changes.length > 0 || renamed.length > 0) post({ type: 'changes', changes, renamed });
  });

  // The same for status and the engine's events: a welcome carries the status of its moment. The
  // status listener is added only then: while nobody listens, the client's status is not even
  // made per write (js/client/status.js).
  let offStatus = () => {};
  const follow = () => {
    if (followed) return;
    followed = true;
    offStatus = client.on('statusChanged', (s) => post({ type: 'status', status: pickStatus(s) }));
  };
  const offAuth = client.on('authRequired', (e) => followed && post({ type: 'authRequired', message: e?.message ?? '' }));
  const offNote = client.on('notification', (n) => followed && post({ type: 'notification', notification: n }));

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
    const { request, error } = mutateRequestOfPushed(m, id, idField(c));
    if (error) return { key: m.key, error };
    let r;
    try {
      r = core.mutate(request, { view: true }); // answer() reads the entity next
    } catch (err) {
      if (err?.code === 'NOT_FOUND' || err?.code === 'ALREADY_EXISTS') return { key: m.key, collection: c, id, conflict: true };
      return { key: m.key, error: String(err?.message ?? err) };
    }
    if (id === undefined) id = r.changes?.[c]?.created?.[0];
    const record = { collection: c, id };
    applied.set(appliedKey, record);
    const persist = r.effects?.find((e) => e.type === EffectType.PERSIST);
    // The follower key goes into the transaction that makes the mutation durable: both or neither.
    if (persist) forwarded.remember(persist, appliedKey, { ...record, at: Date.now() });
    return { key: m.key, ...record };
  }

  function answer(a) {
    if (a.error) return pushResultOf(a, {});
    const id = a.id === undefined ? undefined : finalId(a.collection, a.id);
    const data = id === undefined ? null : core.get(a.collection, id) ?? null;
    const version = id === undefined ? ++counter : versionOf(a.collection, id);
    return pushResultOf({ ...a, id }, { data, version });
  }

  async function onPush(msg) {
    const mutations = Array.isArray(msg.mutations) ? msg.mutations : [];
    const from = String(msg.from);
    const outcomes = mutations.map((m) => applyOne(m, from)); // the engine's counts follow each commit
    await client.flush(); // every persist effect so far (ours included) is durable now
    post({ type: 'push_result', to: msg.from, batch: msg.batch, results: outcomes.map(answer) });
  }

  // Adopts spools (tab -> { entries }): their edits are applied under the follower's keys (one a
  // leader applied already is answered, not applied again), and settle in this tab
  // (mutationSettled with the follower's mutation ids) once durable; then the spools go.
  async function adopt(spools) {
    if (stopped || spools.length === 0) return;
    const settled = [];
    for (const [tab, spool] of spools) {
      for (const e of Array.isArray(spool?.entries) ? spool.entries : []) {
        const outcome = applyOne(pushedOfOutboxEntry(e), tab);
        settled.push({ outcome, mutationIds: mutationIdsOfOutboxEntry(e), tab });
      }
    }
    await client.flush(); // the engine's counts follow each commit
    if (stopped) return;
    await forwarded.dropSpools(spools.map(([tab]) => tab));
    for (const { outcome, mutationIds, tab } of settled) {
      const a = answer(outcome);
      const status = a.status === PushStatus.OK ? 'acked' : a.status === PushStatus.CONFLICT ? 'overridden' : SettledStatus.DEAD_LETTER;
      client.reportSettled({ status, mutationIds, collection: a.collection ?? null, id: a.id ?? null, adoptedFrom: tab, ...(a.message ? { message: a.message } : {}) });
    }
  }
  const reportAdoptError = (err) => client.reportError(err);

  // At start: a follower tab that did not say hello within adoptAfterMs of this relay's `leader`
  // (every live follower asks at once, and again every helloRetryMs) is gone: its spool holds the
  // edits no leader acknowledged.
  const adoptTimer = forwarded.spools.size > 0
    ? setTimeout(() => {
      const gone = [...forwarded.spools.entries()].filter(([tab]) => !heard.has(tab));
      for (const [tab] of gone) forwarded.spools.delete(tab);
      adopt(gone).catch(reportAdoptError);
    }, adoptAfterMs)
    : null;

  // While leading: a follower that pushed may hold a spool until it has our acknowledgements. Its
  // page can go (unloaded, crashed) before they reach it, with edits it spooled but never pushed.
  // So every adoptAfterMs, while such tabs exist, a roll call: each answers `here` with whether it
  // still spools (message handlers run even in a throttled background tab). A tab that answered
  // nothing, not even another message, for a whole round is gone: its spool is read from the
  // shared database and adopted.
  const watched = new Map(); // follower tab -> heard since the last roll call
  let adopting = Promise.resolve();
  const rollCall = setInterval(() => {
    if (stopped) return;
    const silent = [...watched].filter(([, heardSince]) => !heardSince).map(([tab]) => tab);
    for (const tab of silent) watched.delete(tab);
    if (silent.length > 0) {
      adopting = adopting
        .then(() => forwarded.readSpools())
        .then((now) => adopt(silent.filter((tab) => now.has(tab)).map((tab) => [tab, now.get(tab)])))
        .catch(reportAdoptError);
    }
    for (const tab of watched.keys()) watched.set(tab, false);
    if (watched.size > 0) post({ type: 'roll' });
  }, adoptAfterMs);
  const watch = (msg) => {
    const from = String(msg.from);
    if (msg.type === 'push' || (msg.type === 'here' && msg.spooled === true)) watched.set(from, true);
    else if (msg.type === 'here') watched.delete(from);
    else if (watched.has(from)) watched.set(from, true);
  };

  channel.onmessage = ({ data: msg }) => {
    if (stopped || !msg || typeof msg.type !== 'string') return;
    if (msg.from !== undefined) {
      heard.add(String(msg.from));
      watch(msg);
    }
    if (msg.type === 'hello') {
      follow();
      post({ type: 'welcome', to: msg.from, changes: snapshot(), status: pickStatus(client.status) });
      return;
    }
    if (msg.session !== session) return; // meant for another leader: the sender will re-hello
    if (msg.type === 'push') onPush(msg).catch((err) => client.reportError(err));
    else if (msg.type === 'sync') client.sync();
    else if (msg.type === 'token') client.setToken(msg.token);
  };

  // Forget follower keys old enough that no follower can still be re-sending them.
  // (Not those of a tab with a spool: adopting it relies on them.)
  const stale = [...applied.entries()].filter(([k, v]) => Number.isFinite(v?.at) && Date.now() - v.at > FORWARDED_TTL_MS && !forwarded.spools.has(k.slice(0, k.indexOf('|'))));
  if (stale.length > 0) {
    for (const [key] of stale) applied.delete(key);
    forwarded.forget(stale.map(([key]) => key)).catch(() => {});
  }

  post({ type: 'leader' });

  return {
    session,
    /** Says goodbye so followers look for the next leader, and lets go of the engine. */
    stop() {
      if (stopped) return;
      post({ type: 'bye' });
      stopped = true;
      clearTimeout(adoptTimer);
      clearInterval(rollCall);
      offCommit();
      offStatus();
      offAuth();
      offNote();
      channel.close();
    },
  };
}
