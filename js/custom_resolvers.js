// Custom conflict resolvers as the core calls them: synchronously, from inside a commit, with one
// text in and one text (or undefined: "park it") out. Whatever the app's function returns is
// checked here, so nothing but a plain object (or null: delete) ever reaches the core: a Promise,
// a Map or a class instance would serialise to `{}` and wipe the entity.
//
// An async resolver (one that returns a Promise) parks the conflict, like `manual`, until the
// promise settles; the parked conflict is persisted like any other, so a reload loses nothing.
// The settled value then goes through the same path as an app's own decision:
// resolveConflict(id, { choice: 'merged', value }). A rejection, or a value that is not an entity,
// leaves it parked and is reported (resolverError).

const isThenable = (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';

// A record of fields: a literal, Object.create(null), a class instance, one from another realm.
// Not a Map, Set, Date, Promise, array or typed array: their JSON is `{}`, a string or a list.
function isEntityLike(v) {
  return v !== null && typeof v === 'object' && Object.prototype.toString.call(v) === '[object Object]' && !isThenable(v);
}

/**
 * What a resolver's value means: { merged } (an object of fields with the entity's id, or null), or
 * { invalid: reason }. An object without the id field gets it: the merged entity is still this
 * entity, and a missing id would otherwise become a patch setting it to null.
 */
export function checkResolution(value, idField, entityId) {
  if (value === null) return { merged: null };
  if (!isEntityLike(value)) {
    const what = Array.isArray(value) ? 'an array' : value === undefined ? 'undefined' : typeof value === 'object' ? `a ${value.constructor?.name ?? 'non-plain'} object` : `a ${typeof value}`;
    return { invalid: `a resolver returns the merged entity (a plain object), null to delete, or undefined to park; got ${what}` };
  }
  if (value[idField] === undefined) return { merged: { ...value, [idField]: entityId } };
  if (String(value[idField]) !== String(entityId))
    return { invalid: `the merged entity's ${idField} (${String(value[idField])}) is not the conflict's (${entityId})` };
  return { merged: value };
}

/** The custom resolvers of one SyncCore and the async resolutions still running. */
export class CustomResolvers {
  /**
   * @param {{ idFieldOf: (collection: string) => string,
   *   report: (err: Error, info: object) => void,
   *   conflictExists: (id: string) => boolean,
   *   resolve: (id: string, value: object | null) => void,
   *   disposed: () => boolean }} hooks
   */
  constructor(hooks) {
    this._hooks = hooks;
    this._started = []; // resolutions started in the commit under way, in call order
    this._running = new Map(); // conflict id -> resolution, until its promise settles
  }

  /** The function handed to the core for fn (a never-throwing text -> text | undefined). */
  wrap(collection, fn) {
    const idField = this._hooks.idFieldOf(collection);
    return (caseText) => {
      let conflict;
      let value;
      try {
        conflict = JSON.parse(caseText);
        value = fn(conflict);
      } catch (err) {
        this._hooks.report(err, { collection, id: conflict?.id });
        this._started.push({ collection, id: conflict?.id, resolution: null }); // parked
        return undefined;
      }
      if (value === undefined) {
        this._started.push({ collection, id: conflict.id, resolution: null });
        return undefined;
      }
      if (isThenable(value)) {
        const resolution = { collection, id: conflict.id, idField, conflictId: null };
        this._started.push({ collection, id: conflict.id, resolution });
        // Attached at once, so a rejection is never unhandled; it acts once the id is known.
        Promise.resolve(value).then(
          (v) => this._settled(resolution, v),
          (err) => this._failed(resolution, err),
        );
        return undefined;
      }
      const checked = checkResolution(value, idField, conflict.id);
      if (checked.invalid) {
        this._hooks.report(new TypeError(checked.invalid), { collection, id: conflict.id });
        this._started.push({ collection, id: conflict.id, resolution: null });
        return undefined;
      }
      return JSON.stringify(checked.merged);
    };
  }

  /**
   * After each commit: every call that parked its conflict is matched, per entity and in order,
   * with the conflicts the commit parked (their settled events), so a settling promise knows the
   * id of the conflict it decides.
   */
  afterCommit(commit, conflictOf) {
    if (this._started.length === 0) return;
    const started = this._started;
    this._started = [];
    if (!started.some((call) => call.resolution)) return;
    const parked = new Map(); // "collection\0id" -> [conflict id, ...] in commit order
    for (const event of commit?.events ?? []) {
      if (event?.type !== 'settled' || event.status !== 'conflict' || typeof event.conflictId !== 'string') continue;
      const c = conflictOf(event.conflictId);
      if (!c || c.strategy !== 'custom') continue;
      const key = `${c.collection}\0${c.entityId}`;
      if (!parked.has(key)) parked.set(key, []);
      parked.get(key).push(event.conflictId);
    }
    // Every call that parked takes its conflict off its entity's list, async or not, so the
    // async ones get theirs.
    for (const { collection, id, resolution } of started) {
      const conflictId = parked.get(`${collection}\0${id}`)?.shift();
      if (!resolution || conflictId === undefined) continue;
      resolution.conflictId = conflictId;
      this._running.set(conflictId, resolution);
    }
  }

  /** A commit that threw: its calls decided nothing. */
  commitFailed() {
    this._started = [];
  }

  /** Whether an async resolver is still deciding this conflict. */
  isRunning(conflictId) {
    return this._running.has(conflictId);
  }

  _settled(resolution, value) {
    const { conflictId } = resolution;
    if (conflictId === null || this._running.get(conflictId) !== resolution) return;
    this._running.delete(conflictId);
    // Closed meanwhile, or decided by the app: the stored conflict (or its decision) stands.
    if (this._hooks.disposed() || !this._hooks.conflictExists(conflictId)) return;
    if (value === undefined) return; // the resolver chose to leave it to the app
    const checked = checkResolution(value, resolution.idField, resolution.id);
    if (checked.invalid) {
      this._hooks.report(new TypeError(checked.invalid), { collection: resolution.collection, id: resolution.id, conflictId });
      return;
    }
    try {
      this._hooks.resolve(conflictId, checked.merged);
    } catch (err) {
      this._hooks.report(err, { collection: resolution.collection, id: resolution.id, conflictId });
    }
  }

  _failed(resolution, err) {
    const { conflictId } = resolution;
    if (conflictId === null || this._running.get(conflictId) !== resolution) return;
    this._running.delete(conflictId);
    if (this._hooks.disposed()) return;
    this._hooks.report(err instanceof Error ? err : new Error(String(err)), { collection: resolution.collection, id: resolution.id, conflictId });
  }
}
