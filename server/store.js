// The reference sync server's durable store: per collection entities { id, version, data,
// deleted }, a global cursor, an append-only change log, the idempotency table (key -> the
// answer given) and the client ids' owners, as docs/protocol.md "Writing a back end" describes.
//
// Durability (when a data folder is given):
//   <dataDir>/log.jsonl      one JSON line per transaction (an applied mutation with its change
//                            and answer, a stored refusal or a client-id claim), appended with a synchronous write
//                            before the in-memory state changes;
//   <dataDir>/snapshot.json  the whole state every `snapshotEvery` transactions and on close,
//                            written to a temporary file, fsynced and renamed over the old one;
//                            the log is then emptied.
// On open: load the snapshot, replay the log records it does not cover (by sequence number). A
// torn last line (a crash in the middle of an append) is ignored and cut off the file; a bad line
// followed by good ones is corruption and throws.
// Without a data folder the store lives in memory only.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { cloneJson, isPlainObject, isTemporaryId, mergePatch, mutationShapeError, setOwn } from './mutation.js';

export { MUTATION_KINDS, isPlainObject, mergePatch, mutationShapeError, isTemporaryId } from './mutation.js';

const SNAPSHOT_FILE = 'snapshot.json';
const LOG_FILE = 'log.jsonl';
const SNAPSHOT_FORMAT = 'syncore-store';

function idPrefix(collection) {
  const letter = /[a-z]/i.exec(collection);
  return letter ? letter[0].toLowerCase() : 'e';
}

/** A change as it travels in sync_response: op "upsert" | "delete". */
export function wireChange(ch) {
  const out = { op: ch.op === 'delete' ? 'delete' : 'upsert', collection: ch.collection, id: ch.id, version: ch.version };
  if (ch.op !== 'delete') out.data = ch.data;
  out.origin = ch.origin;
  if (ch.ts != null) out.ts = ch.ts;
  out.cursor = ch.cursor;
  return out;
}

export class SyncStore {
  #dir = null;
  #fd = null;
  #fsync = false;
  #snapshotEvery;
  #sinceSnapshot = 0;
  #seq = 0;
  #cursor = 0;
  #idFields;
  /** collection -> Map(id as text -> { id, version, data, deleted, cursor }) */
  #collections = new Map();
  /** the change log, ascending cursor: { cursor, op, collection, id, version, data, origin, ts } */
  #log = [];
  /** idempotency key -> { answer, userId, collection } */
  #answers = new Map();
  /** client id -> the user that first said hello with it (see claimClient) */
  #clients = new Map();
  /** collection -> last number used for a server id */
  #counters = new Map();
  #closed = false;
  /** What opening found: { snapshot: bool, replayed: n, tornBytes: n } */
  recovery = { snapshot: false, replayed: 0, tornBytes: 0 };

  /**
   * @param {object} [options]
   * @param {string} [options.dataDir]  folder for log + snapshot; in memory only when omitted
   * @param {number} [options.snapshotEvery=500]  transactions between snapshots
   * @param {boolean} [options.fsync=false]  fsync the log after every append (the snapshot is
   *   always fsynced before its rename)
   * @param {Record<string,string>} [options.idFields]  collection -> id field in data ("id")
   */
  constructor({ dataDir = null, snapshotEvery = 500, fsync = false, idFields = {} } = {}) {
    this.#snapshotEvery = Math.max(1, snapshotEvery);
    this.#fsync = fsync;
    this.#idFields = { ...idFields };
    if (dataDir) {
      this.#dir = dataDir;
      mkdirSync(dataDir, { recursive: true });
      this.#load();
      this.#fd = openSync(join(dataDir, LOG_FILE), 'a');
    }
  }

  get dataDir() {
    return this.#dir;
  }

  /** The cursor of the last change applied (0 when none). */
  get cursor() {
    return this.#cursor;
  }

  /** Number of changes in the change log. */
  get changeCount() {
    return this.#log.length;
  }

  idField(collection) {
    return this.#idFields[collection] ?? 'id';
  }

