// The leader's storage: the shared IndexedDB storage, plus the keys of follower mutations the
// leader has applied, kept in the `meta` store under FORWARDED_PREFIX and written in the same
// transaction as the persist effect that made each mutation durable; and the follower tabs' spools
// (spool.js), for the relay to adopt. The core never sees either.
import { SPOOL_PREFIX } from './spool.js';

export const FORWARDED_PREFIX = 'tabs:forwarded:';

export function withForwardedKeys(inner) {
  const extras = new WeakMap(); // persist effect -> extra put records
  const loaded = new Map(); // follower key -> { collection, id, at }
  const spools = new Map(); // follower tab -> { tab, at, entries }
  const state = { meta: null, durableNextSeq: 0 };
  const storage = {
    ...inner,
    async write(effect) {
      // A grouped write (js/client.js groupEffects) carries the effects it stands for in parts.
      const extra = [effect, ...(effect.parts ?? [])].flatMap((e) => extras.get(e) ?? []);
      const more = extra.length > 0 ? extra : null;
      // A new object: the core's effect stays as it was, for a retry after a failed write.
      await inner.write(more ? { ...effect, put: [...(effect.put ?? []), ...more] } : effect);
      const meta = effect.put?.find((r) => r.store === 'meta' && r.key === 'core');
      const next = Number(meta?.value?.outbox?.nextSeq);
      if (Number.isFinite(next) && next > state.durableNextSeq) state.durableNextSeq = next;
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
        if (r.store === 'meta' && r.key === 'core') {
          state.meta = r.value;
          state.durableNextSeq = Number(r.value?.outbox?.nextSeq) || 0;
        }
        out.push(r);
      }
      return out;
    },
  };
  return {
    storage,
    loaded,
    spools,
    get meta() {
      return state.meta;
    },
    /** The shared outbox holds every key of the shared client id numbered below this. */
    get durableNextSeq() {
      return state.durableNextSeq;
    },
    attach(effect, records) {
      extras.set(effect, [...(extras.get(effect) ?? []), ...records]);
    },
  };
}
