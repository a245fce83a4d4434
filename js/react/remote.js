// Data fetched outside the sync channel (REST reads, reports, dashboards), kept in the core's query
// cache: TTL, stale-while-revalidate, one fetch per key however many components show it, optional
// polling, and invalidation by key or tag. Freshness is the cache's (so an injected `now` drives
// it); the status is re-evaluated on mount, refresh(), each poll, invalidation, and when a fetch
// settles — not by timers of its own. Values fetched with { persist: true } survive a reload
// (js/react/remote_persist.js). Sync invalidates through tags: a change of collection C (remote,
// or our own acknowledged write) invalidates the tags `sync:C` and `sync:C/<id>`.
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useSource } from './context.js';
import { deepFreeze } from '../snapshots.js';
import { PersistedRemoteCache } from './remote_persist.js';

const stores = new WeakMap();

/** @internal One remote store per core; given a source (the hooks do), wired to its sync changes. */
export function remoteStoreOf(sourceOrCore) {
  const source = sourceOrCore?.kind === 'client' || sourceOrCore?.kind === 'core' ? sourceOrCore : null;
  const core = source ? source.core : sourceOrCore;
  let store = stores.get(core);
  if (!store) stores.set(core, (store = new RemoteStore(core)));
  if (source) store.attach(source);
  return store;
}

/** The tags a sync change of collection/id invalidates. */
export const syncTags = (collection, id) => [`sync:${collection}`, `sync:${collection}/${id}`];

class RemoteStore {
  constructor(core) {
    this.core = core;
    this.entries = new Map(); // key -> entry
    this.persisted = null;
    this.sources = new WeakSet();
    // The sync: tags values were stored with: a catch-up of thousands of changes invalidates only
    // these, not one tag per changed entity.
    this.syncTagsInUse = new Set();
  }

  // Once per source: where persisted values go, and sync changes as tag invalidations.
  attach(source) {
    if (this.sources.has(source)) return;
    this.sources.add(source);
    const { storage = globalThis.localStorage, name } = source.remoteCache ?? {};
    if (!this.persisted && storage && typeof storage.getItem === 'function') {
      this.persisted = new PersistedRemoteCache(storage, name);
      for (const e of this.persisted.load().values()) this.useTags(e.tags);
    }
    const changed = (collection, ids) => {
      if (this.syncTagsInUse.size === 0) return;
      const tags = new Set([`sync:${collection}`]);
      for (const id of ids) tags.add(syncTags(collection, id)[1]);
      for (const tag of tags) if (this.syncTagsInUse.has(tag)) this.invalidateTag(tag);
    };
    source.onRemoteChanges((changes) => {
      for (const [collection, c] of Object.entries(changes)) {
        const ids = [...(c.created ?? []), ...(c.updated ?? []), ...(c.deleted ?? [])];
        if (ids.length > 0) changed(collection, ids);
      }
    });
    source.on('mutationSettled', (e) => {
      if (e?.status === 'acked' && typeof e.collection === 'string') changed(e.collection, e.id === undefined ? [] : [e.id]);
    });
  }

