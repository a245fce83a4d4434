// Group commit, the ordering half of the effects runner (js/client/effects_runner.js): persist
// first and durably, then the commit's sends and wakes, in commit order. Nothing is sent before
// the write that made it durable has finished.
//
// Group commit: commits that come while a write is under way share a later write, so a thousand
// quick edits cost a few transactions. Bounded, because an accepted edit is at risk (a reload or a
// crash loses it) until its write is durable. With storage that keeps concurrent writes in order
// (IndexedDB runs readwrite transactions on overlapping stores in the order they were created), a
// group goes to storage once it holds maxRecords records or its oldest commit has waited
// maxDelayMs, even while an earlier write is still under way; while the page hides (urgent) or
// the client closes, every commit goes at once. Other storage gets one write at a time.
// A failed write is retried (backoff; retryNow() at once) folded with every write issued after it,
// so a late retry never puts older values back over newer ones.
import { EffectType } from '../vocabulary.js';
import { settleSealed } from '../storage/sealed_records.js';
import { yieldToEventLoop } from './slices.js';

// ---- the effects of several commits as one ---------------------------------------------------------

// One text per (store, key): a number key (an outbox seq, most records of a burst) without
// JSON.stringify of an array per record (W4); '#' never starts JSON text, so the two never meet.
const recordId = (r) => (typeof r.key === 'number' ? `${r.store}\0#${r.key}` : `${r.store}\0${JSON.stringify(r.key)}`);

/**
 * The effects of several commits as one list: server changes set aside first (each must be kept
 * before a persisted cursor passes it), their persist effects folded into one write (the last
 * word on each record wins; `parts` names the effects it stands for), then every other effect in
 * commit order.
 */
export function groupEffects(lists) {
  const setAside = [];
  const persists = [];
  const rest = [];
  for (const list of lists) for (const e of list) (e.type === EffectType.SET_ASIDE ? setAside : e.type === EffectType.PERSIST ? persists : rest).push(e);
  if (persists.length <= 1) return [...setAside, ...persists, ...rest];
  // recordId(store, key) -> the record, and whether its last word is a put (a record put and
  // deleted in one group is the same key: the later list wins). Indexed loops: a burst's group
  // holds hundreds of commits.
  const last = new Map();
  const deleted = new Set(); // the records (by identity) whose last word is a delete
  for (let i = 0; i < persists.length; i++) {
    const p = persists[i];
    const dels = p.delete ?? [];
    for (let j = 0; j < dels.length; j++) {
      last.set(recordId(dels[j]), dels[j]); // a key keeps the place where it first came
      deleted.add(dels[j]);
    }
    const puts = p.put ?? [];
    for (let j = 0; j < puts.length; j++) {
      last.set(recordId(puts[j]), puts[j]);
    }
  }
  const put = [];
  const del = [];
  for (const record of last.values()) (deleted.has(record) ? del : put).push(record);
  // parts lists the commits' own effects, also when a group is grouped again (a retry folds
  // several writes): storage wrappers know an effect by identity (js/tabs/forwarded_storage.js).
  return [...setAside, { type: EffectType.PERSIST, put, delete: del, parts: persists.flatMap((p) => p.parts ?? [p]) }, ...rest];
}

// performance taken once: in a page globalThis.performance is a getter on the window, and every
// commit reads the clock.
const performance = typeof globalThis.performance?.now === 'function' ? globalThis.performance : null;
const monotonic = performance ? () => performance.now() : () => Date.now();

// The records of one commit's effects, and whether one sends a critical mutation (indexed: every commit comes here).
const recordsOf = (effects) => {
  let n = 0;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i];
    if (e.type === EffectType.PERSIST) n += (e.put?.length ?? 0) + (e.delete?.length ?? 0);
  }
  return n;
};
const sendsCritical = (effects) => {
  for (let i = 0; i < effects.length; i++) if (effects[i].type === EffectType.SEND && effects[i].critical) return true;
  return false;
};

