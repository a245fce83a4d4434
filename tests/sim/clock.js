// Virtual time for the whole process: setTimeout / setInterval / setImmediate, Date.now and
// performance.now are replaced while a simulation runs, so hours of retries and backoff take
// milliseconds and every run of a seed takes the same decisions. Nothing else schedules work:
// the network and the tabs' BroadcastChannel are simulated on this clock too, fake-indexeddb
// schedules its steps with setImmediate, and the wasm core is synchronous.
//
// Every task runs "as" an actor (a device incarnation, a server incarnation or the simulator),
// found with AsyncLocalStorage, so promise continuations keep the actor that started them.
// A crashed actor's timers never fire: its process is gone. setImmediate tasks are the storage
// engine's (fake-indexeddb; the product code uses none) and survive a crash, as a browser's
// IndexedDB does a tab's; the crash itself aborts that tab's unfinished transactions (see idb.js).
import { AsyncLocalStorage } from 'node:async_hooks';

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  dateNow: Date.now,
  performanceNow: performance.now,
};

// A wall clock that looks like 2026 (the server clamps timestamps against it).
const EPOCH = 1_780_000_000_000;

const drainMicrotasks = () => new Promise((resolve) => real.setImmediate(resolve));

export class Actor {
  constructor(name, { clockOffsetMs = 0 } = {}) {
    this.name = name;
    this.dead = false;
    /** This actor's wall clock minus the true time (a skewed or jumped device clock). */
    this.clockOffsetMs = clockOffsetMs;
  }
}

class Timer {
  constructor(clock, id) {
    this._clock = clock;
    this._id = id;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return true;
  }
  refresh() {
    this._clock._refresh(this._id);
    return this;
  }
  [Symbol.toPrimitive]() {
    return this._id;
  }
}

export class VirtualClock {
  constructor({ maxTasks = 3_000_000 } = {}) {
    this.als = new AsyncLocalStorage();
    this.now = 0; // monotonic ms since the run started
    this.simActor = new Actor('sim');
    this._tasks = new Map(); // id -> task
    this._heap = []; // [time, id] ordered by time then id (FIFO at equal times)
    this._nextId = 1;
    this.executed = 0;
    this.maxTasks = maxTasks;
    this.uncaught = []; // { actor, error }
    this.storageLatency = null; // () => ms for each IndexedDB step (FIFO); none: instant
    this._lastStorageAt = new WeakMap(); // actor -> time of its last queued storage step
    this._installed = false;
  }

  get actor() {
    return this.als.getStore() ?? this.simActor;
  }

  /** Wall-clock ms as `actor` sees it. */
  wallClock(actor = this.actor) {
    return EPOCH + this.now + (actor?.clockOffsetMs ?? 0);
  }

  run(actor, fn) {
    return this.als.run(actor, fn);
  }

  // ---- scheduling -----------------------------------------------------------------------------

  _add(fn, ms, { repeat = 0, storage = false } = {}) {
    const id = this._nextId++;
    const delay = Math.max(0, Number.isFinite(Number(ms)) ? Number(ms) : 0);
    const task = { id, fn, at: this.now + delay, delay, repeat, storage, actor: this.actor };
    this._tasks.set(id, task);
    this._push(task.at, id);
    return id;
  }