  entry(key) {
    let e = this.entries.get(key);
    if (!e) {
      e = { key, state: null, text: undefined, error: null, inflight: null, again: false, listeners: new Set(), observers: [], polls: new Map(), timer: null, timerMs: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  // Reads the cache into e.state = { data, hit: 'fresh' | 'stale' | 'miss', error, fetching }.
  // The same object while nothing changed; data is the same object while its JSON is the same.
  check(e) {
    let hit;
    try {
      hit = this.core.cache.get(e.key);
    } catch (err) {
      if (err?.code !== 'DISPOSED') throw err;
      hit = { status: 'miss' };
    }
    if (hit.status === 'miss') hit = this.fromPersisted(e.key) ?? hit;
    let data;
    if (hit.status === 'miss' && e.listeners.size > 0 && e.state?.data !== undefined) {
      // Past its stale time, but shown right now: keep showing it (as stale) until the refetch.
      data = e.state.data;
      hit = { status: 'stale' };
    } else if (hit.status === 'miss') {
      e.text = undefined;
    } else {
      const text = JSON.stringify(hit.value);
      data = text === e.text ? e.state.data : hit.value;
      e.text = text;
    }
    const next = { data, hit: hit.status, error: e.error, fetching: e.inflight !== null };
    const s = e.state;
    if (!s || s.data !== next.data || s.hit !== next.hit || s.error !== next.error || s.fetching !== next.fetching) e.state = Object.freeze(next);
    return e.state;
  }

  // A value kept from an earlier page: back in the core's cache while within its ttl (its age
  // counted from when it was fetched), else shown stale until the refetch.
  fromPersisted(key) {
    const p = this.persisted?.get(key);
    if (!p) return null;
    if (!p.stale && Date.now() - p.savedAt < p.ttl) {
      try {
        this.core.cache.set(key, p.value, { ttl: p.ttl, staleTime: p.staleTime, tags: p.tags, now: p.savedAt });
        const hit = this.core.cache.get(key, { now: Date.now() });
        if (hit.status !== 'miss') return hit;
      } catch {
        // not JSON any more, or disposed: served stale below
      }
    }
    return { status: 'stale', value: deepFreeze(p.value) };
  }

  /** Sets a key's value locally (updateData): cached (and persisted) as if fetched now. */
  set(key, value, options = {}) {
    const e = this.entry(key);
    this.store(key, value, options);
    e.error = null;
    this.notify(e);
    this.release(e);
  }

  useTags(tags) {
    for (const tag of tags ?? []) if (typeof tag === 'string' && tag.startsWith('sync:')) this.syncTagsInUse.add(tag);
  }

  store(key, value, options) {
    const { ttl, staleTime, tags, persist } = options ?? {};
    this.useTags(tags);
    const opts = {};
    if (ttl !== undefined) opts.ttl = ttl;
    if (staleTime !== undefined) opts.staleTime = staleTime;
    if (tags !== undefined) opts.tags = tags;
    this.core.cache.set(key, value, opts); // a value that is not JSON becomes the error
    if (persist && this.persisted) this.persisted.put(key, { value, savedAt: Date.now(), ttl: ttl ?? 60000, staleTime: staleTime ?? 0, tags: tags ?? [] });
  }

  notify(e) {
    const before = e.state;
    this.check(e);
    if (e.state !== before) for (const fn of [...e.listeners]) fn();
  }

  // Fetches unless a fetch of this key is under way (then that one is shared). Never rejects.
  fetch(e, observer) {
    if (e.inflight) return e.inflight;
    const { fetcher, options } = (observer ?? e.observers.findLast((o) => o.enabled))?.current ?? {};
    if (typeof fetcher !== 'function') return Promise.resolve(e.state?.data);
    let pending;
    try {
      pending = Promise.resolve(fetcher(e.key));
    } catch (err) {
      pending = Promise.reject(err);
    }
    e.inflight = pending.then(
      (value) => {
        this.store(e.key, value, options);
        e.error = null;
      },
    ).catch((err) => {
      e.error = err ?? new Error('fetch failed');
    }).then(() => {
      e.inflight = null;
      if (e.again) {
        // Invalidated while this fetch was under way: its answer may predate the change.
        e.again = false;
        if (e.observers.some((o) => o.enabled)) return this.fetch(e);
      }
      this.notify(e);
      this.release(e);
      return e.state?.data;
    });
    this.notify(e);
    return e.inflight;
  }

  // Mount, invalidation, poll: fetch when the cache has nothing fresh.
  revalidate(e) {
    const s = this.check(e);
    if (s.hit !== 'fresh' && !e.inflight && e.observers.some((o) => o.enabled)) this.fetch(e);
  }

  // An entry nobody shows and nothing fetches is dropped (the cache keeps the value).
  release(e) {
    if (e.listeners.size === 0 && e.observers.length === 0 && e.polls.size === 0 && !e.inflight && this.entries.get(e.key) === e) this.entries.delete(e.key);
  }

  observe(key, observer, listener) {
    const e = this.entry(key);
    e.listeners.add(listener);
    e.observers.push(observer);
    if (observer.enabled) this.revalidate(e);
    return () => {
      e.listeners.delete(listener);
      const i = e.observers.lastIndexOf(observer);
      if (i >= 0) e.observers.splice(i, 1);
      this.release(e);
    };
  }

  // One timer per key, at the shortest interval any component asked for.
  poll(key, token, ms) {
    const e = this.entry(key);
    if (ms > 0) e.polls.set(token, ms);
    else e.polls.delete(token);
    this.retime(e);
    return () => {
      e.polls.delete(token);
      this.retime(e);
      this.release(e);
    };
  }

  retime(e) {
    const ms = e.polls.size > 0 ? Math.min(...e.polls.values()) : 0;
    if (ms === e.timerMs) return;
    if (e.timer) clearInterval(e.timer);
    e.timer = null;
    e.timerMs = ms;
    if (ms > 0) e.timer = setInterval(() => this.fetch(e), ms);
  }

  invalidate(key) {
    const found = this.core.cache.invalidate(key);
    this.persisted?.invalidate(key);
    const e = this.entries.get(key);
    if (e) this.invalidated(e);
    return found;
  }

  invalidateTag(tag) {
    const n = this.core.cache.invalidateTag(tag);
    this.persisted?.invalidateTag(tag);
    // Which keys carry the tag is the cache's business: every shown key is re-checked.
    for (const e of [...this.entries.values()]) this.invalidated(e, (o) => o.current?.options?.tags?.includes(tag));
    return n;
  }

  invalidated(e, tagged = () => true) {
    if (e.inflight && e.observers.some(tagged)) e.again = true;
    else this.revalidate(e);
  }
}

// Public state of one key as one hook sees it; `enabled` decides 'loading' versus 'idle'.
function statusOf(s, enabled) {
  if (s.error && !s.fetching) return 'error';
  if (s.hit === 'fresh' || s.hit === 'stale') return s.hit;
  return s.fetching || enabled ? 'loading' : 'idle';
}

// One hook's view of a key: subscribe / getSnapshot for useSyncExternalStore, returning the same
// object until data, status or error change (a poll that brings the same data renders nothing).
function keyView(store, key, observer, refresh, updateData) {
  let last = null;
  return {
    subscribe: (fn) => store.observe(key, observer, fn),
    getSnapshot() {
      const e = store.entry(key);
      // A view's first read looks at the cache itself (time may have passed since the last check).
      const s = last === null || e.state === null ? store.check(e) : e.state;
      const status = statusOf(s, observer.enabled);
      const error = status === 'error' ? s.error : null;
      if (last && last.data === s.data && last.status === status && last.error === error) return last;
      last = Object.freeze({ data: s.data, status, error, refresh, updateData });
      return last;
    },
  };
}

const optionsKey = (o = {}) => JSON.stringify([o.ttl, o.staleTime, o.tags, o.enabled !== false, o.persist === true]);

/**
 * Remote data through the core's cache: { data, status: 'loading' | 'fresh' | 'stale' | 'error' |
 * 'idle', error, refresh() }. fetcher(key) returns the (JSON) value or a promise of it.
 */
export function useRemoteData(key, fetcher, options = {}) {
  const store = remoteStoreOf(useSource('useRemoteData()'));
  const enabled = options.enabled !== false;
  const latest = useRef(null);
  latest.current = { fetcher, options };
  const view = useMemo(() => {
    const observer = { enabled, get current() { return latest.current; } };
    const refresh = () => store.fetch(store.entry(key), observer);
    const updateData = (value) => store.set(key, value, latest.current.options);
    return keyView(store, key, observer, refresh, updateData);
  }, [store, key, enabled]);
  const result = useSyncExternalStore(view.subscribe, view.getSnapshot, view.getSnapshot);
  const interval = enabled ? options.refreshInterval ?? 0 : 0;
  useEffect(() => (interval > 0 ? store.poll(key, view, interval) : undefined), [store, key, view, interval]);
  return result;
}

const rank = { error: 4, loading: 3, stale: 2, fresh: 1, idle: 0 };

/**
 * Several remote sources at once: useMultiRemoteData({ a: [key, fetcher, options?], … }) ->
 * { data: { a, … }, status, statuses: { a, … }, errors: { a, … }, refresh() }. status is 'error'
 * if any failed, else 'loading' if any loads, else 'stale' if any is stale, else 'fresh'.
 */
export function useMultiRemoteData(sources) {
  const store = remoteStoreOf(useSource('useMultiRemoteData()'));
  const latest = useRef(null);
  latest.current = sources;
  const names = Object.keys(sources);
  const shape = JSON.stringify(names.map((n) => [n, sources[n][0], optionsKey(sources[n][2])]));
  const multi = useMemo(() => {
    const parts = JSON.parse(shape).map(([name, key]) => {
      const enabled = (latest.current[name]?.[2] ?? {}).enabled !== false;
      const observer = {
        enabled,
        get current() {
          const [, fetcher, options] = latest.current[name] ?? [];
          return { fetcher, options };
        },
      };
      const refresh = () => store.fetch(store.entry(key), observer);
      const updateData = (value) => store.set(key, value, observer.current.options);
      return { name, key, enabled, refresh, updateData, view: keyView(store, key, observer, refresh, updateData) };
    });
    const refresh = () => Promise.all(parts.map((p) => (p.enabled ? p.refresh() : undefined))).then(() => undefined);
    // Seed 002's updateData(name, value): sets one source's value locally, as if fetched now.
    const updateData = (name, value) => {
      const part = parts.find((p) => p.name === name);
      if (!part) throw new TypeError(`updateData: no source named '${name}'`);
      part.updateData(value);
    };
    let last = null;
    let lastParts = [];
    return {
      parts,
      subscribe(fn) {
        const offs = parts.map((p) => p.view.subscribe(fn));
        return () => offs.forEach((off) => off());
      },
      getSnapshot() {
        const snaps = parts.map((p) => p.view.getSnapshot());
        if (last && snaps.every((s, i) => s === lastParts[i])) return last;
        const data = {};
        const statuses = {};
        const errors = {};
        let status = 'idle';
        for (let i = 0; i < parts.length; i++) {
          const { name } = parts[i];
          data[name] = snaps[i].data;
          statuses[name] = snaps[i].status;
          errors[name] = snaps[i].error;
          if (rank[snaps[i].status] > rank[status]) status = snaps[i].status;
        }
        lastParts = snaps;
        last = Object.freeze({ data: Object.freeze(data), status, statuses: Object.freeze(statuses), errors: Object.freeze(errors), refresh, updateData });
        return last;
      },
    };
  }, [store, shape]);
  const result = useSyncExternalStore(multi.subscribe, multi.getSnapshot, multi.getSnapshot);
  const polls = JSON.stringify(multi.parts.map((p) => (p.enabled ? latest.current[p.name]?.[2]?.refreshInterval ?? 0 : 0)));
  useEffect(() => {
    const offs = JSON.parse(polls).map((ms, i) => (ms > 0 ? store.poll(multi.parts[i].key, multi.parts[i], ms) : null));
    return () => offs.forEach((off) => off?.());
  }, [store, multi, polls]);
  return result;
}

/** { invalidate(key), invalidateTag(tag) }: marks cached values stale; shown ones refetch. */
export function useInvalidate() {
  const store = remoteStoreOf(useSource('useInvalidate()'));
  return useMemo(() => ({
    invalidate: (key) => store.invalidate(key),
    invalidateTag: (tag) => store.invalidateTag(tag),
  }), [store]);
}
