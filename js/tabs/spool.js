// A follower tab's outbox is memory: an edit is safe once the leader acknowledged it (durable in
// the shared database). While there is no leader to acknowledge (a handoff: with the fallback
// election up to 4 heartbeats) or the leader is gone without a word (a crash: found only by its
// missing heartbeats), a follower's edits would be held in memory alone for seconds. So every
// follower also keeps its unacknowledged outbox entries in the shared database, in one `meta`
// record of its own (SPOOL_PREFIX + tab id), rewritten with each write of its storage: its
// flush() passes an edit only once the spool holds it. A leader that starts adopts the spools of
// tabs that did not say hello (gone: crashed or unloaded), under the same forwarded keys, so an
// edit the former leader had applied is not applied twice (relay.js). A live follower re-sends
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
  let shared = null; // the shared storage, opened on first use
  let written = ''; // what the spool record holds now ('' = no record)
  let queue = Promise.resolve();
  let discarded = false;

  const writeShared = async (effect) => {
    shared ??= openSharedStorage();
    await (await shared).write(effect);
  };

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
      // A failed spool write fails the write: the client retries it and shows the warning.
      await serial(sync);
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
      if (shared) await (await shared.catch(() => null))?.close?.();
    },
  };
}
