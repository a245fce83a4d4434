// A simulated device: one browser profile with its own IndexedDB "disk", its own clock and its own
// network link, running the real client (createSyncClient from js/node.js) one incarnation (page
// load) after another. An incarnation ends by close() or by a crash (the page is dropped: no close,
// its timers never fire, its unfinished IndexedDB transactions abort; the disk keeps what committed).
//
// Every mutation an incarnation's API accepted is recorded here, with what became of it: durable
// (the client's flush() passed it while its storage was IndexedDB), settled (a mutationSettled
// event named it, in any incarnation), or lost with its incarnation.
import { createSyncClient } from '../../js/node.js';
import { Actor } from './clock.js';

export class Device {
  /**
   * @param {object} o
   * @param {string} o.name
   * @param {string} [o.machine] the browser this tab runs in (tabs of one machine share its disk,
   *   network and BroadcastChannel); the device's own name when it has one tab
   * @param {Function} [o.bus] the machine's BroadcastChannel class: multi-tab on (js/tabs/)
   */
  constructor({ name, disk, world, machine = name, bus = null, mutations = new Map() }) {
    this.name = name;
    this.machine = machine;
    this.bus = bus;
    this.disk = disk;
    this.world = world;
    this.clockOffsetMs = 0;
    this.incarnations = [];
    this.current = null; // the live incarnation, or null (down, starting, closing)
    this.busy = null; // a start or a close under way
    this.marks = 0;
    /** Every accepted mutation, in order (across every incarnation of this device). */
    this.records = [];
    /** mutationId -> its latest record (a reused id shadows the first: reuse is its own failure).
     * The tabs of one machine share it: a tab's edits may settle in another tab's engine. */
    this.mutations = mutations;
    this.reusedIds = [];
  }

  get live() {
    return this.current?.client && !this.current.ended && !this.current.unloading ? this.current : null;
  }

  /** Starts a new incarnation (a page load). Resolves when the client is up (or failed to start). */
  start() {
    const { world } = this;
    if (this.live || this.starting) return this.busy ?? Promise.resolve();
    this.starting = true;
    const n = this.incarnations.length + 1;
    const actor = new Actor(`${this.name}.${n}`, { clockOffsetMs: this.clockOffsetMs });
    const disk = this.disk.handle(actor.name);
    const win = new EventTarget();
    const doc = new EventTarget();
    doc.visibilityState = 'visible';
    const inc = { device: this, n, actor, disk, window: win, document: doc, client: null, ended: null, startError: null, browserOffline: false };
    this.incarnations.push(inc);
    world.trace(`${actor.name} starts`);
    const started = world.clock.run(actor, () =>
      createSyncClient({
        url: 'ws://sim.invalid/sync',
        WebSocket: world.network.webSocketFor(this, inc),
        collections: world.collections,
        storage: { name: 'app', indexedDB: disk.factory },
        tabs: this.bus ? { BroadcastChannel: this.bus, locks: null, window: win, document: doc } : false,
        window: win,
        document: doc,
        // The client's monotonic source (js/clock.js) is performance.now, virtual here already;
        // said explicitly so that a device's wall clock jumping never reaches its timers.
        monotonicNow: () => world.clock.now,
      }),
    );
    this.busy = started.finally(() => {
      if (this.incarnations.at(-1) === inc) this.starting = false; // never a later load's flag
    }).then(
      (client) => {
        inc.client = client;
        if (inc.ended) return; // crashed while starting
        this.current = inc;
        this._watch(inc);
        const report = client.restoreReport;
        world.trace(`${actor.name} up: client ${client.core.clientId}, ${client.status.pending} pending, restored ${report.records} records${report.quarantined ? `, ${report.quarantined} quarantined` : ''}`);
        if (report.quarantined) world.note(`${actor.name}: ${report.quarantined} stored records quarantined at start`);
      },
      (err) => {
        inc.startError = err;
        world.trace(`${actor.name} failed to start: ${err?.code ?? ''} ${err?.message ?? err}`);
        world.fail('start', `${actor.name}: createSyncClient threw ${err?.code ?? ''} ${err?.message ?? err}`);
      },
    );
    return this.busy;
  }