export class GroupCommit {
  /**
   * @param {object} host
   * @param {() => object} host.storage the storage to write to now (a tab stepping down swaps it)
   * @param {(effect: object) => void} host.send
   * @param {(at: number) => void} host.wake
   * @param {(err: unknown, attempt: number) => void} host.writeFailed
   * @param {() => void} host.writeSucceeded
   * @param {(through: number) => void} host.durable every commit numbered up to `through` is stored
   * @param {(changes: object[]) => Promise<void>} [host.setAside] keeps server changes the core set
   *   aside (a 'set-aside' effect); never rejects
   * @param {(err: unknown) => void} host.error
   * @param {() => boolean} [host.hidden] the page is hidden (then every commit goes at once)
   * @param {{ maxRecords?: number, maxDelayMs?: number, retryMs?: number }} [options]
   */
  constructor(host, { maxRecords = 250, maxDelayMs = 20, retryMs = 1000 } = {}) {
    this._host = host;
    this._maxRecords = Math.max(1, maxRecords);
    this._maxDelayMs = Math.max(0, maxDelayMs);
    this._retryMs = retryMs;
    this._no = 0; // the number of the last commit pushed
    this._doneThrough = 0;
    this._waiting = []; // commits not handed to storage yet: { no, effects, records, at }
    this._waitingRecords = 0;
    this._issued = []; // writes handed to storage, oldest first: { first, last, persist, rest, done }
    this._draining = false;
    this._failing = false;
    this._pumpQueued = false;
    this._timer = null;
    this._urgent = false;
    this._closing = false;
    this._gaveUpFrom = null; // closing: the first commit that could not be stored
    this._waiters = [];
    this._retryNow = null;
    this._holding = false; // set-aside changes are being kept: nothing is issued behind them
    this._critical = false; // a waiting commit sends a critical mutation (docs/queue_control.md)
    this._nextTaskQueued = false; // _issueNextTask: the next group's task is queued
  }

  /** The number the next pushed commit gets. */
  get nextNumber() {
    return this._no + 1;
  }

  /** Queues one commit's effects; returns its number. */
  push(effects) {
    const no = ++this._no;
    const records = recordsOf(effects);
    this._waiting.push({ no, effects, records, at: monotonic() });
    this._waitingRecords += records;
    // A critical mutation's send (the core marks it) waits for no group: its write goes at once.
    if (sendsCritical(effects)) this._critical = true;
    // Mid-burst: a full group starts its write now, while the burst goes on. Anything else goes
    // in a microtask (a synchronous burst shares one write), before the page can stop running.
    if (!this._failing && this._waitingRecords >= this._maxRecords && this._pipelined()) this._issue();
    else this._schedule();
    return no;
  }

