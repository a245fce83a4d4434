// The query cache facade: results fetched outside the sync channel (REST reads, reports), kept in
// the core with a TTL and stale-while-revalidate. Time defaults to the core's clock.
import { deepFreeze } from './snapshots.js';
import { requireName, toJson } from './args.js';

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** The query cache for results fetched outside the sync channel; time defaults to Date.now(). */
export class QueryCacheApi {
  constructor(core) {
    this._core = core;
  }

  set(key, value, { ttl = 60000, staleTime = 0, tags = [], now } = {}) {
    requireName(key, 'cache key');
    const opts = toJson({ ttl, staleTime, tags }, 'cache options');
    const t = now ?? this._core._now();
    this._core._check(this._core._live().cacheSet(key, toJson(value, 'cache value'), opts, t));
  }

  /** { status: 'fresh' | 'stale' | 'miss', value?, age? } */
  get(key, { now } = {}) {
    requireName(key, 'cache key');
    const t = now ?? this._core._now();
    const hit = JSON.parse(this._core._check(this._core._live().cacheGet(key, t)));
    if (hasOwn(hit, 'value')) hit.value = deepFreeze(hit.value);
    return hit;
  }

  invalidate(key) {
    return this._core._live().cacheInvalidate(requireName(key, 'cache key'));
  }

  invalidateTag(tag) {
    return this._core._live().cacheInvalidateTag(requireName(tag, 'tag'));
  }

  remove(key) {
    return this._core._live().cacheRemove(requireName(key, 'cache key'));
  }

  prune({ now } = {}) {
    return this._core._check(this._core._live().cachePrune(now ?? this._core._now()), (n) => n < 0);
  }
}
