// The real reference server (server/sync_server.js with its session, push, changes and SQL store
// modules) in process, reached through the simulated network. Its database is one in-memory
// PGlite schema per seed (database.js), opened before virtual time starts and kept across the
// server's restarts: the database outlives the sync server's process, as a PostgreSQL server
// does. Each server incarnation gets its own SyncStore (its in-memory cursor and epoch are read
// from the database at start, as after a real restart) on a handle to that database.
//
// A graceful restart closes the server (connections closed, queued handlers finish). A crash cuts
// its sockets at once and cuts its database handle: a statement it issues after the crash fails,
// and a transaction that has not reached COMMIT rolls back, as PostgreSQL rolls back the open
// transaction of a connection whose process died. Only committed transactions survive.
import { EventEmitter } from 'node:events';
import { startSyncServer } from '../../server/sync_server.js';
import { SyncStore } from '../../server/store.js';
import { Actor } from './clock.js';

/** A database handle that stops working the moment its process crashes. */
export function crashableDatabase(db) {
  const state = { crashed: false };
  const alive = () => {
    if (state.crashed) throw new Error('the server process is gone (simulated crash)');
  };
  const query = async (q, text, params) => {
    alive();
    const result = await q.query(text, params);
    alive(); // the answer never reaches a dead process (a write outside a transaction committed)
    return result;
  };
  return {
    state,
    handle: {
      kind: db.kind,
      query: (text, params) => query(db, text, params),
      transaction: (fn) =>
        db.transaction(async (q) => {
          alive();
          const result = await fn({ query: (text, params) => query(q, text, params) });
          alive(); // crashed before COMMIT: throwing here rolls the transaction back
          return result;
        }),
      listen: (...args) => db.listen(...args),
      close: async () => {}, // the database is the seed's, closed after the run
    },
  };
}

export class ServerHost {
  constructor({ clock, network, database, trace }) {
    this.clock = clock;
    this.network = network;
    this.database = database;
    this.trace = trace;
    this.current = null; // { handle, actor, db }
    this.generation = 0;
    this.restarts = 0;
    this.errors = []; // what the server logged as unexpected
  }

  async start() {
    const actor = new Actor(`server.${++this.generation}`);
    const logger = {
      error: (...args) => {
        // A crashed process logs nothing: its leftover promise chains fail on the cut database.
        if (actor.dead) return;
        this.errors.push(args.map(String).join(' '));
        this.trace(`server ${actor.name} logged an error: ${args.map(String).join(' ').slice(0, 300)}`);
      },
      warn: () => {},
      info: () => {},
      log: () => {},
    };
    const db = crashableDatabase(this.database);
    // `server`: a stand-in http server nobody connects to; connections come through accept().
    const http = Object.assign(new EventEmitter(), { address: () => null });
    const handle = await this.clock.run(actor, async () => {
      const store = await new SyncStore(db.handle).init();
      return startSyncServer({ server: http, store, logger });
    });
    this.current = { handle, actor, db };
    this.network.server = this.current;
    this.trace(`server ${actor.name} up at cursor ${handle.store.cursor}`);
    return this.current;
  }

  get store() {
    return this.current?.handle.store ?? null;
  }

  /** Stops the server: gracefully, or as a crash. Resolves once it is down. */
  async stop({ crash }) {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    this.network.server = null;
    this.restarts++;
    this.trace(`server ${cur.actor.name} ${crash ? 'crashes' : 'shuts down'}`);
    if (crash) {
      cur.actor.dead = true;
      cur.db.state.crashed = true;
      this.network.cutAll((c) => c.server === cur, 'server crashed');
      // The dead server's sockets: the process is gone, so they end now on its side.
      for (const c of [...this.network.connections]) if (c.server === cur) c.serverWs?._finish(1006, '');
    }
    // A crashed server's close() only frees what the process held (its timers never fire again,
    // its database handle is cut): nothing of it reaches a client or the database.
    await this.clock.run(this.clock.simActor, () => cur.handle.close());
  }
}
