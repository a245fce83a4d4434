// The real reference server (server/sync_server.js with its session, push, changes and store
// modules) in process, on a real data folder, reached through the simulated network. It restarts
// gracefully (close: connections closed, snapshot written) or crashes (connections gone at once,
// no snapshot: the store replays its log on the next start).
import { EventEmitter } from 'node:events';
import { startSyncServer } from '../../server/sync_server.js';
import { Actor } from './clock.js';

export class ServerHost {
  constructor({ clock, network, dataDir, trace }) {
    this.clock = clock;
    this.network = network;
    this.dataDir = dataDir;
    this.trace = trace;
    this.current = null; // { handle, actor }
    this.generation = 0;
    this.restarts = 0;
    this.errors = []; // what the server logged as unexpected
  }

  async start() {
    const actor = new Actor(`server.${++this.generation}`);
    const logger = {
      error: (...args) => {
        this.errors.push(args.map(String).join(' '));
        this.trace(`server ${actor.name} logged an error: ${args.map(String).join(' ').slice(0, 300)}`);
      },
      warn: () => {},
      info: () => {},
      log: () => {},
    };
    // `server`: a stand-in http server nobody connects to; connections come through accept().
    const http = Object.assign(new EventEmitter(), { address: () => null });
    const handle = await this.clock.run(actor, () => startSyncServer({ server: http, dataDir: this.dataDir, logger }));
    this.current = { handle, actor };
    this.network.server = this.current;
    this.trace(`server ${actor.name} up${handle.store?.recovery ? ` (replayed ${handle.store.recovery.replayed} log records)` : ''}`);
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
      this.network.cutAll((c) => c.server === cur, 'server crashed');
      // The dead server's sockets: the process is gone, so they end now on its side.
      for (const c of [...this.network.connections]) if (c.server === cur) c.serverWs?._finish(1006, '');
    }
    await this.clock.run(this.clock.simActor, () => cur.handle.close({ snapshot: !crash }));
  }
}
