// Multi-tab: the tabs of one origin share one outbox through one leader tab.
//
// The leader's app client is an ordinary SyncClient (WebSocket + the shared IndexedDB) with a relay
// (relay.js) serving the other tabs. A follower's app client is a SyncClient whose transport is
// the tab link (tab_transport.js) and whose storage is memory: it has its own client id, so its
// idempotency keys and temp ids never collide with another tab's, and it never writes the shared
// database. When a follower is elected (the leader closed or froze), it starts a second, hidden
// SyncClient restored from the shared database (the "engine") with a relay, and its app client
// goes on as a follower of its own tab. A leader whose app client is the engine and that freezes
// turns that client into a follower in place: no more writes to the shared database from it.
// The app client is an ordinary SyncClient: this layer attaches through its public seams
// (replaceLink, wrapClose, reportError). See docs/multitab.md.
import { createElection } from './election.js';
import { startTabRelay } from './relay.js';
import { createTabTransport } from './tab_transport.js';
import { withForwardedKeys } from './forwarded_storage.js';
import { linkedChannels } from './linked_channel.js';
import { withSpool } from './spool.js';
import { createMemoryStorage } from '../storage/memory.js';
import { SyncError } from '../errors.js';
import { randomId } from '../random_id.js';

/**
 * @param {object} o
 * @param {string} o.name the shared database's name (one leader per name)
 * @param {object} o.tabs the `tabs` option (object form)
 * @param {() => Promise<object>} o.startEngine starts a SyncClient on o.storage (the shared
 *   database wrapped by withForwardedKeys) with a WebSocket transport; gets { storage }
 * @param {() => Promise<object>} o.openSharedStorage opens the shared IndexedDB storage
 * @param {(o: { transport, clientId, storage }) => Promise<object>} o.startFollower starts a SyncClient on
 *   o.storage (memory, with the follower's spool in the shared database: spool.js)
 */
