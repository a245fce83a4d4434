// The leader's storage: the shared IndexedDB storage, plus the keys of follower mutations the
// leader has applied, kept in the `meta` store under FORWARDED_PREFIX and written in the same
// transaction as the persist effect that made each mutation durable; and the follower tabs' spools
// (spool.js), for the relay to adopt. The core never sees either. What a record of the core holds
// is read only through js/records.js.
import { outboxNextSeqOf, outboxSeqOfKey } from '../records.js';
import { SPOOL_PREFIX } from './spool.js';

const FORWARDED_PREFIX = 'tabs:forwarded:';

export function withForwardedKeys(inner) {
  const extras = new WeakMap(); // persist effect -> extra put records
  const loaded = new Map(); // follower key -> { collection, id, at }
  const spools = new Map(); // follower tab -> { tab, at, entries }
  const state = { durableNextSeq: 0 };
  const sawNextSeq = (records) => {
    for (const r of records ?? []) {
      const next = outboxNextSeqOf(r);
      if (next !== null && next > state.durableNextSeq) state.durableNextSeq = next;
    }
  };
  const storage = {
    ...inner,
    async write(effect) {
      // A grouped write (js/client/group_commit.js) carries the effects it stands for in parts.
      const extra = [effect, ...(effect.parts ?? [])].flatMap((e) => extras.get(e) ?? []);
      const more = extra.length > 0 ? extra : null;
      // A new object: the core's effect stays as it was, for a retry after a failed write.
      await inner.write(more ? { ...effect, put: [...(effect.put ?? []), ...more] } : effect);
      sawNextSeq(effect.put);
    },
    async readAll() {
      const out = [];
      for (const r of await inner.readAll()) {
        if (r.store === 'meta' && typeof r.key === 'string' && r.key.startsWith(FORWARDED_PREFIX)) {
          loaded.set(r.key.slice(FORWARDED_PREFIX.length), r.value);
          continue;
        }
        if (r.store === 'meta' && typeof r.key === 'string' && r.key.startsWith(SPOOL_PREFIX)) {
          spools.set(r.key.slice(SPOOL_PREFIX.length), r.value);
          continue;
        }
        out.push(r);
      }
      state.durableNextSeq = 0;
      sawNextSeq(out);
      return out;
    },
  };
  return {
    storage,
    /** The follower keys stored by earlier leaders: follower key -> { collection, id, at }. */
    loaded,
    /** The spools of follower tabs found in the shared database: tab -> { tab, at, entries }. */
    spools,
    /**
     * A predicate for a former leader's client (clientId: the shared one): true for the outbox
     * keys its own writes made durable in the shared database, as of the last write.
     */
    durableKeysOf(clientId) {
      return (key) => {
        const seq = outboxSeqOfKey(clientId, key);
        return seq !== null && seq < state.durableNextSeq;
      };
    },
    /** Stores the follower key `key` (-> value) in the same transaction as `effect`. */
    remember(effect, key, value) {
      extras.set(effect, [...(extras.get(effect) ?? []), { store: 'meta', key: FORWARDED_PREFIX + key, value }]);
    },
    /** Forgets follower keys (no follower can still be re-sending them). */
    forget(keys) {
      return storage.write({ put: [], delete: keys.map((key) => ({ store: 'meta', key: FORWARDED_PREFIX + key })) });
    },
    /**
     * The spools in the shared database now: tab -> { tab, at, entries }. Reads every record (the
     * storage interface has no read by key); called only when a follower tab with a spool went
     * silent, which is rare.
     */
    async readSpools() {
      const out = new Map();
      for (const r of await inner.readAll()) {
        if (r.store === 'meta' && typeof r.key === 'string' && r.key.startsWith(SPOOL_PREFIX)) out.set(r.key.slice(SPOOL_PREFIX.length), r.value);
      }
      return out;
    },
    /** Removes the spools of these tabs (adopted). */
    dropSpools(tabs) {
      return storage.write({ put: [], delete: tabs.map((tab) => ({ store: 'meta', key: SPOOL_PREFIX + tab })) });
    },
  };
}
