// The client's effects runner: it carries out each commit's effects (persist durably, then send
// and wake, in commit order; group commit in js/client/group_commit.js), and keeps the timers
// they start: a batch not answered in time goes back to the queue, a wake ticks the core.
// It is handed explicit interfaces and nothing else:
//   core      { batchTimedOut(batch), tick() }  (calls that cannot throw: the client guards them)
//   storage   { current() -> Storage, keepSetAside(changes) -> Promise }  (a tab stepping down swaps it)
//   transport { push(batch, mutations) -> boolean | Promise<boolean> }  (false: not connected after
//             all; a promise: the batch is held before it goes out, e.g. while its files upload,
//             js/files/upload_gate.js, and its answer's timeout starts once it is sent)
//   report    { sending(effect), sendTimedOut(batch), writeFailed(err, attempt), writeSucceeded(),
//               durable(through), error(err), hidden() -> boolean }
import { GroupCommit } from './group_commit.js';

export class EffectsRunner {
  /**
   * @param {{ core: object, storage: object, transport: object, report: object }} parts
   * @param {{ batchTimeoutMs?: number, maxWaitMs?: number, clock?: () => number, retryMs?: number,
   *   maxRecords?: number, maxDelayMs?: number }} [options]
   */
  constructor({ core, storage, transport, report }, { batchTimeoutMs = 30_000, maxWaitMs = 60_000, clock = () => Date.now(), ...groupOptions } = {}) {
    this._core = core;
    this._transport = transport;
    this._report = report;
    this._batchTimeoutMs = batchTimeoutMs;
    // No timer waits longer than the core's longest backoff (a wake further out is re-asked then).
    this._maxWaitMs = maxWaitMs;
    this._clock = clock;
    this._batchTimers = new Map(); // batch -> its timeout
    this._wakeTimer = null;
    this._closed = false;
    this._commits = new GroupCommit({
      storage: () => storage.current(),
      send: (effect) => this._send(effect),
      wake: (at) => this._wakeAt(at),
      writeFailed: (err, attempt) => report.writeFailed(err, attempt),
      writeSucceeded: () => report.writeSucceeded(),
      durable: (through) => report.durable(through),
      setAside: (changes) => storage.keepSetAside(changes),
      error: (err) => report.error(err),
      hidden: () => report.hidden(),
    }, groupOptions);
  }

  /** The number the next pushed commit gets. */
  get nextNumber() {
    return this._commits.nextNumber;
  }

  /** Queues one commit's effects; returns its number. */
  push(effects) {
    return this._commits.push(effects);
  }

  /** Resolves once every commit pushed so far is stored and its sends and wakes are done (or given up). */
  flush() {
    return this._commits.flush();
  }

  /** While the page hides: every commit goes to storage at once. */
  urgent(on) {
    this._commits.urgent(on);
  }

  /** A write waiting to be retried goes now. */
  retryNow() {
    this._commits.retryNow();
  }

  /** Batches sent and not answered yet. */
  get inFlight() {
    return this._batchTimers.size;
  }

  /** The transport answered this batch: its timeout is off. */
  answered(batch) {
    const timer = this._batchTimers.get(batch);
    if (timer) clearTimeout(timer);
    this._batchTimers.delete(batch);
  }

  /** The connection dropped: no answer will come for what is in flight (the core re-queues it). */
  forgetInFlight() {
    for (const t of this._batchTimers.values()) clearTimeout(t);
    this._batchTimers.clear();
  }

  /**
   * Closing: no more sends or wakes; everything queued goes to storage. Resolves to null, or to
   * the number of the first commit that was not stored.
   */
  close() {
    this._closed = true;
    this.forgetInFlight();
    if (this._wakeTimer) clearTimeout(this._wakeTimer);
    this._wakeTimer = null;
    return this._commits.close();
  }

  _send(effect) {
    const sent = this._transport.push(effect.batch, effect.mutations);
    if (typeof sent?.then === 'function') {
      this._report.sending(effect);
      sent.then((ok) => this._sent(effect, ok), (err) => {
        this._report.error(err);
        this._sent(effect, false);
      });
      return;
    }
    if (!sent) {
      // Not connected after all: the batch goes back to the queue under the same keys.
      this._core.batchTimedOut(effect.batch);
      return;
    }
    this._report.sending(effect);
    this._answerTimeout(effect);
  }

  // A held batch went out (ok) or not: its answer's timeout starts now, or it goes back to the queue.
  _sent(effect, ok) {
    if (this._closed) return;
    if (!ok) this._core.batchTimedOut(effect.batch);
    else this._answerTimeout(effect);
  }

  _answerTimeout(effect) {
    const timer = setTimeout(() => {
      this._batchTimers.delete(effect.batch);
      this._report.sendTimedOut(effect.batch);
      this._core.batchTimedOut(effect.batch);
    }, this._batchTimeoutMs);
    this._batchTimers.set(effect.batch, timer);
  }

  _wakeAt(at) {
    if (this._wakeTimer) clearTimeout(this._wakeTimer);
    if (this._closed) return;
    const delay = Math.min(this._maxWaitMs, Math.max(0, at - this._clock()));
    this._wakeTimer = setTimeout(() => {
      this._wakeTimer = null;
      this._core.tick();
    }, delay);
  }
}