  _watch(inc, client = inc.client, label = inc.actor.name) {
    const world = this.world;
    if (client === inc.client && this.bus) {
      // A tab that leads through a hidden engine (js/tabs/): that engine settles the machine's edits.
      const watched = new WeakSet();
      client.on('statusChanged', () => {
        const engine = client.tabs?.engine;
        if (engine && engine !== client && !watched.has(engine)) {
          watched.add(engine);
          this._watch(inc, engine, `${label} (engine)`);
        }
      });
    }
    client.on('mutationSettled', (event) => {
      for (const id of event.mutationIds ?? []) {
        const settled = { status: event.status, incarnation: inc.n, errorClass: event.errorClass };
        const m = this.mutations.get(id);
        // Settled inside the mutate call itself (a delete cancelling an unsent create): the
        // record is made when the call returns.
        if (inc.mutating) inc.settledDuringCall.push({ id, settled });
        // (A leader tab's client also settles the edits other tabs forwarded to it.)
        else if (m) m.settled.push(settled);
        else if (!this.bus) world.note(`${inc.actor.name}: settled a mutation id it never accepted: ${id}`);
      }
      world.trace(`${label} settled ${event.status} ${(event.mutationIds ?? []).join(',')}${event.errorClass ? ` (${event.errorClass}: ${event.message})` : ''}`);
    });
    client.on('error', (err) => world.trace(`${label} error event: ${err?.code ?? ''} ${String(err?.message ?? err).slice(0, 200)}`));
    client.on('storageEvent', (e) => world.trace(`${label} storage event ${e?.type}${e?.message ? `: ${e.message}` : ''}`));
  }

  /** One API call on the live client, recorded. `op`: { kind, collection, id?, data? }. */
  mutate(op) {
    // The live page, or one in its pagehide handlers (still running until it is gone).
    const inc = this.current?.client && !this.current.ended ? this.current : null;
    if (!inc) return null;
    const c = inc.client.collection(op.collection);
    let handle;
    inc.mutating = true;
    inc.settledDuringCall = [];
    try {
      if (op.kind === 'create') handle = c.create(op.data);
      else if (op.kind === 'update') handle = c.patch(op.id, op.data);
      else handle = c.delete(op.id);
    } catch (err) {
      this.world.trace(`${inc.actor.name} ${op.kind} ${op.collection}/${op.id ?? ''} refused: ${err?.code ?? ''} ${err?.message ?? err}`);
      return null;
    } finally {
      inc.mutating = false;
    }
    const id = handle.mutationId;
    if (!id) return handle;
    if (this.mutations.has(id)) {
      const first = this.mutations.get(id);
      this.reusedIds.push({ id, first: `${first.device.name}.${first.incarnation}`, again: inc.actor.name, firstEnded: first.device.incarnations[first.incarnation - 1].ended });
      this.world.trace(`${inc.actor.name} REUSED mutation id ${id} (first accepted by incarnation ${first.incarnation})`);
    }
    // entityId: the id create() handed out (the app's, a temp id, or the client's UUIDv7).
    const record = { id, device: this, incarnation: inc.n, op, entityId: handle.id, at: this.world.clock.now, durable: false, settled: [] };
    this.mutations.set(id, record);
    this.records.push(record);
    for (const early of inc.settledDuringCall) {
      const m = this.mutations.get(early.id);
      if (m) m.settled.push(early.settled);
      else if (!this.bus) this.world.note(`${inc.actor.name}: settled a mutation id it never accepted: ${early.id}`);
    }
    this.world.trace(`${inc.actor.name} ${op.kind} ${op.collection}/${handle.id ?? op.id ?? ''} -> ${id}`);
    // Durable once a flush that began after it is done, while the client writes IndexedDB.
    inc.client.flush().then(() => {
      if (inc.client.status.storage === 'indexeddb') {
        record.durable = true;
        record.durableAt = this.world.clock.now;
      }
    }, () => {});
    return handle;
  }

