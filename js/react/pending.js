// Which entities have unacknowledged mutations (useEntity's `pending`): an index kept from the
// core's commits, one per client (or core). Queued events add a mutation, settled events (acked,
// dead letter, conflict, cancelled) remove it, renamed ids move it; a commit that puts mutations
// back in the outbox without a queued event (a dead letter retried or edited) rebuilds it from
// the outbox. O(1) per mutation, so a burst of writes costs no scan of the outbox per write.

const keyOf = (collection, id) => `${collection}\u0000${id}`;

class PendingIndex {
  constructor(core) {
    this.core = core;
    this.keyOfMutation = new Map(); // mutationId -> entity key
    this.mutationsOf = new Map(); // entity key -> Set(mutationId)
    this.listeners = new Map(); // entity key -> Set(fn)
    // A temp id the server renamed: a component still showing the entity under it (useEntity's
    // entity follows the move) reads the flag of the new id. from key -> to key, and back.
    this.renamedTo = new Map();
    this.renamedFrom = new Map();
    this.lastPending = 0;
    this.rebuild();
    core.onCommit((commit) => this.committed(commit));
  }

  has(collection, id) {
    let key = keyOf(collection, String(id));
    for (let hops = 0; this.renamedTo.has(key) && hops < 8; hops++) key = this.renamedTo.get(key);
    return this.mutationsOf.has(key);
  }

  subscribe(collection, id, fn) {
    const key = keyOf(collection, String(id));
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  add(mutationId, key, touched) {
    if (this.keyOfMutation.has(mutationId)) return;
    this.keyOfMutation.set(mutationId, key);
    let set = this.mutationsOf.get(key);
    if (!set) {
      this.mutationsOf.set(key, (set = new Set()));
      touched.add(key);
    }
    set.add(mutationId);
  }

  remove(mutationId, touched) {
    const key = this.keyOfMutation.get(mutationId);
    if (key === undefined) return;
    this.keyOfMutation.delete(mutationId);
    const set = this.mutationsOf.get(key);
    set.delete(mutationId);
    if (set.size === 0) {
      this.mutationsOf.delete(key);
      touched.add(key);
    }
  }

  rebuild(touched = new Set()) {
    let entries;
    try {
      entries = this.core.pendingMutations();
    } catch {
      return touched; // disposed
    }
    const before = new Set(this.mutationsOf.keys());
    this.keyOfMutation.clear();
    this.mutationsOf.clear();
    const scratch = new Set();
    for (const e of entries) for (const m of e.mutationIds ?? []) this.add(m, keyOf(e.collection, e.id), scratch);
    for (const key of new Set([...before, ...this.mutationsOf.keys()])) if (before.has(key) !== this.mutationsOf.has(key)) touched.add(key);
    this.lastPending = entries.length;
    return touched;
  }

  committed(commit) {
    const touched = new Set();
    let queued = false;
    for (const event of commit.events ?? []) {
      if (event.type === 'queued') {
        queued = true;
        this.add(event.mutationId, keyOf(event.collection, event.id), touched);
      } else if (event.type === 'settled') for (const m of event.mutationIds ?? []) this.remove(m, touched);
    }
    for (const [collection, renames] of Object.entries(commit.renamed ?? {})) {
      for (const [from, to] of Object.entries(renames)) {
        const fromKey = keyOf(collection, from);
        const toKey = keyOf(collection, to);
        this.renamedTo.set(fromKey, toKey);
        if (!this.renamedFrom.has(toKey)) this.renamedFrom.set(toKey, new Set());
        this.renamedFrom.get(toKey).add(fromKey);
        touched.add(fromKey);
        const set = this.mutationsOf.get(fromKey);
        if (!set) continue;
        for (const m of [...set]) {
          this.remove(m, touched);
          this.add(m, keyOf(collection, to), touched);
        }
      }
    }
    const pending = commit.counts?.pending ?? this.lastPending;
    // Back in the outbox without a queued event, or gone without a settled one: ask the outbox.
    if ((pending > this.lastPending && !queued) || (pending === 0 && this.mutationsOf.size > 0)) this.rebuild(touched);
    this.lastPending = pending;
    for (const key of touched) {
      for (const fn of [...(this.listeners.get(key) ?? [])]) fn();
      for (const from of this.renamedFrom.get(key) ?? []) for (const fn of [...(this.listeners.get(from) ?? [])]) fn();
    }
  }
}

const indexes = new WeakMap();

/** @internal The pending index of a core. */
export function pendingIndexOf(core) {
  let index = indexes.get(core);
  if (!index) indexes.set(core, (index = new PendingIndex(core)));
  return index;
}
