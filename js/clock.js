// The core's clock. The core uses one "now" for both its hybrid logical clock (stamps, which want
// wall time) and its timers (retry backoff, which want elapsed time). A wall clock set back by the
// user or NTP would stall every timer by the size of the jump (a 500 ms retry waiting 20 s, or an
// hour). So the time fed to the core never goes backwards: it is the wall clock while that moves
// forward, and the last reading plus the time elapsed on a monotonic source (performance.now)
// while the wall clock reads earlier than that.

const monotonicSource = () => globalThis.performance?.now?.() ?? Date.now();

/**
 * @param {() => number} [wall] wall time in ms (the app's `now` option, else Date.now)
 * @param {() => number} [elapsed] a monotonic ms source (the `monotonicNow` option, else
 *   performance.now; a simulation on virtual time passes its virtual clock for both)
 * @returns {() => number} a clock that follows wall time forwards and never runs backwards
 */
export function monotonicClock(wall = () => Date.now(), elapsed = monotonicSource) {
  if (typeof wall !== 'function') wall = () => Date.now();
  if (typeof elapsed !== 'function') elapsed = monotonicSource;
  let last = null; // { at: core time, mono: monotonic reading }
  return function now() {
    const w = Number(wall());
    const mono = elapsed();
    const carried = last === null ? Date.now() : last.at + Math.max(0, mono - last.mono);
    const at = Number.isFinite(w) && (last === null || w >= carried) ? w : carried;
    last = { at, mono };
    return Math.floor(at); // the core counts whole milliseconds
  };
}
