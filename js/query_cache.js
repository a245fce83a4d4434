// The query cache facade: results fetched outside the sync channel (REST reads, reports), kept in
// the core with a TTL and stale-while-revalidate. Time defaults to the core's clock.
import { deepFreeze } from './snapshots.js';
import { requireName, toJson } from './args.js';

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** The query cache for results fetched outside the sync channel; time defaults to Date.now(). */
export class QueryCacheApi {
  /**
   * @param {{ call: (method: string, ...args: unknown[]) => unknown, now: () => number }} core
   *   call: one CoreHandle method, answering its value (a SyncError if it failed)
   */
  constructor({ call, now }) {
    this._call = call;
    this._now = now;
  }

  set(key, value, { ttl = 60000, staleTime = 0, tags = [], now } = {}) {
    requireName(key, 'cache key');
    const opts = toJson({ ttl, staleTime, tags }, 'cache options');
    this._call('cacheSet', key, toJson(value, 'cache value'), opts, now ?? this._now());
  }

  /** { status: 'fresh' | 'stale' | 'miss', value?, age? } */
  get(key, { now } = {}) {
    requireName(key, 'cache key');
    const hit = this._call('cacheGet', key, now ?? this._now());
    if (hasOwn(hit, 'value')) hit.value = deepFreeze(hit.value);
    return hit;
  }

  invalidate(key) {
    return this._call('cacheInvalidate', requireName(key, 'cache key'));
  }

  invalidateTag(tag) {
    return this._call('cacheInvalidateTag', requireName(tag, 'tag'));
  }

  remove(key) {
    return this._call('cacheRemove', requireName(key, 'cache key'));
  }

  prune({ now } = {}) {
    return this._call('cachePrune', now ?? this._now());
  }
}
