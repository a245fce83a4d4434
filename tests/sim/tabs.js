// The tabs of one simulated browser talk over this BroadcastChannel: same-name channels of one
// machine, structured-cloned messages, FIFO per sender and receiver, a few virtual ms each.
// A dead tab's channels neither send nor receive (its page is gone).

export function createBroadcastBus(clock, rng) {
  const channels = new Set();
  return class SimBroadcastChannel {
    constructor(name) {
      this.name = String(name);
      this.onmessage = null;
      this.closed = false;
      this.actor = clock.actor;
      this._last = new Map();
      channels.add(this);
    }

    postMessage(data) {
      if (this.actor.dead) return; // code of a page that is gone: nobody sees what it does
      if (this.closed) throw new DOMException(`BroadcastChannel ${this.name} is closed (${this.actor.name})`, 'InvalidStateError');
      const copy = structuredClone(data);
      for (const ch of channels) {
        if (ch === this || ch.closed || ch.name !== this.name) continue;
        const at = Math.max(this._last.get(ch) ?? 0, clock.now + rng.int(0, 4));
        this._last.set(ch, at);
        clock.schedule(at - clock.now, () => {
          if (ch.closed || ch.actor.dead) return;
          clock.run(ch.actor, () => ch.onmessage?.({ data: structuredClone(copy) }));
        });
      }
    }

    close() {
      this.closed = true;
      channels.delete(this);
    }

    /** A crashed tab's channels go with it. */
    static closeAllOf(actor) {
      for (const ch of [...channels]) if (ch.actor === actor) ch.close();
    }
  };
}
