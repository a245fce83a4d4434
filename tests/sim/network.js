// A seeded network between the devices' WebSocket transports and the in-process server.
//
// Each connection is a pair of one-way links. What the faults may do follows the transport's
// contract, so that a failure is the product's and not an impossible network's:
// - delay: every message gets its own latency (occasionally seconds), but a link stays FIFO, as a
//   WebSocket does; messages reorder across connections, directions and devices.
// - loss: a lost message breaks its connection (nothing after it on that connection arrives);
//   the sides learn of it after their own delay, or never (a half-open socket: only the
//   heartbeat or the server's idle sweep finds it).
// - duplicates: a message may arrive twice in a row (an at-least-once middlebox), to judge the
//   idempotency of both ends.
// - cuts: a connection, a device (offline) or the server (restart) drops every connection.
// The client side is a browser-shaped WebSocket class (what js/transport/websocket.js uses); the
// server side is the surface of a `ws` socket that server/session.js and wire.js use, handed to
// the real server through its accept() seam.
import { EventEmitter } from 'node:events';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class Network {
  /**
   * @param {object} o
   * @param {import('./clock.js').VirtualClock} o.clock
   * @param {import('./random.js').Random} o.rng
   * @param {object} o.faults { lossPerMessage, duplicatePerMessage, slowMessage, halfOpen }
   * @param {(line: string) => void} o.trace
   */
  constructor({ clock, rng, faults, trace }) {
    this.clock = clock;
    this.rng = rng;
    this.faults = faults;
    this.trace = trace;
    this.server = null; // { handle, actor } while the server is up
    this.offline = new Set(); // device names cut off the network
    this.connections = new Set();
    this.healed = false; // quiescence: no more faults
    this.nextConnId = 1;
    this.stats = { connections: 0, messages: 0, lost: 0, duplicated: 0, cuts: 0 };
  }

  latency() {
    const { rng, faults } = this;
    if (!this.healed && rng.chance(faults.slowMessage)) return rng.int(500, 8000);
    return rng.int(1, 40);
  }

  /**
   * The WebSocket class one page (incarnation) of a device is given. A page that is gone never
   * connects nor sends again, whatever its leftover code still runs (see Device.crash).
   */
  webSocketFor(device, page = null) {
    const network = this;
    return class SimWebSocket {
      static CONNECTING = CONNECTING;
      static OPEN = OPEN;
      static CLOSING = CLOSING;
      static CLOSED = CLOSED;
      constructor(url) {
        this.url = String(url);
        this.readyState = CONNECTING;
        this.onopen = null;
        this.onmessage = null;
        this.onclose = null;
        this.onerror = null;
        this._conn = network._connect(device, this, page);
      }
      send(data) {
        if (this.readyState === CONNECTING) throw new DOMException('still connecting', 'InvalidStateError');
        if (this.readyState !== OPEN) return;
        network._clientSend(this._conn, String(data));
      }
      close(code = 1000, reason = '') {
        if (this.readyState === CLOSING || this.readyState === CLOSED) return;
        this.readyState = CLOSING;
        network._clientClose(this._conn, code, reason);
      }
    };
  }

  _connect(device, socket, page) {
    const conn = {
      page,
      id: this.nextConnId++,
      device,
      deviceActor: this.clock.actor,
      socket,
      serverWs: null,
      server: null,
      broken: false,
      c2sLast: 0,
      s2cLast: 0,
      clientClosed: false,
      serverClosedNotified: false,
    };
    this.stats.connections++;
    const reachable = () => this.server && !this.offline.has(device.machine ?? device.name) && !page?.ended;
    this.clock.schedule(this.latency(), () => {
      if (socket.readyState !== CONNECTING) return;
      if (!reachable()) {
        this.trace(`net ${device.name} c${conn.id} connect failed (${this.server ? 'offline' : 'server down'})`);
        return this._closeClient(conn, 1006, 'connect failed', true);
      }
      const server = this.server;
      conn.server = server;
      const ws = new ServerSideSocket(this, conn);
      conn.serverWs = ws;
      this.connections.add(conn);
      this.clock.run(server.actor, () => server.handle.accept(ws, { remoteAddress: `sim:${device.name}` }));
      this.clock.schedule(this.latency(), () => {
        if (conn.broken || socket.readyState !== CONNECTING) return;
        socket.readyState = OPEN;
        this.trace(`net ${device.name} c${conn.id} open`);
        this.clock.run(conn.deviceActor, () => socket.onopen?.({ type: 'open' }));
      });
    });
    return conn;
  }

  // FIFO per direction: a message never overtakes an earlier one of its link.
  _deliver(conn, direction, fn) {
    const key = direction === 'c2s' ? 'c2sLast' : 's2cLast';
    const at = Math.max(conn[key], this.clock.now + this.latency());
    conn[key] = at;
    this.clock.schedule(at - this.clock.now, fn);
  }

  _faultOn(conn, what) {
    if (this.healed || conn.broken) return 'ok';
    const { rng, faults } = this;
    if (rng.chance(faults.lossPerMessage)) {
      this.stats.lost++;
      this.trace(`net ${conn.device.name} c${conn.id} lost ${what}: connection breaks`);
      this.cut(conn, 'message lost');
      return 'lost';
    }
    if (rng.chance(faults.duplicatePerMessage)) {
      this.stats.duplicated++;
      this.trace(`net ${conn.device.name} c${conn.id} duplicated ${what}`);
      return 'dup';
    }
    return 'ok';
  }

  _clientSend(conn, text) {
    if (conn.broken || !conn.serverWs || conn.page?.ended) return;
    this.stats.messages++;
    const fate = this._faultOn(conn, `up ${typeOf(text)}`);
    if (fate === 'lost') return;
    const copies = fate === 'dup' ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this._deliver(conn, 'c2s', () => {
        if (conn.broken || conn.serverWs.readyState !== OPEN) return;
        this.clock.run(conn.server.actor, () => conn.serverWs.emit('message', Buffer.from(text, 'utf8'), false));
      });
    }
  }

  _serverSend(conn, text) {
    if (conn.broken) return;
    this.stats.messages++;
    const fate = this._faultOn(conn, `down ${typeOf(text)}`);
    if (fate === 'lost') return;
    const copies = fate === 'dup' ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this._deliver(conn, 's2c', () => {
        if (conn.broken || conn.socket.readyState !== OPEN) return;
        this.clock.run(conn.deviceActor, () => conn.socket.onmessage?.({ type: 'message', data: text }));
      });
    }
  }

  // A graceful close from the client: what it sent before arrives first, then the server sees
  // the close; the client's own close event follows the round trip.
  _clientClose(conn, code, reason) {
    if (conn.serverWs && !conn.broken) {
      this._deliver(conn, 'c2s', () => conn.serverWs._remoteClosed(code, reason));
    }
    this.clock.schedule(this.latency(), () => this._closeClient(conn, code, reason, false));
  }

  _closeClient(conn, code, reason, error) {
    const s = conn.socket;
    if (s.readyState === CLOSED) return;
    s.readyState = CLOSED;
    this.connections.delete(conn);
    this.clock.run(conn.deviceActor, () => {
      if (error) s.onerror?.({ type: 'error' });
      s.onclose?.({ type: 'close', code, reason, wasClean: !error });
    });
  }

  // The server closed (or terminated) its side: the client hears of it after what was sent before.
  _serverClosed(conn, code, reason, graceful) {
    if (conn.broken) return;
    if (graceful) this._deliver(conn, 's2c', () => this._closeClient(conn, code, reason, false));
    else {
      conn.broken = true;
      this.clock.schedule(this.latency(), () => this._closeClient(conn, 1006, 'terminated', true));
    }
  }

  /** Breaks a connection: nothing more crosses it; each side learns after a delay, or never. */
  cut(conn, why) {
    if (conn.broken) return;
    conn.broken = true;
    this.stats.cuts++;
    this.trace(`net ${conn.device.name} c${conn.id} cut (${why})`);
    const { rng, faults } = this;
    const halfOpen = () => !this.healed && rng.chance(faults.halfOpen);
    if (!halfOpen()) this.clock.schedule(this.latency(), () => this._closeClient(conn, 1006, why, true));
    if (conn.serverWs && !halfOpen()) this.clock.schedule(this.latency(), () => conn.serverWs._remoteClosed(1006, why));
  }

  /** Cuts every connection of a device (or all). */
  cutAll(filter = () => true, why = 'cut') {
    for (const conn of [...this.connections]) if (filter(conn)) this.cut(conn, why);
  }

  /** A machine (all its tabs) loses or regains the network. */
  setOffline(machine, offline) {
    if (offline) {
      this.offline.add(machine);
      this.cutAll((c) => (c.device.machine ?? c.device.name) === machine, 'offline');
    } else this.offline.delete(machine);
  }

  /** No more faults: every later message arrives, every cut is noticed. */
  heal() {
    this.healed = true;
    this.offline.clear();
  }
}

