// The query cache facade: results fetched outside the sync channel (REST reads, reports), kept in
// the core with a TTL and stale-while-revalidate. Time defaults to the core's clock.
import { deepFreeze } from './snapshots.js';
import { requireName, toJson } from './args.js';

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** The query cache for results fetched outside the sync channel; time defaults to Date.now(). */
export class QueryCacheApi {
  /**
   * @param {object} core what the cache needs of its SyncCore: handle() (the live wasm handle;
   *   throws DISPOSED), check(result, failed?) (throws the core's error when a call failed), now()
   */
  constructor(core) {
    this._core = core;
  }

  set(key, value, { ttl = 60000, staleTime = 0, tags = [], now } = {}) {
    requireName(key, 'cache key');
    const opts = toJson({ ttl, staleTime, tags }, 'cache options');
    const t = now ?? this._core.now();
    this._core.check(this._core.handle().cacheSet(key, toJson(value, 'cache value'), opts, t));
  }

  /** { status: 'fresh' | 'stale' | 'miss', value?, age? } */
  get(key, { now } = {}) {
    requireName(key, 'cache key');
    const t = now ?? this._core.now();
    const hit = JSON.parse(this._core.check(this._core.handle().cacheGet(key, t)));
    if (hasOwn(hit, 'value')) hit.value = deepFreeze(hit.value);
    return hit;
  }

  invalidate(key) {
    return this._core.handle().cacheInvalidate(requireName(key, 'cache key'));
  }

  invalidateTag(tag) {
    return this._core.handle().cacheInvalidateTag(requireName(tag, 'tag'));
  }

  remove(key) {
    return this._core.handle().cacheRemove(requireName(key, 'cache key'));
  }

  prune({ now } = {}) {
    return this._core.check(this._core.handle().cachePrune(now ?? this._core.now()), (n) => n < 0);
  }
}