  collectionNames() {
    return [...this.#collections.keys()];
  }

  /** A copy of an entity { id, version, data, deleted } (tombstones included) or null. */
  get(collection, id) {
    const e = this.#entity(collection, id);
    return e ? { id: e.id, version: e.version, data: cloneJson(e.data), deleted: e.deleted } : null;
  }

  /** Copies of a collection's entities; tombstones only with includeDeleted. */
  list(collection, { includeDeleted = false } = {}) {
    const map = this.#collections.get(collection);
    if (!map) return [];
    return [...map.values()]
      .filter((e) => includeDeleted || !e.deleted)
      .map((e) => ({ id: e.id, version: e.version, data: cloneJson(e.data), deleted: e.deleted }));
  }

  /** The stored answer for an idempotency key: { answer, userId, collection } (a copy) or null. */
  answerFor(key) {
    const a = this.#answers.get(key);
    return a ? cloneJson(a) : null;
  }

  /** The user a client id belongs to (undefined: not claimed yet). */
  clientOwner(clientId) {
    return this.#clients.get(clientId);
  }

  /**
   * Binds a client id to a user, durably, unless it is bound already. Returns the owner: `userId`
   * when the claim holds (new or the same user), another user's id when it does not.
   */
  claimClient(clientId, userId = null) {
    this.#checkOpen();
    if (this.#clients.has(clientId)) return this.#clients.get(clientId);
    this.#commit({ seq: this.#seq + 1, claim: { clientId, userId } });
    return userId;
  }

  /** A copy of the change log entries after `cursor` (all of them: no compaction). */
  changeLog(cursor = 0) {
    return cloneJson(this.#log.slice(this.#firstAfter(cursor)));
  }

  /**
   * Changes after `cursor` in wire form (see wireChange), ascending. With compact, only the
   * latest change of each entity (deletes included). `filter(collection)` selects collections.
   * The objects share data with the store: serialise them, don't mutate them.
   */
  *changesAfter(cursor, { compact = true, filter = null } = {}) {
    for (let i = this.#firstAfter(cursor); i < this.#log.length; i++) {
      const ch = this.#log[i];
      if (filter && !filter(ch.collection)) continue;
      if (compact && this.#entity(ch.collection, ch.id)?.cursor !== ch.cursor) continue;
      yield wireChange(ch);
    }
  }

  /**
   * One catch-up chunk: { changes, cursor, more }. `cursor` is the last included change's when
   * more is true, else the store's cursor (everything up to it that passes the filter is sent).
   */
  changesSince(cursor, { limit = 500, compact = true, filter = null } = {}) {
    const changes = [];
    let more = false;
    for (const ch of this.changesAfter(cursor, { compact, filter })) {
      if (changes.length >= limit) {
        more = true;
        break;
      }
      changes.push(ch);
    }
    return { changes, cursor: more ? changes.at(-1).cursor : Math.max(cursor, this.#cursor), more };
  }

  /**
   * Remembers a refusal (an `error` answer of class validation) under its key, durably, so the
   * same key gets the same answer again. Returns the answer.
   */
  recordAnswer(key, answer, { userId = null, collection = null } = {}) {
    this.#checkOpen();
    const existing = this.#answers.get(key);
    if (existing) return existing.answer;
    this.#commit({ seq: this.#seq + 1, key, userId, collection, answer });
    return answer;
  }

  /**
   * Applies one mutation as one transaction (steps 1, 3 and 4 of "Writing a back end"; the
   * caller checks the key's owner and permissions). Returns { result, change, replayed }:
   * - a known key: the stored answer again, change null, replayed true;
   * - malformed: an `error`/`validation` answer (stored);
   * - baseVersion differs from the current version (or the entity is missing/deleted for an
   *   update or delete, or a create names a live id): `conflict` with the current version and
   *   data (null: deleted or missing); nothing is applied or stored;
   * - else applied: the version bumps, the change is logged, the `ok` answer is stored.
   */
  apply(mutation, { userId = null } = {}) {
    this.#checkOpen();
    const m = mutation;
    const key = m?.key;
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('a mutation needs a string key');
    const known = this.#answers.get(key);
    if (known) return { result: cloneJson(known.answer), change: null, replayed: true };
    const shapeError = mutationShapeError(m);
    if (shapeError) {
      const answer = { key, status: 'error', class: 'validation', message: shapeError };
      this.recordAnswer(key, answer, { userId, collection: typeof m?.collection === 'string' ? m.collection : null });
      return { result: answer, change: null, replayed: false };
    }
    const { collection, kind } = m;
    const idField = this.idField(collection);
    let id = m.id;
    let counter;
    let current;
    if (kind === 'create') {
      if (isTemporaryId(id)) {
        ({ id, counter } = this.#nextId(collection));
      } else {
        current = this.#entity(collection, id);
        if (current && !current.deleted) return { result: this.#conflict(key, current), change: null, replayed: false };
        if (current) id = current.id;
      }
    } else {
      current = this.#entity(collection, id);
      if (!current || current.deleted || current.version !== m.baseVersion)
        return { result: this.#conflict(key, current), change: null, replayed: false };
      id = current.id;
    }
    let data = null;
    if (kind === 'create') {
      data = cloneJson(m.data);
      setOwn(data, idField, id);
    } else if (kind === 'update') {
      data = mergePatch(current.data, m.data);
      setOwn(data, idField, id);
    }
    const version = (current?.version ?? 0) + 1;
    const change = {
      cursor: this.#cursor + 1,
      op: kind,
      collection,
      id,
      version,
      data,
      origin: key,
      ts: m.ts == null ? null : cloneJson(m.ts),
    };
    const answer = { key, status: 'ok', id, version, data };
    const record = { seq: this.#seq + 1, key, userId, collection, answer, change };
    if (counter !== undefined) record.counter = counter;
    this.#commit(record);
    return { result: cloneJson(answer), change: cloneJson(change), replayed: false };
  }

  /** Writes the snapshot now and empties the log (no-op in memory). */
  snapshot() {
    this.#checkOpen();
    if (!this.#dir) return;
    const state = {
      format: SNAPSHOT_FORMAT,
      version: 1,
      seq: this.#seq,
      cursor: this.#cursor,
      idFields: this.#idFields,
      counters: Object.fromEntries(this.#counters),
      collections: Object.fromEntries(
        [...this.#collections].map(([name, map]) => [
          name,
          [...map.values()].map(({ id, version, data, deleted, cursor }) => ({ id, version, data, deleted, cursor })),
        ]),
      ),
      changes: this.#log,
      answers: [...this.#answers],
      clients: [...this.#clients],
    };
    const file = join(this.#dir, SNAPSHOT_FILE);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    syncDir(this.#dir);
    // Only now is the log redundant: records up to `seq` are in the snapshot. A crash between
    // the rename and this truncation is harmless (replay skips records the snapshot covers).
    ftruncateSync(this.#fd, 0);
    if (this.#fsync) fsyncSync(this.#fd);
    this.#sinceSnapshot = 0;
  }

  /** Closes the log; writes a snapshot first unless snapshot is false (a simulated crash). */
  close({ snapshot = true } = {}) {
    if (this.#closed) return;
    if (this.#dir && snapshot && this.#sinceSnapshot > 0) this.snapshot();
    this.#closed = true;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  // ---- internals ----

  #checkOpen() {
    if (this.#closed) throw new Error('the store is closed');
  }

  #entity(collection, id) {
    return this.#collections.get(collection)?.get(String(id)) ?? null;
  }

  #conflict(key, current) {
    const live = current && !current.deleted;
    return { key, status: 'conflict', version: current?.version ?? 0, data: live ? cloneJson(current.data) : null };
  }

  #nextId(collection) {
    const map = this.#collections.get(collection);
    let n = this.#counters.get(collection) ?? 0;
    const prefix = idPrefix(collection);
    let id;
    do {
      n += 1;
      id = `${prefix}${n}`;
    } while (map?.has(id));
    return { id, counter: n };
  }

  /** Index of the first log entry with cursor > `cursor` (binary search). */
  #firstAfter(cursor) {
    let lo = 0;
    let hi = this.#log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#log[mid].cursor <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Durably appends a record, then applies it in memory. A failed write changes nothing. */
  #commit(record) {
    if (this.#fd !== null) {
      writeAll(this.#fd, `${JSON.stringify(record)}\n`);
      if (this.#fsync) fsyncSync(this.#fd);
    }
    this.#applyRecord(record);
    if (this.#fd !== null && ++this.#sinceSnapshot >= this.#snapshotEvery) this.snapshot();
  }

  #applyRecord(record) {
    this.#seq = record.seq;
    if (record.claim) {
      this.#clients.set(record.claim.clientId, record.claim.userId ?? null);
      return;
    }
    if (record.counter !== undefined && record.change)
      this.#counters.set(record.change.collection, record.counter);
    const ch = record.change;
    if (ch) {
      let map = this.#collections.get(ch.collection);
      if (!map) this.#collections.set(ch.collection, (map = new Map()));
      map.set(String(ch.id), {
        id: ch.id,
        version: ch.version,
        data: ch.data,
        deleted: ch.op === 'delete',
        cursor: ch.cursor,
      });
      this.#log.push(ch);
      this.#cursor = ch.cursor;
    }
    this.#answers.set(record.key, { answer: record.answer, userId: record.userId ?? null, collection: record.collection ?? null });
  }

  #load() {
    const snapFile = join(this.#dir, SNAPSHOT_FILE);
    rmSync(`${snapFile}.tmp`, { force: true });
    if (existsSync(snapFile)) {
      const state = JSON.parse(readFileSync(snapFile, 'utf8'));
      if (state?.format !== SNAPSHOT_FORMAT || state.version !== 1)
        throw new Error(`${snapFile} is not a syncore store snapshot (version 1)`);
      this.#seq = state.seq;
      this.#cursor = state.cursor;
      this.#idFields = { ...state.idFields, ...this.#idFields };
      this.#counters = new Map(Object.entries(state.counters));
      for (const [name, entities] of Object.entries(state.collections)) {
        this.#collections.set(name, new Map(entities.map((e) => [String(e.id), e])));
      }
      this.#log = state.changes;
      this.#answers = new Map(state.answers);
      this.#clients = new Map(state.clients ?? []);
      this.recovery.snapshot = true;
    }
    const logFile = join(this.#dir, LOG_FILE);
    if (!existsSync(logFile)) return;
    const buf = readFileSync(logFile);
    const records = [];
    let goodEnd = 0;
    let badLine = 0;
    let lineNo = 0;
    for (let start = 0; start < buf.length; ) {
      const nl = buf.indexOf(0x0a, start);
      const end = nl === -1 ? buf.length : nl;
      const next = nl === -1 ? buf.length : nl + 1;
      lineNo += 1;
      const text = buf.toString('utf8', start, end);
      start = next;
      if (text.trim() === '') continue;
      let record = null;
      try {
        record = JSON.parse(text);
      } catch {
        record = null;
      }
      const wellFormed =
        isPlainObject(record) &&
        Number.isInteger(record.seq) &&
        (typeof record.key === 'string' || (isPlainObject(record.claim) && typeof record.claim.clientId === 'string'));
      if (!wellFormed) {
        if (!badLine) badLine = lineNo;
        continue;
      }
      if (badLine) throw new Error(`${logFile}: line ${badLine} is corrupt but later lines are not; refusing to guess`);
      records.push(record);
      goodEnd = end;
    }
    // Cut a torn tail off (and end the last good line) so the next append starts a fresh line.
    const clean = goodEnd === 0 ? buf.length === 0 : buf.length === goodEnd + 1 && buf[goodEnd] === 0x0a;
    if (!clean) {
      const fd = openSync(logFile, 'r+');
      try {
        ftruncateSync(fd, goodEnd);
        if (goodEnd > 0) writeSync(fd, '\n', goodEnd);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.recovery.tornBytes = Math.max(0, buf.length - goodEnd - (goodEnd > 0 ? 1 : 0));
    }
    for (const record of records) {
      if (record.seq <= this.#seq) continue; // already in the snapshot
      if (record.seq !== this.#seq + 1) throw new Error(`${logFile}: record ${record.seq} follows ${this.#seq}; a record is missing`);
      this.#applyRecord(record);
      this.#sinceSnapshot += 1;
      this.recovery.replayed += 1;
    }
  }
}

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

function syncDir(dir) {
  let fd;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported everywhere (Windows); the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Opens (or creates) a store; see SyncStore. */
export function openStore(options) {
  return new SyncStore(options);
}
