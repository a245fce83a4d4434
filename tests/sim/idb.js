// IndexedDB per simulated device: one fake-indexeddb IDBFactory per device (its "disk"), seen by
// each incarnation (a page load, a tab) through its own handle. A crash does what a browser does
// when a tab dies: the tab's unfinished transactions abort (atomically: nothing of them stays),
// its connections close, and nothing of the dead page ever opens the database again. What was
// committed stays for the next incarnation.
import { IDBFactory } from 'fake-indexeddb';
import FDBDatabase from 'fake-indexeddb/lib/FDBDatabase';

// Which transactions a connection has open: the crash aborts the unfinished ones.
const openTransactions = new WeakMap(); // IDBDatabase -> Set<IDBTransaction>
const originalTransaction = FDBDatabase.prototype.transaction;
let patched = false;

function trackTransactions() {
  if (patched) return;
  patched = true;
  FDBDatabase.prototype.transaction = function transaction(...args) {
    const tx = originalTransaction.apply(this, args);
    let set = openTransactions.get(this);
    if (!set) openTransactions.set(this, (set = new Set()));
    set.add(tx);
    const done = () => set.delete(tx);
    tx.addEventListener('complete', done);
    tx.addEventListener('abort', done);
    return tx;
  };
}

export class DeviceDisk {
  constructor() {
    trackTransactions();
    this.factory = new IDBFactory();
  }

  /** The IDBFactory one incarnation uses; crash() it when the incarnation dies. */
  handle(label) {
    const disk = this;
    const connections = new Set();
    const requests = new Set();
    let dead = false;
    const handle = {
      label,
      open(name, version) {
        if (dead) throw new DOMException(`${label} is gone`, 'InvalidStateError');
        const req = version === undefined ? disk.factory.open(name) : disk.factory.open(name, version);
        requests.add(req);
        req.addEventListener('success', () => {
          requests.delete(req);
          if (dead) req.result.close();
          else connections.add(req.result);
        });
        req.addEventListener('error', () => requests.delete(req));
        return req;
      },
      deleteDatabase(name) {
        if (dead) throw new DOMException(`${label} is gone`, 'InvalidStateError');
        return disk.factory.deleteDatabase(name);
      },
      databases() {
        return disk.factory.databases();
      },
      cmp(a, b) {
        return disk.factory.cmp(a, b);
      },
    };
    return {
      factory: handle,
      /**
       * The page is gone: nothing of it opens the database again and its connections close.
       * abortUnfinished (a crash): its unfinished transactions abort, returns how many; without
       * it (a page unloaded after pagehide), transactions it had begun still commit, as the
       * browser finishes them.
       */
      crash({ abortUnfinished = true } = {}) {
        dead = true;
        let aborted = 0;
        const abort = (tx) => {
          if (!abortUnfinished) return;
          try {
            tx.abort();
            aborted++;
          } catch {
            /* finished already: committed */
          }
        };
        for (const req of requests) if (req.transaction) abort(req.transaction);
        for (const db of connections) {
          for (const tx of openTransactions.get(db) ?? []) abort(tx);
          db.close();
        }
        connections.clear();
        return aborted;
      },
    };
  }
}