  _push(at, id) {
    const h = this._heap;
    h.push([at, id]);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p][0] < at || (h[p][0] === at && h[p][1] < id)) break;
      h[i] = h[p];
      h[p] = [at, id];
      i = p;
    }
  }

  _pop() {
    const h = this._heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        const less = (a, b) => h[a][0] < h[b][0] || (h[a][0] === h[b][0] && h[a][1] < h[b][1]);
        if (l < h.length && less(l, m)) m = l;
        if (r < h.length && less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  _refresh(id) {
    const task = this._tasks.get(id);
    if (!task) return;
    // A refreshed timer is re-queued under a new id (the old heap entry is then stale).
    this._tasks.delete(id);
    const nid = this._nextId++;
    task.id = nid;
    task.at = this.now + task.delay;
    this._tasks.set(nid, task);
    this._push(task.at, nid);
  }

  _cancel(handle) {
    if (handle === undefined || handle === null) return;
    const id = typeof handle === 'object' ? handle._id : Number(handle);
    this._tasks.delete(id);
  }

  setTimeout(fn, ms, ...args) {
    if (typeof fn !== 'function') throw new TypeError('callback must be a function');
    return new Timer(this, this._add(args.length ? () => fn(...args) : fn, ms));
  }

  setInterval(fn, ms, ...args) {
    return new Timer(this, this._add(args.length ? () => fn(...args) : fn, ms, { repeat: Math.max(1, Number(ms) || 1) }));
  }

  setImmediate(fn, ...args) {
    // fake-indexeddb's steps: a disk takes time (storageLatency), but the steps one page asked
    // for keep their order (one queue per actor: one page's slow disk does not hold up others).
    const actor = this.actor;
    const last = this._lastStorageAt.get(actor) ?? 0;
    const delay = this.storageLatency ? Math.max(0, last - this.now, this.storageLatency()) : 0;
    this._lastStorageAt.set(actor, this.now + delay);
    return new Timer(this, this._add(args.length ? () => fn(...args) : fn, delay, { storage: true }));
  }

  /** Runs fn at now + ms as the simulator (fault schedule, workload). */
  schedule(ms, fn, actor = this.simActor) {
    return this.run(actor, () => this._add(fn, ms));
  }

  get pendingTasks() {
    return this._tasks.size;
  }

  /** The time of the next live task, or Infinity. */
  _peekTime() {
    while (this._heap.length > 0) {
      const [at, id] = this._heap[0];
      const task = this._tasks.get(id);
      if (task && task.at === at && !(task.actor.dead && !task.storage)) return at;
      this._pop();
      if (task && task.at === at) this._tasks.delete(id); // a dead actor's timer: never fires
    }
    return Infinity;
  }

  /**
   * Runs tasks in time order until `until()` holds (checked between tasks) or time passes `limit`.
   * Returns true if until() held.
   */
  async runUntil(until, limit) {
    for (;;) {
      await drainMicrotasks();
      if (until?.()) return true;
      const at = this._peekTime();
      if (at === Infinity || at > limit) {
        if (limit !== Infinity) this.now = Math.max(this.now, limit);
        return Boolean(until?.());
      }
      const [, id] = this._pop();
      const task = this._tasks.get(id);
      this.now = Math.max(this.now, at);
      if (task.repeat) {
        task.at = this.now + task.repeat;
        this._push(task.at, id);
      } else {
        this._tasks.delete(id);
      }
      if (++this.executed > this.maxTasks) throw new Error(`more than ${this.maxTasks} tasks: a livelock`);
      this.run(task.actor, () => {
        try {
          task.fn();
        } catch (error) {
          this.uncaught.push({ actor: task.actor, error });
        }
      });
    }
  }

  runFor(ms) {
    return this.runUntil(null, this.now + ms);
  }

  // ---- globals --------------------------------------------------------------------------------

  install() {
    if (this._installed) return;
    this._installed = true;
    globalThis.setTimeout = (fn, ms, ...args) => this.setTimeout(fn, ms, ...args);
    globalThis.clearTimeout = (h) => this._cancel(h);
    globalThis.setInterval = (fn, ms, ...args) => this.setInterval(fn, ms, ...args);
    globalThis.clearInterval = (h) => this._cancel(h);
    globalThis.setImmediate = (fn, ...args) => this.setImmediate(fn, ...args);
    globalThis.clearImmediate = (h) => this._cancel(h);
    Date.now = () => this.wallClock();
    performance.now = () => this.now;
  }

  /**
   * Lets the microtasks queued by the last task run while this clock is still installed: a loop
   * they continue (a catch-up applied in slices, say) then yields into this clock, which runs no
   * more, instead of into the real event loop and from there into the next run's clock (which
   * made a replay differ by the tasks a previous run left behind).
   */
  settleMicrotasks() {
    return drainMicrotasks();
  }

  uninstall() {
    if (!this._installed) return;
    this._installed = false;
    globalThis.setTimeout = real.setTimeout;
    globalThis.clearTimeout = real.clearTimeout;
    globalThis.setInterval = real.setInterval;
    globalThis.clearInterval = real.clearInterval;
    globalThis.setImmediate = real.setImmediate;
    globalThis.clearImmediate = real.clearImmediate;
    Date.now = real.dateNow;
    delete performance.now;
    if (performance.now !== real.performanceNow) performance.now = real.performanceNow;
    this._tasks.clear();
    this._heap.length = 0;
  }
}

export { real as realTimers };