export async function startTabbedClient({ name, tabs, startEngine, openSharedStorage, startFollower }) {
  const tabId = randomId();
  const BroadcastChannel = tabs.BroadcastChannel ?? globalThis.BroadcastChannel;
  // The tab link (relay <-> tab transports); the election keeps the plain channel.
  const TabChannel = linkedChannels(BroadcastChannel, tabId);
  const doc = tabs.document ?? globalThis.document;
  const win = tabs.window ?? globalThis.window;
  let app = null; // the client the app holds
  let appIsEngine = false;
  let hidden = null; // { client, relay } in a follower tab that leads
  let relay = null; // the relay of whichever client is the engine in this tab
  let appForwarded = null; // the app client's shared storage while the app client is the engine
  let closed = false;
  let becoming = Promise.resolve();
  let spool = null; // the app client's storage while it follows: memory + its spool (spool.js)

  const setRole = (role) => app?.replaceLink({ tab: role });
  const spooled = () => spool?.holdsEntries() ?? false;
  const newTransport = (extra = {}) => createTabTransport({ name, tabId, BroadcastChannel: TabChannel, helloRetryMs: tabs.helloRetryMs, spooled, ...extra });

  async function engineWithRelay() {
    const forwarded = withForwardedKeys(await openSharedStorage());
    // The token: the latest this tab's app client was given (setToken), else the one it started with.
    const client = await startEngine({ storage: forwarded.storage, token: app?.token });
    // A follower that has not said hello by then is gone: its spool is adopted (spool.js).
    const adoptAfterMs = tabs.adoptAfterMs ?? 2 * (tabs.helloRetryMs ?? 1000);
    return { client, forwarded, relay: startTabRelay({ client, name, tabId, BroadcastChannel: TabChannel, forwarded, adoptAfterMs }) };
  }

  // A follower tab elected: a hidden engine restored from the shared database, and a relay.
  const lead = () => {
    becoming = becoming.then(async () => {
      if (closed || appIsEngine || hidden || !election.leading) return;
      const started = await engineWithRelay();
      if (closed || !election.leading) {
        started.relay.stop();
        await started.client.close();
        return;
      }
      hidden = started;
      relay = started.relay;
      setRole('leader');
    }).catch((err) => app?.reportError(err));
  };

  // Leadership lost (frozen, hidden, closing): stop using the shared database and the socket at
  // once. Synchronous up to the writes already under way: a frozen tab must not keep the lock.
  const stepDown = () => {
    relay?.stop();
    relay = null;
    if (appIsEngine) {
      appIsEngine = false;
      const forwarded = appForwarded;
      appForwarded = null;
      // Its queued entries carry the shared client id. Those its own writes made durable are in the
      // shared outbox already: flagged `shared`, the relay acknowledges them without applying.
      const isShared = forwarded.durableKeysOf(app.core.clientId);
      const lastWrite = app.flush(); // the write under way, if any, decides what is durable
      spool = withSpool(createMemoryStorage(), { tabId, openSharedStorage, isShared });
      const { storage: shared } = app.replaceLink({ transport: newTransport({ isShared, after: lastWrite }), storage: spool });
      lastWrite.then(() => shared.close?.()).catch(() => {});
    }
    if (hidden) {
      const h = hidden;
      hidden = null;
      h.client.close().catch(() => {});
    }
    setRole('follower');
  };

  const election = createElection({
    name,
    tabId,
    locks: tabs.locks === undefined ? globalThis.navigator?.locks : tabs.locks,
    BroadcastChannel,
    heartbeatMs: tabs.heartbeatMs,
    onElected: lead,
    onDeposed: () => {
      if (!closed) stepDown();
    },
  });

  if (await election.start()) {
    const started = await engineWithRelay();
    app = started.client;
    relay = started.relay;
    appForwarded = started.forwarded;
    appIsEngine = true;
  } else {
    spool = withSpool(createMemoryStorage(), { tabId, openSharedStorage });
    app = await startFollower({ transport: newTransport(), clientId: `tab-${randomId()}`, storage: spool });
  }
  setRole(appIsEngine ? 'leader' : 'follower');
  if (!appIsEngine && election.leading) lead(); // elected while the follower was starting

  // A follower's flush() also waits for its spool in the shared database: client.flush() awaits
  // storage.settled() (spool.js).

  // Page lifecycle: a frozen tab (also one kept in the back-forward cache) hands leadership on; a
  // resumed one queues again. A page being unloaded keeps its role to the end: what its app saves
  // in its own pagehide handlers (which run after this one) still goes to the shared database, and
  // the browser releases the lock once the page is gone (the fallback election: 3 heartbeats).
  const onPageHide = (e) => {
    if (e?.persisted) onFreeze();
  };
  const onFreeze = () => {
    if (closed) return;
    election.resign(); // onDeposed steps down when this tab led
    stepDown();
  };
  const onResume = () => {
    if (!closed) election.rejoin();
  };
  const onPageShow = (e) => {
    if (e?.persisted) onResume();
  };
  doc?.addEventListener?.('freeze', onFreeze);
  doc?.addEventListener?.('resume', onResume);
  win?.addEventListener?.('pagehide', onPageHide);
  win?.addEventListener?.('pageshow', onPageShow);

  // A follower's outbox is memory: an edit is kept once the leader acknowledged it (durable in
  // the shared database). close() first hands what is still unacknowledged to the leader, for at
  // most closeTimeoutMs, and returns the mutation ids the leader never acknowledged.
  const handOverToLeader = async () => {
    if (appIsEngine) return [];
    const elapsed = () => globalThis.performance?.now?.() ?? Date.now(); // monotonic: a wall clock may jump
    const deadline = elapsed() + (tabs.closeTimeoutMs ?? 2000);
    while (app.core.stats().pending > 0 && elapsed() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return app.core.pendingMutations().flatMap((m) => m.mutationIds ?? []);
  };

  app.wrapClose(async (closeApp) => {
    if (closed) return;
    closed = true;
    // Before the relay of this tab (if it leads through a hidden engine) stops answering.
    const unacknowledged = await handOverToLeader();
    // Reported as not kept below: no later leader may apply them from the spool.
    if (unacknowledged.length > 0) await spool?.discard().catch(() => {});
    doc?.removeEventListener?.('freeze', onFreeze);
    doc?.removeEventListener?.('resume', onResume);
    win?.removeEventListener?.('pagehide', onPageHide);
    win?.removeEventListener?.('pageshow', onPageShow);
    relay?.stop();
    relay = null;
    await becoming;
    const h = hidden;
    hidden = null;
    try {
      await closeApp(); // stores its writes before the lock goes (or says which it could not)
    } finally {
      try {
        if (h) await h.client.close();
      } finally {
        election.close();
      }
    }
    if (unacknowledged.length > 0) {
      const err = new SyncError(
        'UNSAVED_CHANGES',
        `closed a follower tab with ${unacknowledged.length} change${unacknowledged.length === 1 ? '' : 's'} the leader tab never acknowledged: they are lost`,
      );
      err.mutationIds = unacknowledged;
      throw err;
    }
  });
  Object.defineProperty(app, 'tabs', {
    value: Object.freeze({
      tabId,
      election: election.kind,
      get role() {
        return appIsEngine || hidden ? 'leader' : 'follower';
      },
      /** The engine of this tab when it leads (the app client itself, or the hidden one). */
      get engine() {
        return appIsEngine ? app : hidden?.client ?? null;
      },
    }),
  });
  return app;
}