function typeOf(text) {
  const m = /"type":"([a-z_]+)"/.exec(text.slice(0, 200));
  return m ? m[1] : '?';
}

/** The server's view of a connection: the part of a `ws` WebSocket the server uses. */
class ServerSideSocket extends EventEmitter {
  constructor(network, conn) {
    super();
    this._network = network;
    this._conn = conn;
    this.readyState = OPEN;
    this.bufferedAmount = 0;
  }

  send(data, options, cb) {
    if (typeof options === 'function') cb = options;
    if (this.readyState !== OPEN) return;
    this._network._serverSend(this._conn, typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    cb?.();
  }

  ping() {
    if (this.readyState !== OPEN) return;
    const conn = this._conn;
    const net = this._network;
    if (conn.broken) return;
    // The client's browser answers pings itself; the pong comes back after a round trip.
    net.clock.schedule(net.latency() + net.latency(), () => {
      if (!conn.broken && this.readyState === OPEN && conn.socket.readyState === OPEN) this.emit('pong');
    });
  }

  close(code = 1000, reason = '') {
    if (this.readyState !== OPEN && this.readyState !== CONNECTING) return;
    this.readyState = CLOSING;
    this._network._serverClosed(this._conn, code, reason, true);
    // The closing handshake completes after a round trip (or the peer is gone: ws times out).
    this._network.clock.schedule(this._network.latency() * 2, () => this._finish(code, reason));
  }

  terminate() {
    if (this.readyState === CLOSED) return;
    this._network._serverClosed(this._conn, 1006, 'terminated', false);
    this._network.clock.schedule(0, () => this._finish(1006, ''));
    this.readyState = CLOSING;
  }

  _remoteClosed(code, reason) {
    if (this.readyState === CLOSED) return;
    this._finish(code, reason);
  }

  _finish(code, reason) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    const server = this._conn.server;
    this._network.clock.run(server.actor, () => this.emit('close', code, Buffer.from(String(reason))));
  }
}
