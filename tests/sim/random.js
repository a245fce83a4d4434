// A seeded pseudo-random source (sfc32): every decision of a simulation run comes from one of these,
// so a seed replays the same run.

export class Random {
  constructor(seed) {
    // splitmix32 spreads a small seed over the four words of state
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32() {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }

  /** [0, 1) */
  float() {
    return this.uint32() / 4294967296;
  }

  /** An integer in [lo, hi] */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p) {
    return this.float() < p;
  }

  pick(list) {
    return list[Math.floor(this.float() * list.length)];
  }

  /** A new independent source derived from this one (one per concern, so adding draws to one
   * concern does not shift the others). */
  fork() {
    return new Random(this.uint32());
  }

  /** A UUID-shaped id drawn from this source (stands in for crypto.randomUUID). */
  uuid() {
    const h = () => this.uint32().toString(16).padStart(8, '0');
    const x = h() + h() + h() + h();
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
  }
}
