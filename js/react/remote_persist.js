// The remote-data cache kept across reloads: values fetched with { persist: true } are written
// to a Web Storage (localStorage by default, or the provider's remoteCacheStorage) under one item,
// `syncore:remote-cache:<name>`, with when they were fetched, their ttl, staleTime and tags. After
// a reload they are shown at once: fresh if still within their ttl, else stale while they are
// refetched. invalidateTag() marks the persisted ones stale too. At most MAX_ENTRIES (the oldest
// go first); a storage that refuses a write (quota) costs the persisted copy only.

export const MAX_ENTRIES = 200;

export class PersistedRemoteCache {
  /** @param {{ getItem(k: string): string | null, setItem(k: string, v: string): void }} storage */
  constructor(storage, name = 'syncore') {
    this.storage = storage;
    this.item = `syncore:remote-cache:${name}`;
    this.entries = null; // key -> { value, savedAt, ttl, staleTime, tags, stale }
  }

  load() {
    if (this.entries) return this.entries;
    this.entries = new Map();
    try {
      const text = this.storage.getItem(this.item);
      const parsed = text ? JSON.parse(text) : {};
      for (const [k, v] of Object.entries(parsed)) if (v && typeof v === 'object' && 'value' in v) this.entries.set(k, v);
    } catch {
      // unreadable: start empty (it is only a cache)
    }
    return this.entries;
  }

  get(key) {
    return this.load().get(key);
  }

  put(key, record) {
    const entries = this.load();
    entries.delete(key);
    entries.set(key, record);
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value);
    this.save();
  }

  remove(key) {
    if (this.load().delete(key)) this.save();
  }

  /** Marks the entries with the tag stale; returns how many. */
  invalidateTag(tag) {
    let n = 0;
    for (const e of this.load().values()) {
      if (!e.stale && e.tags?.includes(tag)) {
        e.stale = true;
        n++;
      }
    }
    if (n > 0) this.save();
    return n;
  }

  invalidate(key) {
    const e = this.load().get(key);
    if (!e || e.stale) return;
    e.stale = true;
    this.save();
  }

  save() {
    try {
      this.storage.setItem(this.item, JSON.stringify(Object.fromEntries(this.entries)));
    } catch {
      // quota or a closed storage: the in-memory cache goes on; the next save tries again
    }
  }
}
