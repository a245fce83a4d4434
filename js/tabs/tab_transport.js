// A follower tab's transport: the wire protocol's shapes over BroadcastChannel to whichever tab
// leads (js/tabs/relay.js). To its SyncClient it looks like a WebSocket transport whose server is
// the leader: hello -> welcome (a full snapshot) -> caught up; push -> push_result once durable in
// the leader; live `changes`. A new leader is a new session: the client goes through disconnected
// -> connected again, so every unacknowledged push is sent again under its same keys.
//
// Relay versions restart with every leader, so they are mapped onto one increasing sequence here:
// each session's versions are offset past everything delivered before (and past any server
// version a former leader's core holds, hence the large starting point).
import { changeOfEntity } from '../protocol.js';

const FIRST_VERSION = 2 ** 40;

/**
 * @param {object} o
 * @param {(key: string) => boolean} [o.isShared] a former leader's client: true for the keys it had
 *   itself made durable in the shared outbox (the relay must not apply those again)
 * @param {() => boolean} [o.spooled] whether this tab's spool holds edits (answers the leader's
 *   roll call: a silent tab with a spool is adopted, relay.js)
 * @param {Promise<unknown>} [o.after] say hello only once this settles (a former leader: once its
 *   last write to the shared database has finished, so isShared is final)
 */
export function createTabTransport({ name, tabId, BroadcastChannel = globalThis.BroadcastChannel, helloRetryMs = 1000, isShared, after, spooled }) {
  let sink = null;
  let session = null; // () -> { clientId, token, ... }
  let channel = null;
  let leader = null; // { session, tab }
  let base = FIRST_VERSION;
  let highest = FIRST_VERSION;
  let helloTimer = null;
  let closed = false;
  const known = new Set(); // collection \0 id of every entity delivered as present
  const renames = new Map(); // collection \0 temp id -> server id
  const stats = { sent: 0, received: 0, sessions: 0 };
  const key = (c, id) => `${c}\u0000${id}`;

  const post = (msg) => {
    if (closed || !channel) return;
    channel.postMessage({ ...msg, from: tabId });
    stats.sent++;
  };
  const hello = () => post({ type: 'hello', clientId: session?.().clientId });

  const mapVersion = (v) => {
    const out = base + (Number.isFinite(v) ? v : 0);
    if (out > highest) highest = out;
    return out;
  };
  const deliver = (changes) => {
    const mapped = [];
    for (const c of changes) {
      if (!c || typeof c !== 'object') continue;
      const id = String(c.id);
      if (c.op === 'delete') known.delete(key(c.collection, id));
      else known.add(key(c.collection, id));
      mapped.push({ ...c, version: mapVersion(c.version) });
    }
    if (mapped.length > 0) sink.deliver(mapped);
  };

  function dropLink() {
    if (!leader) return;
    leader = null;
    sink.disconnected();
    sink.upstream?.({ connected: false, connection: 'connecting', retryInMs: null, syncing: false, pending: 0, failed: 0, conflicts: 0 });
  }

  function welcome(msg) {
    if (leader?.session === msg.session) return;
    dropLink();
    leader = { session: msg.session, tab: msg.leader };
    stats.sessions++;
    base = highest + 1;
    sink.connected();
    const changes = Array.isArray(msg.changes) ? msg.changes : [];
    const present = new Set(changes.map((c) => key(c.collection, String(c.id))));
    const gone = [];
    for (const k of known) {
      if (present.has(k)) continue;
      const [collection, id] = k.split('\u0000');
      gone.push(changeOfEntity(collection, id, undefined, 0));
    }
    deliver([...changes, ...gone]);
    sink.caughtUp();
    if (msg.status) sink.upstream?.(msg.status);
  }

  function receive(msg) {
    if (closed || !msg || typeof msg.type !== 'string') return;
    stats.received++;
    if (msg.type === 'welcome') {
      if (msg.to === tabId) welcome(msg);
      return;
    }
    if (msg.type === 'leader') {
      if (leader?.session !== msg.session) hello();
      return;
    }
    if (!leader || msg.session !== leader.session) return;
    switch (msg.type) {
      case 'bye':
        dropLink();
        hello();
        break;
      case 'changes': {
        // A temp id the server renamed after the leader acknowledged our create: our core holds the
        // entity (and maybe later edits of it) under the temp id, so it is renamed there first; the
        // delete of the temp id that comes with it then finds nothing. A create not yet
        // acknowledged is renamed by its ack (push_result carries the server's id).
        const renamedHere = [];
        for (const r of msg.renamed ?? []) {
          renames.set(key(r.collection, r.from), r.to);
          if (!known.delete(key(r.collection, String(r.from)))) continue;
          known.add(key(r.collection, String(r.to)));
          renamedHere.push({ op: 'rename', collection: r.collection, from: r.from, to: r.to });
        }
        if (renamedHere.length > 0) sink.deliver(renamedHere);
        deliver(Array.isArray(msg.changes) ? msg.changes : []);
        break;
      }
      case 'push_result':
        if (msg.to !== tabId) break;
        for (const r of msg.results ?? []) {
          if (r?.status === 'ok' && r.id !== undefined) {
            if (r.data) known.add(key(r.collection ?? '', String(r.id)));
          }
          if (Number.isFinite(r?.version)) r.version = mapVersion(r.version);
        }
        sink.answer(msg.batch, Array.isArray(msg.results) ? msg.results : []);
        break;
      case 'roll':
        post({ type: 'here', session: leader.session, spooled: spooled?.() ?? false });
        break;
      case 'status':
        sink.upstream?.(msg.status);
        break;
      case 'authRequired':
        sink.authRequired(msg.message ?? 'unauthorized');
        break;
      case 'notification':
        sink.notification(msg.notification);
        break;
      default:
        break;
    }
  }

  return {
    kind: 'tabs',
    stats,
    start(clientSink, getSession) {
      sink = clientSink;
      session = getSession;
      // A leader that started before us announced itself already; ask, and keep asking while
      // there is none (a handoff in progress).
      const begin = () => {
        if (closed) return;
        channel = new BroadcastChannel(`syncore-tabs:${name}`);
        channel.onmessage = ({ data }) => receive(data);
        hello();
        helloTimer = setInterval(() => {
          if (!leader) hello();
        }, helloRetryMs);
      };
      if (after) Promise.resolve(after).then(begin, begin);
      else begin();
    },
    // The link between tabs does not depend on the device's network: a follower keeps handing its
    // edits to the leader (durable there) while offline.
    connect() {},
    disconnect() {},
    push(batch, mutations) {
      if (!leader) return false;
      const translated = mutations.map((m) => {
        const to = m.id !== undefined && renames.get(key(m.collection, String(m.id)));
        const out = to ? { ...m, id: to } : { ...m };
        if (isShared?.(m.key)) out.shared = true;
        return out;
      });
      post({ type: 'push', session: leader.session, batch, mutations: translated });
      return true;
    },
    sync() {
      if (leader) post({ type: 'sync', session: leader.session });
    },
    setToken(token) {
      if (leader) post({ type: 'token', session: leader.session, token });
    },
    get connected() {
      return leader !== null;
    },
    get leader() {
      return leader;
    },
    close() {
      if (closed) return;
      clearInterval(helloTimer);
      dropLink();
      closed = true;
      channel?.close();
    },
  };
}
