// The core's clock. The core uses one "now" for both its hybrid logical clock (stamps, which want
// wall time) and its timers (retry backoff, which want elapsed time). A wall clock set back by the
// user or NTP would stall every timer by the size of the jump (a 500 ms retry waiting 20 s, or an
// hour). So the time fed to the core never goes backwards: it moves on by as much as the wall
// clock moves forwards, and across a step back it moves on by the time elapsed on a monotonic
// source (performance.now) instead. A wall clock that only moves forwards (or stands still, as a
// virtual clock in a test may) is followed exactly.

// performance taken once: in a page, globalThis.performance is a getter on the window (a Blink
// call), read twice per write before (W4's profile: ~1-2 % of its 1,000 creates).
const performance = typeof globalThis.performance?.now === 'function' ? globalThis.performance : null;
const monotonicSource = performance ? () => performance.now() : () => Date.now();

/**
 * @param {() => number} [wall] wall time in ms (the app's `now` option, else Date.now)
 * @param {() => number} [elapsed] a monotonic ms source (the `monotonicNow` option, else
 *   performance.now); only read across a step back of the wall clock
 * @returns {() => number} a clock in whole ms that never runs backwards
 */
export function monotonicClock(wall = () => Date.now(), elapsed = monotonicSource) {
  if (typeof wall !== 'function') wall = () => Date.now();
  if (typeof elapsed !== 'function') elapsed = monotonicSource;
  // The last reading, one object updated in place (its number fields are stored unboxed, where
  // a new object or a closure variable per reading allocated: the clock is read on every write).
  const last = { started: false, at: 0, wall: 0, mono: 0 }; // at: core time, wall: the wall reading it follows, mono: monotonic reading
  return function now() {
    const w = Number(wall());
    const mono = elapsed();
    const sane = Number.isFinite(w);
    let at;
    if (!last.started) at = sane ? w : Date.now();
    else if (sane && w >= last.wall) at = last.at + (w - last.wall);
    else at = last.at + Math.max(0, mono - last.mono); // the wall clock stepped back
    last.wall = sane ? w : last.started ? last.wall : at;
    last.at = at;
    last.mono = mono;
    last.started = true;
    return Math.floor(at); // the core counts whole milliseconds
  };
}
