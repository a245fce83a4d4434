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
