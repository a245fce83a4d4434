// The upload gate: a transport in front of the real one that keeps a file's bytes ahead of every
// mutation that needs them. A batch that carries a file's metadata mutation (collection
// `syncore_files`) or references ({ $file: id }) a file still waiting for upload is held while
// those files upload; batches are handed to the real transport in the order the core sent them
// (a batch behind a held one waits too), so the server never sees a mutation before the bytes of
// a file it references. A batch without files, with nothing held, goes straight through.
//
// A held batch whose entries the core sent again (after a disconnect or its timeout) is dropped:
// the newer batch carries them.
import { FILES_COLLECTION, fileRefs } from './file_refs.js';

export { FILES_COLLECTION, fileRefs };

export class UploadGate {
  /**
   * @param {{ uploader: { upload(fileId): Promise<void> }, store: { getMeta(fileId): Promise<object|null> } }} o
   *   store: the FileStore, shared by every tab of the origin (a follower tab's file is found there)
   */
  constructor({ uploader, store }) {
    this._uploader = uploader;
    this._store = store;
    this.done = new Set(); // files known to need no upload from here (uploaded, failed, not ours)
    this._held = []; // { batch, keys, superseded, drop() }, in send order
    this._tail = Promise.resolve();
  }

  /** Batches held now (waiting for uploads or for a held batch ahead of them). */
  get holding() {
    return this._held.length;
  }

  /** The files the batch may need uploaded first: its file metadata and references not known done. */
  _candidates(mutations) {
    const ids = new Set();
    for (const m of mutations) {
      if (m?.collection === FILES_COLLECTION && m.kind === 'create' && !this.done.has(String(m.id))) ids.add(String(m.id));
      for (const id of fileRefs(m?.data)) if (!this.done.has(id)) ids.add(id);
    }
    return ids;
  }

  // Uploads the file if its bytes wait here for it; resolves once it is up (or failed for good).
  async _ready(fileId) {
    const meta = await this._store.getMeta(fileId).catch(() => null);
    if (meta?.state === 'pending-upload') return this._uploader.upload(fileId);
    this.done.add(fileId);
    return undefined;
  }

  /**
   * push through the gate: send(batch, mutations) -> boolean is the real transport's push.
   * Returns that boolean when nothing waits, else a Promise of it.
   */
  push(batch, mutations, send) {
    const keys = new Set(mutations.map((m) => m?.key));
    // Entries sent again: a held batch that carried them is stale.
    for (const h of this._held) if (!h.superseded && [...keys].some((k) => h.keys.has(k))) h.drop();
    const need = this._candidates(mutations);
    if (need.size === 0 && this._held.length === 0) return send(batch, mutations);
    const entry = { batch, keys, superseded: false, drop: null };
    const dropped = new Promise((resolve) => {
      entry.drop = () => {
        entry.superseded = true;
        resolve();
      };
    });
    this._held.push(entry);
    const ahead = this._tail;
    const run = (async () => {
      await Promise.race([ahead, dropped]);
      if (!entry.superseded) await Promise.race([Promise.all([...need].map((id) => this._ready(id))), dropped]);
      if (entry.superseded) return false;
      return Boolean(send(batch, mutations));
    })();
    const settled = run.then(() => {}, () => {});
    this._tail = settled;
    settled.then(() => {
      const i = this._held.indexOf(entry);
      if (i >= 0) this._held.splice(i, 1);
    });
    return run;
  }

  /** The connection dropped: the core takes back what was in flight, held batches included. */
  disconnected() {
    for (const h of this._held) h.drop();
  }
}

/**
 * The transport `transport` with its push going through the gate (and its disconnects told to
 * it); every other member is the transport's own.
 */
export function gatedTransport(transport, gate) {
  if (!transport) return transport;
  return new Proxy(transport, {
    get(target, prop) {
      if (prop === 'push') return (batch, mutations) => gate.push(batch, mutations, (b, m) => target.push(b, m));
      if (prop === 'start')
        return (sink, session) =>
          target.start({ ...sink, disconnected: (...a) => {
            gate.disconnected();
            return sink.disconnected(...a);
          } }, session);
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // A frozen own method must come back as itself (a Proxy invariant); others run on the target.
      const own = Object.getOwnPropertyDescriptor(target, prop);
      return own && !own.configurable && !own.writable ? value : value.bind(target);
    },
  });
}