  /** Ends the live incarnation with close(); resolves when close() has. */
  close() {
    const inc = this.live;
    if (!inc) return Promise.resolve();
    inc.ended = 'close';
    this.current = null;
    const world = this.world;
    world.trace(`${inc.actor.name} close()`);
    // close() may say in its promise which writes it could not keep (issue 12 item 1): a
    // mutation id named in its result or its error counts as visibly settled.
    const reported = (value, how) => {
      for (const id of stringsIn(value)) {
        const m = this.mutations.get(id);
        if (m) m.settled.push({ status: `reported by close() (${how})`, incarnation: inc.n, final: true });
      }
    };
    const done = world.clock.run(inc.actor, () => inc.client.close()).then(
      (value) => {
        reported(value, 'result');
        world.trace(`${inc.actor.name} closed${value === undefined ? '' : `: ${JSON.stringify(value).slice(0, 300)}`}`);
      },
      (err) => {
        reported(err, 'rejection');
        world.trace(`${inc.actor.name} close() rejected: ${err?.code ?? ''} ${err?.message ?? err}`);
      },
    );
    inc.closing = done;
    this.busy = done;
    return done;
  }

  /** The page dies: no close(), no more timers, unfinished transactions abort. */
  crash(how = 'crash') {
    const inc = this.current ?? this.incarnations.at(-1);
    if (!inc || inc.ended) return;
    inc.ended = how;
    inc.endedAt = this.world.clock.now;
    this.current = null;
    if (this.starting) {
      // Crashed while starting: the dead page's start never settles (its timers and database are
      // gone with it), so the device must not keep waiting on it; the next load starts afresh.
      this.starting = false;
      this.busy = null;
    }
    inc.actor.dead = true;
    const aborted = inc.disk.crash({ abortUnfinished: how === 'crash' });
    this.bus?.closeAllOf(inc.actor);
    // Its connections break; its leftover code (promise chains of the dead page) can neither
    // connect, send, nor open the database again (network.js, idb.js).
    this.world.network.cutAll((c) => c.device === this && (c.page === inc || c.deviceActor === inc.actor), 'device crashed');
    this.world.trace(`${inc.actor.name} ${how === 'crash' ? 'CRASH' : 'page gone after pagehide'} (${aborted} IndexedDB transaction${aborted === 1 ? '' : 's'} aborted)`);
  }

  /**
   * The page goes away the way pages do: `pagehide`, during which the app saves a draft (the
   * standard pattern), then, `graceMs` later, the page is gone (as a crash: what did not commit
   * aborts). Writes made during pagehide must not be lost (issue 12 item 2), in any tab role.
   */
  unload(graceMs, draftOp) {
    const inc = this.live;
    if (!inc) return;
    this.world.trace(`${inc.actor.name} pagehide (the app saves a draft; the page is gone in ${graceMs} ms)`);
    const save = () => {
      if (draftOp) this.mutate(draftOp);
    };
    inc.window.addEventListener('pagehide', save, { once: true });
    this.world.clock.run(inc.actor, () => {
      inc.document.visibilityState = 'hidden';
      inc.document.dispatchEvent(new Event('visibilitychange'));
      inc.window.dispatchEvent(new Event('pagehide'));
    });
    inc.unloading = true;
    this.world.clock.schedule(graceMs, () => this.crash('unload'));
  }

  /** The disk is replaced by an empty one (a control for the checkers, see scheduleSabotage). */
  wipeDisk() {
    this.disk = new this.disk.constructor();
  }

  /** The wall clock of this device jumps (forwards or backwards); its timers are unaffected. */
  jumpClock(deltaMs) {
    this.clockOffsetMs += deltaMs;
    for (const inc of this.incarnations) if (!inc.ended) inc.actor.clockOffsetMs = this.clockOffsetMs;
    this.world.trace(`${this.name} wall clock jumps ${deltaMs > 0 ? '+' : ''}${deltaMs} ms`);
  }

  /** The browser's online / offline events (navigator.onLine changes). */
  browserOnline(online) {
    const inc = this.live;
    if (!inc || inc.browserOffline === !online) return;
    inc.browserOffline = !online;
    this.world.clock.run(inc.actor, () => inc.window.dispatchEvent(new Event(online ? 'online' : 'offline')));
  }
}

/** Every string in a value (a close() result or error), a few levels deep. */
function stringsIn(value, depth = 0, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object' && depth < 4) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) stringsIn(v, depth + 1, out);
    if (value instanceof Error && typeof value.message === 'string') out.push(...value.message.split(/[\s,]+/));
  }
  return out;
}
