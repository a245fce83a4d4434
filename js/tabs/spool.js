// A follower tab's outbox is memory: an edit is safe once the leader acknowledged it (durable in
// the shared database). While there is no leader to acknowledge (a handoff: with the fallback
// election up to 4 heartbeats) or the leader is gone without a word (a crash: found only by its
// missing heartbeats), a follower's edits would be held in memory alone for seconds. So every
// follower also keeps its unacknowledged outbox entries in the shared database, in one `meta`
// record of its own (SPOOL_PREFIX + tab id), rewritten after each write of its storage. The spool
// write runs beside the push, never before it (a closing page's edit must reach the leader first:
// the push is what it can still send); the follower's flush() waits for it too (index.js). A leader
// adopts the spool of a tab that is gone (crashed or unloaded) under the same forwarded keys, so
// an edit a leader had applied is not applied twice (relay.js): at its start, the spools of tabs
// that did not say hello; while it leads, the spool of a tab that stopped answering its roll call
// (a follower's page unloaded before its last edits were acknowledged). A live follower re-sends
// its own outbox and clears its spool once the leader acknowledged everything.

import { keyOfOutboxEntry, seqOfOutboxEntry } from '../records.js';

export const SPOOL_PREFIX = 'tabs:spool:';

/**
 * The follower's storage: `inner` (memory) plus the spool in the shared database.
 * @param {object} inner the follower's own storage
 * @param {object} o
 * @param {string} o.tabId
 * @param {() => Promise<object>} o.openSharedStorage opens the shared IndexedDB storage
 * @param {(key: string) => boolean} [o.isShared] entries already in the shared outbox (a former
 *   leader's own writes): not spooled
 */
export function withSpool(inner, { tabId, openSharedStorage, isShared }) {
  const outbox = new Map(); // record key -> outbox entry, as the follower's core persists it
  const key = SPOOL_PREFIX + tabId;
  // Opened at once: a page that is going away may have time for a write, not for an open too.
  const shared = Promise.resolve().then(openSharedStorage);
  shared.catch(() => {});
  let written = ''; // what the spool record holds now ('' = no record)
  let queue = Promise.resolve();
  let discarded = false;

  const writeShared = async (effect) => (await shared).write(effect);

  async function sync() {
    const entries = discarded ? [] : [...outbox.values()].filter((e) => !isShared?.(keyOfOutboxEntry(e))).sort((a, b) => seqOfOutboxEntry(a) - seqOfOutboxEntry(b));
    const text = entries.length > 0 ? JSON.stringify(entries) : '';
    if (text === written) return;
    if (text) await writeShared({ put: [{ store: 'meta', key, value: { tab: tabId, at: Date.now(), entries } }], delete: [] });
    else await writeShared({ put: [], delete: [{ store: 'meta', key }] });
    written = text;
  }

  const serial = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  return {
    ...inner,
    async write(effect) {
      await inner.write(effect);
      for (const r of effect.delete ?? []) if (r.store === 'outbox') outbox.delete(String(r.key));
      for (const r of effect.put ?? []) if (r.store === 'outbox') outbox.set(String(r.key), r.value);
      // Not awaited: the push goes as soon as memory has the commit. A spool write that fails is
      // tried again with the next write (the edit still goes to the leader meanwhile).
      serial(sync).catch(() => {});
    },
    /** True while the spool record holds entries (or is about to): the leader watches such a tab. */
    holdsEntries() {
      return !discarded && (written !== '' || [...outbox.keys()].some((k) => !isShared?.(k)));
    },
    /** Resolves once every spool write begun so far has ended. */
    settled() {
      return queue;
    },
    // clearLocalData(): the outbox goes, and with it the spool.
    async clear() {
      await inner.clear?.();
      outbox.clear();
      await serial(sync);
    },
    /** Removes the spool for good (close() reports its edits as not kept). */
    discard() {
      discarded = true;
      return serial(sync);
    },
    async close() {
      await queue;
      await inner.close?.();
      await (await shared.catch(() => null))?.close?.();
    },
  };
}
