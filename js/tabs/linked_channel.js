// The channel between tabs, which also links the relay and the app client of one tab directly.
// A real BroadcastChannel hands a message to the other objects of the same page as a task; a page
// that is closing runs no more tasks, so an edit its app makes while closing would never reach its
// own tab's relay (in a follower tab that was elected, the app client is a follower of its own
// tab's engine). Objects of the same tab get each other's messages in a microtask instead, and the
// copy the real channel also delivers to them is dropped.

/** A BroadcastChannel class for one tab: same-tab delivery in a microtask, other tabs as usual. */
export function linkedChannels(BroadcastChannel, tabId) {
  const local = new Map(); // channel name -> the open instances of this tab
  return class LinkedChannel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      this._closed = false;
      this._real = new BroadcastChannel(name);
      this._real.onmessage = (event) => {
        if (event?.data?.linkTab === tabId) return; // handed over directly already
        this.onmessage?.(event);
      };
      if (!local.has(name)) local.set(name, new Set());
      local.get(name).add(this);
    }

    postMessage(msg) {
      const data = { ...msg, linkTab: tabId };
      this._real.postMessage(data);
      for (const peer of local.get(this.name) ?? []) {
        if (peer === this) continue;
        const copy = structuredClone(data); // as the real channel would: no shared objects
        queueMicrotask(() => {
          if (local.get(peer.name)?.has(peer)) peer.onmessage?.({ data: copy }); // not closed meanwhile
        });
      }
    }

    close() {
      if (this._closed) return;
      this._closed = true;
      local.get(this.name)?.delete(this);
      this._real.close();
    }
  };
}
