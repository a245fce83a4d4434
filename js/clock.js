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
  // The last reading, as three numbers (no object per reading: the clock is read on every write).
  let started = false;
  let lastAt = 0; // core time
  let lastWall = 0; // the wall reading it follows
  let lastMono = 0; // monotonic reading
  return function now() {
    const w = Number(wall());
    const mono = elapsed();
    const sane = Number.isFinite(w);
    let at;
    if (!started) at = sane ? w : Date.now();
    else if (sane && w >= lastWall) at = lastAt + (w - lastWall);
    else at = lastAt + Math.max(0, mono - lastMono); // the wall clock stepped back
    lastWall = sane ? w : started ? lastWall : at;
    lastAt = at;
    lastMono = mono;
    started = true;
    return Math.floor(at); // the core counts whole milliseconds
  };
}
