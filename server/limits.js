// Per-connection limits: frame size and a token-bucket message rate.

/** Bytes of a `ws` message (a Buffer, an ArrayBuffer or a list of fragments). */
export function frameSize(data) {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength ?? data.length;
}

/**
 * A token bucket: `burst` messages at once, refilled at `perSecond`. A message that finds the
 * bucket empty is dropped; the drops drain a second bucket of the same size and rate (the
 * tolerance), so a client that keeps sending at more than twice the rate is cut off instead of
 * being answered `rate_limited` forever.
 *
 * take(nowMs) -> { ok: true } | { ok: false, retryAfterMs, exhausted }.
 */
export class RateLimiter {
  #perSecond;
  #burst;
  #tokens;
  #tolerance;
  #last;

  constructor({ perSecond, burst = perSecond, now = Date.now() }) {
    this.#perSecond = perSecond;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#tolerance = this.#burst;
    this.#last = now;
  }

  take(now = Date.now()) {
    const refill = (Math.max(0, now - this.#last) * this.#perSecond) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + refill);
    this.#tolerance = Math.min(this.#burst, this.#tolerance + refill);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    const retryAfterMs = Math.ceil(((1 - this.#tokens) * 1000) / this.#perSecond);
    this.#tolerance -= 1;
    return { ok: false, retryAfterMs, exhausted: this.#tolerance < 0 };
  }
}

// ---- input that costs more than its size: nesting depth ----

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of objects and arrays in a JSON text, measured on its bytes before it is
 * parsed (UTF-8 never puts these ASCII bytes inside a multi-byte character). One pass, no
 * allocation: a frame nested thousands deep is found without building it.
 */
export function jsonDepth(bytes) {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
      if (depth > max) max = depth;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
  }
  return max;
}

/** Is a parsed value nested deeper than `limit` ({} and [] count one level)? Iterative: no recursion. */
export function deeperThan(value, limit) {
  const stack = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

// ---- connections per server and per address ----

/** Counts open (and opening) connections overall and per remote address. */
export class ConnectionCounter {
  #total = 0;
  #byAddress = new Map();

  constructor({ maxConnections, maxPerAddress }) {
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
  }

  /** Takes a slot for `address`; null when taken, else why not: 'server' | 'address'. */
  admit(address) {
    if (this.#total >= this.maxConnections) return 'server';
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.maxPerAddress) return 'address';
    this.#total++;
    this.#byAddress.set(address, n + 1);
    return null;
  }

  release(address) {
    this.#total--;
    const n = (this.#byAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.#byAddress.delete(address);
    else this.#byAddress.set(address, n);
  }

  get total() {
    return this.#total;
  }
}

// ---- error logging an attacker cannot turn into a disk-filler ----

/**
 * A logger whose `error` prints at most `perMinute` lines a minute; the lines dropped are counted
 * and reported in one line when the next minute's first error is printed. Other levels pass.
 */
export function throttledLogger(logger, { perMinute = 60, now = () => Date.now() } = {}) {
  if (!logger) return logger;
  let windowStart = -Infinity;
  let printed = 0;
  let dropped = 0;
  return {
    ...logger,
    error(...args) {
      const t = now();
      if (t - windowStart >= 60_000) {
        windowStart = t;
        printed = 0;
        if (dropped > 0) logger.error?.(`syncore sync server: ${dropped} error lines suppressed in the last minute`);
        dropped = 0;
      }
      if (printed >= perMinute) {
        dropped++;
        return;
      }
      printed++;
      logger.error?.(...args);
    },
  };
}
