// When a client syncs (seed 003's SyncConfiguration): `autoSyncEnabled` (default true: connected
// whenever the device is online, every change pushed at once), `syncInterval` (ms: a sync round
// every interval even when nothing on the socket changed) and `pauseWhenHidden` (no interval
// rounds while document.hidden). With autoSyncEnabled false the connection is opened only for a
// round — client.sync() or an interval tick — and closed once the round completed: nothing is
// sent or pulled between rounds, edits queue in the outbox.
import { SyncError, ErrorCodes } from '../errors.js';

const DEFAULT_ROUND_TIMEOUT_MS = 30_000;

/**
 * @param {object} o
 * @param {object} o.options the client's options (autoSyncEnabled, syncInterval, pauseWhenHidden, syncTimeoutMs)
 * @param {object} [o.document] for pauseWhenHidden
 * @param {() => void} o.connect opens the transport (the device is online)
 * @param {() => void} o.disconnect closes it
 * @param {() => void} o.nudge retry now + catch up + flush the outbox (what sync() always did)
 * @param {(event: string, fn: Function) => () => void} o.on the client's events
 * @param {() => object} o.status the client's status
 * @param {(patch: object) => void} o.setStatus
 */
export class AutoSync {
  constructor({ options, document, connect, disconnect, nudge, on, status, setStatus }) {
    const { autoSyncEnabled = true, syncInterval = 0, pauseWhenHidden = false, syncTimeoutMs = DEFAULT_ROUND_TIMEOUT_MS } = options;
    if (typeof autoSyncEnabled !== 'boolean') throw new SyncError(ErrorCodes.WRONG_TYPE, 'autoSyncEnabled must be a boolean');
    if (!Number.isFinite(syncInterval) || syncInterval < 0) throw new SyncError(ErrorCodes.WRONG_TYPE, 'syncInterval must be a number of milliseconds (0: none)');
    if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs <= 0) throw new SyncError(ErrorCodes.WRONG_TYPE, 'syncTimeoutMs must be a positive number of milliseconds');
    this.enabled = autoSyncEnabled;
    this._intervalMs = syncInterval;
    this._pauseWhenHidden = Boolean(pauseWhenHidden);
    this._timeoutMs = syncTimeoutMs;
    this._doc = document;
    this._io = { connect, disconnect, nudge, on, status, setStatus };
    this._timer = null;
    this._round = null; // the round under way: its promise
    this._stopped = false;
    this._offVisibility = null;
    this._lastRoundAt = 0;
  }

  /** Whether the transport is to be connected outside a round (auto sync). */
  get connects() {
    return this.enabled || this._round !== null;
  }

  /** Starts the interval (if any). */
  start() {
    if (!this.enabled) this._io.setStatus({ connection: 'paused' });
    if (this._intervalMs > 0) {
      if (this._pauseWhenHidden && this._doc?.addEventListener) {
        const onVisibility = () => this._visibilityChanged();
        this._doc.addEventListener('visibilitychange', onVisibility);
        this._offVisibility = () => this._doc.removeEventListener('visibilitychange', onVisibility);
      }
      if (!this._paused()) this._startTimer();
    }
  }

  /** Whether interval rounds are paused now (pauseWhenHidden and the page hidden). */
  get intervalRunning() {
    return this._timer !== null;
  }

  stop() {
    this._stopped = true;
    this._stopTimer();
    this._offVisibility?.();
    this._offVisibility = null;
  }

  /**
   * One sync round: push what is pending and catch up. Resolves { completed: true } once the
   * client is caught up with nothing pending or in flight ('syncCompleted'), or { completed:
   * false, reason } ('offline', 'auth-required', 'timeout', 'closed'); never rejects. Without
   * auto sync the connection is opened for the round and closed after it.
   */
  sync() {
    if (this._stopped) return Promise.resolve({ completed: false, reason: 'closed' });
    if (this._round) {
      this._io.nudge();
      return this._round;
    }
    this._lastRoundAt = Date.now();
    const round = this._runRound().finally(() => {
      this._round = null;
      if (!this.enabled && !this._stopped) {
        this._io.disconnect();
        this._io.setStatus({ connection: 'paused' }); // not 'offline': the next round reconnects
      }
    });
    this._round = round;
    return round;
  }

  _runRound() {
    const { on, status, connect, nudge } = this._io;
    if (!status().online) return Promise.resolve({ completed: false, reason: 'offline' });
    return new Promise((resolve) => {
      const offs = [];
      const finish = (result) => {
        clearTimeout(timer);
        for (const off of offs) off();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ completed: false, reason: 'timeout' }), this._timeoutMs);
      timer.unref?.(); // Node: a round waiting does not keep the process alive
      offs.push(on('syncCompleted', () => finish({ completed: true })));
      offs.push(on('authRequired', () => finish({ completed: false, reason: 'auth-required' })));
      offs.push(on('networkStatusChanged', ({ online }) => online || finish({ completed: false, reason: 'offline' })));
      this._closeRound = () => finish({ completed: false, reason: 'closed' });
      if (status().connection === 'auth-required') return finish({ completed: false, reason: 'auth-required' });
      if (!this.enabled) connect();
      nudge();
    });
  }

  /** The client closes: a round under way ends ('closed'), no more rounds. */
  close() {
    this.stop();
    this._closeRound?.();
  }

  _paused() {
    return this._pauseWhenHidden && this._doc?.visibilityState === 'hidden';
  }

  _visibilityChanged() {
    if (this._stopped) return;
    if (this._paused()) return this._stopTimer();
    if (this._timer) return undefined;
    this._startTimer();
    // Back in sight after a whole interval or more: the round that was due runs now.
    if (Date.now() - this._lastRoundAt >= this._intervalMs) void this.sync();
    return undefined;
  }

  _startTimer() {
    this._timer = setInterval(() => {
      if (!this._round) void this.sync();
    }, this._intervalMs);
    this._timer.unref?.(); // Node: an idle client does not keep the process alive by its interval
  }

  _stopTimer() {
    clearInterval(this._timer);
    this._timer = null;
  }
}
