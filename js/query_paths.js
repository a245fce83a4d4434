// Development builds only: a live query whose `where` or `orderBy` names a field that no entity of
// its collection has ever had (a typo such as 'titel') silently matches nothing or sorts nothing.
// This check warns once per collection and path. It reads the core through its public API only
// (list, getMany, count, onCommit), so it costs nothing on the commit path unless a path is
// still undecided, and nothing at all in production builds.

/**
 * Whether a core runs its development checks. `option` (createSyncCore's `dev`) wins when it is a
 * boolean. Otherwise the convention of React, Redux and Vue: `process.env.NODE_ENV !== 'production'`.
 * Bundlers (Vite, webpack, esbuild, Rollup with @rollup/plugin-replace) replace that expression
 * with a literal, so production bundles drop the check; in Node it reads the environment; in a
 * page loaded without a bundler (`process` does not exist) it is off.
 */
export function isDevelopment(option) {
  if (typeof option === 'boolean') return option;
  try {
    return process.env.NODE_ENV !== 'production';
  } catch {
    return false;
  }
}

/** The field paths a query spec names in `where` and `orderBy` ([field, op, value], { field }, 'field', [field, dir]). */
export function queryPaths(spec) {
  const paths = [];
  const add = (field, clause) => {
    if (typeof field === 'string' && field.length > 0) paths.push({ path: field, clause });
  };
  for (const item of Array.isArray(spec?.where) ? spec.where : []) add(Array.isArray(item) ? item[0] : item?.field, 'where');
  for (const item of Array.isArray(spec?.orderBy) ? spec.orderBy : []) {
    add(typeof item === 'string' ? item : Array.isArray(item) ? item[0] : item?.field, 'orderBy');
  }
  return paths;
}

/** Whether a dotted path exists in an entity, as the core looks it up (objects by key, arrays by index). */
export function hasPath(entity, path) {
  let node = entity;
  for (const key of path.split('.')) {
    if (Array.isArray(node)) {
      if (!/^\d{1,9}$/.test(key) || Number(key) >= node.length) return false;
      node = node[Number(key)];
    } else if (node !== null && typeof node === 'object') {
      if (!Object.prototype.hasOwnProperty.call(node, key)) return false;
      node = node[key];
    } else return false;
  }
  return true;
}

export class QueryPathCheck {
  /**
   * @param {object} core a SyncCore: list(c), getMany(c, ids), count(c), onCommit(fn)
   * @param {(message: string) => void} [warn] console.warn by default
   */
  constructor(core, warn = (message) => console.warn(message)) {
    this._core = core;
    this._warn = warn;
    this._decided = new Set(); // `${collection}\0${path}`: seen on some entity, or warned about
    this._undecided = new Map(); // collection -> Map(path -> clause): the collection was empty so far
    this._offCommit = null;
  }

  /** Checks the paths of a query that just opened. */
  opened(spec) {
    for (const { path, clause } of queryPaths(spec)) {
      const collection = spec.collection;
      const key = `${collection}\0${path}`;
      if (this._decided.has(key) || this._undecided.get(collection)?.has(path)) continue;
      const entities = this._core.list(collection);
      if (entities.some((e) => hasPath(e, path))) this._decided.add(key);
      else if (entities.length > 0) this._report(collection, path, clause);
      else this._wait(collection, path, clause);
    }
  }

  // An empty collection says nothing yet: decided by the first entities that arrive.
  _wait(collection, path, clause) {
    let paths = this._undecided.get(collection);
    if (!paths) this._undecided.set(collection, (paths = new Map()));
    paths.set(path, clause);
    this._offCommit ??= this._core.onCommit((commit) => this._committed(commit));
  }

  _committed(commit) {
    for (const [collection, paths] of [...this._undecided]) {
      const changed = commit.changes?.[collection];
      const ids = [...(changed?.created ?? []), ...(changed?.updated ?? [])];
      if (ids.length === 0) continue;
      const entities = this._core.getMany(collection, ids).filter(Boolean);
      for (const [path, clause] of [...paths]) {
        if (entities.some((e) => hasPath(e, path))) this._decided.add(`${collection}\0${path}`);
        else if (this._core.count(collection) > 0) this._report(collection, path, clause);
        else continue;
        paths.delete(path);
      }
      if (paths.size === 0) this._undecided.delete(collection);
    }
    if (this._undecided.size === 0 && this._offCommit) {
      this._offCommit();
      this._offCommit = null;
    }
  }

  _report(collection, path, clause) {
    this._decided.add(`${collection}\0${path}`);
    this._warn(`syncore: a query's ${clause} names '${path}', a field no entity of '${collection}' has had so far: ` +
      'it matches or sorts nothing (a typo?). Shown once, in development builds only.');
  }
}