  /** Resolves once every commit pushed so far is stored and its sends and wakes are done (or given up). */
  flush() {
    const target = this._no;
    if (this._doneThrough >= target || this._gaveUpFrom !== null) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push({ target, resolve }));
  }

  /** While the page hides: every commit goes to storage at once (in a microtask), never held back. */
  urgent(on) {
    this._urgent = Boolean(on);
    if (this._urgent) this._pump();
  }

  _isUrgent() {
    return this._urgent || this._closing || this._host.hidden?.() === true;
  }

  /** A write waiting to be retried goes now. */
  retryNow() {
    this._retryNow?.();
  }

  /**
   * Closing: no more sends or wakes; everything queued goes to storage, and a failing write gets
   * one more try. Resolves to null, or to the number of the first commit that was not stored.
   */
  async close() {
    this._closing = true;
    this._clearTimer();
    this.retryNow();
    this._pump();
    await this.flush();
    return this._gaveUpFrom;
  }

  // ---- internals ---------------------------------------------------------------------------------

  _pipelined(storage = this._host.storage()) {
    return storage?.orderedWrites === true || storage?.kind === 'indexeddb';
  }

  _schedule() {
    if (this._pumpQueued) return;
    this._pumpQueued = true;
    queueMicrotask(() => {
      this._pumpQueued = false;
      this._pump();
    });
  }

  _clearTimer() {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }

  _pump() {
    if (this._failing || this._waiting.length === 0) return;
    if (this._issued.length === 0 || this._isUrgent() || this._critical) {
      if (this._issued.length === 0 || this._pipelined()) this._issue();
      return;
    }
    if (!this._pipelined()) return; // the write under way issues the rest when it is done
    const age = monotonic() - this._waiting[0].at;
    if (this._waitingRecords >= this._maxRecords || age >= this._maxDelayMs) {
      this._issue();
      return;
    }
    this._timer ??= setTimeout(() => {
      this._timer = null;
      this._pump();
    }, this._maxDelayMs - age);
  }

  // Hands waiting commits to storage: in groups of up to maxRecords records when writes may
  // overlap, else all of them as one write.
  //
  // One group per task while nothing presses (W9): a group's puts cost IndexedDB's structured
  // clone each, ~50 us in Chromium, so a backlog of several groups issued at once was the longest
  // task of a catch-up. The next group goes in a task of its own (yieldToEventLoop); hiding,
  // closing or a critical send still issue everything at once.
  _issue() {
    this._clearTimer();
    const pressed = this._critical || this._isUrgent();
    this._critical = false;
    const storage = this._host.storage();
    const pipelined = this._pipelined(storage);
    let groups = 0;
    while (this._waiting.length > 0 && !this._failing && !this._holding) {
      if (this._issued.length > 0 && !pipelined) break;
      if (groups > 0 && !pressed) {
        this._issueNextTask();
        break;
      }
      groups++;
      const take = [];
      let records = 0;
      while (this._waiting.length > 0 && (take.length === 0 || !pipelined || records + this._waiting[0].records <= this._maxRecords)) {
        const next = this._waiting.shift();
        records += next.records;
        take.push(next);
      }
      this._waitingRecords -= records;
      const grouped = groupEffects(take.map((t) => t.effects));
      const setAside = grouped.filter((e) => e.type === EffectType.SET_ASIDE);
      const effects = setAside.length > 0 ? grouped.filter((e) => e.type !== EffectType.SET_ASIDE) : grouped;
      const persist = effects[0]?.type === EffectType.PERSIST ? effects[0] : null;
      const item = { first: take[0].no, last: take[take.length - 1].no, persist, rest: persist ? effects.slice(1) : effects };
      if (setAside.length > 0) {
        // Server changes set aside are kept before the write that stores the cursor past them;
        // meanwhile nothing is issued behind that write, so writes keep their order.
        this._holding = true;
        item.done = this._keep(setAside.flatMap((e) => e.changes)).then(() => {
          this._holding = false;
          const done = persist ? this._write(this._host.storage(), persist) : Promise.resolve({ ok: true });
          this._schedule();
          return done;
        });
      } else {
        item.done = persist ? this._write(storage, persist) : Promise.resolve({ ok: true });
      }
      this._issued.push(item);
    }
    this._drain();
  }

  _issueNextTask() {
    if (this._nextTaskQueued) return;
    this._nextTaskQueued = true;
    yieldToEventLoop().then(() => {
      this._nextTaskQueued = false;
      if (this._waiting.length > 0 && !this._failing && !this._holding) this._issue();
    });
  }

  _keep(changes) {
    return Promise.resolve()
      .then(() => this._host.setAside?.(changes))
      .catch((err) => this._host.error(err));
  }

  _write(storage, effect) {
    try {
      return Promise.resolve(storage.write(effect)).then(() => ({ ok: true }), (err) => {
        settleSealed(effect, err); // the completion callback into wasm: failed, the bytes stay
        return { ok: false, err };
      });
    } catch (err) {
      settleSealed(effect, err);
      return Promise.resolve({ ok: false, err });
    }
  }

  async _drain() {
    if (this._draining) return;
    this._draining = true;
    try {
      while (this._issued.length > 0) {
        const head = this._issued[0];
        const outcome = await head.done;
        if (!outcome.ok) await this._recover(outcome.err);
        else {
          this._issued.shift();
          if (head.persist) this._host.writeSucceeded();
          this._complete(head);
        }
        // What waited behind the write goes now (a group commit).
        if (this._issued.length === 0 && this._waiting.length > 0 && this._gaveUpFrom === null) this._issue();
      }
    } finally {
      this._draining = false;
    }
  }

  _complete(item) {
    // Durable, in order (a later write that succeeded is not final while an earlier one retries):
    // the completion callback into wasm lets the sealed bytes of every commit in it go.
    if (item.persist) settleSealed(item.persist);
    this._doneThrough = item.last;
    this._host.durable(item.last);
    if (!this._closing) {
      for (const effect of item.rest) {
        try {
          if (effect.type === EffectType.SEND) this._host.send(effect);
          else if (effect.type === EffectType.WAKE) this._host.wake(effect.at);
        } catch (err) {
          this._host.error(err);
        }
      }
    }
    this._waiters = this._waiters.filter((w) => {
      if (w.target > item.last) return true;
      w.resolve();
      return false;
    });
  }

  // The head write failed. Every write issued after it may have been stored with newer values:
  // once they have all settled, their effects are written again as one, until storage takes it.
  async _recover(firstError) {
    this._failing = true;
    let err = firstError;
    for (let attempt = 0; ; attempt++) {
      this._host.writeFailed(err, attempt);
      if (this._closing && attempt >= 1) {
        this._gaveUpFrom = this._issued[0].first;
        this._issued = [];
        this._waiting = [];
        this._waitingRecords = 0;
        for (const w of this._waiters) w.resolve();
        this._waiters = [];
        this._failing = false;
        return;
      }
      const delay = this._closing ? 0 : Math.min(30_000, this._retryMs * 2 ** Math.min(attempt, 5));
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        this._retryNow = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this._retryNow = null;
      await Promise.all(this._issued.map((i) => i.done));
      const persists = this._issued.filter((i) => i.persist).map((i) => [i.persist]);
      const folded = groupEffects(persists)[0];
      const outcome = await this._write(this._host.storage(), folded);
      if (outcome.ok) break;
      err = outcome.err;
    }
    this._host.writeSucceeded();
    const items = this._issued;
    this._issued = [];
    this._failing = false;
    for (const item of items) this._complete(item);
  }
}
