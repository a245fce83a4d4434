// Local-only overlays: values shown over an entity's view without entering the outbox (an
// optimisticUpdate's data while its API call runs, a debounced edit before it is flushed). Kept
// per client (or core) in memory: never persisted, never sent. A layer is a JSON merge patch
// (RFC 7386) applied over the view in the order the layers were added.
import { deepFreeze } from '../snapshots.js';
import { isObject, mergePatch } from '../merge_patch.js';



/**
 * One merge patch doing what `a` then `b` do, or null where none can (b sets an object under a
 * key that a deletes: b would then merge into what a removed).
 */
export function composePatches(a, b) {
  if (!isObject(a) || !isObject(b)) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (isObject(v) && a[k] === null) return null;
    if (isObject(v) && isObject(a[k])) {
      const inner = composePatches(a[k], v);
      if (inner === null) return null;
      out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

const keyOf = (collection, id) => `${collection}\u0000${id}`;
const NONE = Object.freeze(new Map());

class Overlays {
  constructor() {
    this.layers = new Map(); // key -> [{ token, patches, pending }]
    this.states = new Map(); // key -> frozen { patches, pending }
    this.byCollection = new Map(); // collection -> Map(id -> state), a new Map on each change
    this.listeners = new Map(); // key or collection -> Set(fn)
    this.next = 1;
  }

  /** Shows `patch` over the entity until remove(token); pending: counts as unacknowledged. */
  add(collection, id, patch, { pending = true } = {}) {
    const token = { collection, id: String(id), n: this.next++ };
    const key = keyOf(collection, token.id);
    const list = this.layers.get(key) ?? [];
    list.push({ token, patches: [patch], pending });
    this.layers.set(key, list);
    this.changed(collection, token.id);
    return token;
  }

  /** Changes a layer's patch (or patches, applied in order) or pending flag. */
  update(token, { patch, patches, pending }) {
    const layer = this.layers.get(keyOf(token.collection, token.id))?.find((l) => l.token === token);
    if (!layer) return;
    if (patch !== undefined) layer.patches = [patch];
    if (patches !== undefined) layer.patches = [...patches];
    if (pending !== undefined) layer.pending = pending;
    this.changed(token.collection, token.id);
  }

  remove(token) {
    const key = keyOf(token.collection, token.id);
    const list = this.layers.get(key);
    const i = list?.findIndex((l) => l.token === token) ?? -1;
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.layers.delete(key);
    this.changed(token.collection, token.id);
  }

  /** The entity's overlay: frozen { patches, pending }, the same object while unchanged; or null. */
  get(collection, id) {
    return this.states.get(keyOf(collection, String(id))) ?? null;
  }

  /** id -> overlay for every entity of the collection that has one (a new Map on each change). */
  ofCollection(collection) {
    return this.byCollection.get(collection) ?? NONE;
  }

  subscribe(collection, id, fn) {
    const key = id === undefined ? collection : keyOf(collection, String(id));
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  changed(collection, id) {
    const key = keyOf(collection, id);
    const list = this.layers.get(key);
    const all = new Map(this.ofCollection(collection));
    if (list) {
      const state = Object.freeze({ patches: Object.freeze(list.flatMap((l) => l.patches)), pending: list.some((l) => l.pending) });
      this.states.set(key, state);
      all.set(id, state);
    } else {
      this.states.delete(key);
      all.delete(id);
    }
    this.byCollection.set(collection, all.size > 0 ? all : NONE);
    for (const fn of [...(this.listeners.get(key) ?? []), ...(this.listeners.get(collection) ?? [])]) fn();
  }
}

const overlays = new WeakMap();

/** @internal The overlays of a source (one per client or core). */
export function overlaysOf(source) {
  let o = overlays.get(source);
  if (!o) overlays.set(source, (o = new Overlays()));
  return o;
}

// view + overlay -> the shown value, made once per (view, overlay) pair.
const shown = new WeakMap();

/**
 * The view with the overlay's patches applied (frozen), or the view itself without one. An
 * entity that does not exist (deleted meanwhile) stays so: an overlay edits, it never creates.
 */
export function withOverlay(view, overlay) {
  if (!overlay || view === undefined || view === null) return view;
  const holder = view;
  let byOverlay = shown.get(holder);
  if (!byOverlay) shown.set(holder, (byOverlay = new WeakMap()));
  let out = byOverlay.get(overlay);
  if (!out) {
    out = view;
    for (const p of overlay.patches) out = mergePatch(out, p);
    out = deepFreeze(out);
    byOverlay.set(overlay, out);
  }
  return out;
}
