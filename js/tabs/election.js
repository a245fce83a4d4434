// Who leads the tabs of one origin: the holder of a Web Lock where the browser has navigator.locks
// (exclusive by construction, released by the browser when the tab closes or crashes), otherwise
// a heartbeat election over BroadcastChannel (Node, old browsers). Either way the election only
// says "you lead now" / "you no longer lead"; what leading means is the caller's business.
//
// Fallback protocol (channel `<name>:election`): the leader says `beat` every heartbeatMs; a tab
// that hears no beat for 3 intervals `claim`s, and leads if within one interval it heard no beat
// and no claim from a smaller tab id. A leader that hears another leader's beat with a smaller tab
// id steps down (two leaders can only meet after a partition or a missed claim). A leader that
// leaves on purpose says `resign`, so the others claim at once.

export function createElection({ name, tabId, locks = globalThis.navigator?.locks, BroadcastChannel = globalThis.BroadcastChannel, heartbeatMs = 1000, onElected, onDeposed }) {
  if (locks && typeof locks.request === 'function') return lockElection({ name, locks, onElected, onDeposed });
  if (typeof BroadcastChannel !== 'function') throw new TypeError('multi-tab needs navigator.locks or BroadcastChannel');
  return channelElection({ name, tabId, BroadcastChannel, heartbeatMs, onElected, onDeposed });
}

/**
 * The Web Lock its holder sends under: the leader tab holds it, and so does the Service Worker
 * while it flushes the outbox (js/sw/), so one sender at most exists for a database `name`.
 */
export function leaderLockName(name) {
  return `syncore-leader:${name}`;
}

function lockElection({ name, locks, onElected, onDeposed }) {
  const lockName = leaderLockName(name);
  let release = null; // resolves the promise that holds the lock
  let abort = null; // cancels a queued request
  let closed = false;

  const hold = (lock) => {
    if (!lock) return undefined; // ifAvailable and taken
    return new Promise((resolve) => {
      release = resolve;
      onElected();
    });
  };

  const queue = () => {
    if (closed || release || abort) return;
    const controller = new AbortController();
    abort = controller;
    locks.request(lockName, { signal: controller.signal }, (lock) => {
      abort = null;
      return hold(lock);
    }).catch(() => {
      if (abort === controller) abort = null; // aborted: resign() or close()
    });
  };

  return {
    kind: 'web-locks',
    /** Resolves true if this tab leads at once; otherwise it queues and onElected fires later. */
    async start() {
      const granted = await new Promise((resolve) => {
        locks
          .request(lockName, { ifAvailable: true }, (lock) => {
            resolve(Boolean(lock));
            if (!lock) return undefined;
            // onElected is not called for the first grant: start()'s caller acts on `true`.
            return new Promise((r) => {
              release = r;
            });
          })
          .catch(() => resolve(false));
      });
      if (!granted) queue();
      return granted;
    },
    get leading() {
      return release !== null;
    },
    /** Leaves leadership (or the queue) and does not come back until rejoin(). */
    resign() {
      abort?.abort();
      abort = null;
      const r = release;
      release = null;
      if (r) {
        r();
        onDeposed?.();
      }
    },
    rejoin() {
      queue();
    },
    close() {
      closed = true;
      this.resign();
    },
  };
}

function channelElection({ name, tabId, BroadcastChannel, heartbeatMs, onElected, onDeposed }) {
  const channel = new BroadcastChannel(`syncore-tabs:${name}:election`);
  let state = 'idle'; // idle (resigned) | follower | candidate | leader
  let silence = null;
  let beatTimer = null;
  let claimTimer = null;
  let firstResult = null; // start()'s resolver while the first outcome is open

  const post = (type) => channel.postMessage({ type, from: tabId });
  const clear = () => {
    clearTimeout(silence);
    clearTimeout(claimTimer);
    clearInterval(beatTimer);
    silence = claimTimer = beatTimer = null;
  };
  const settleFirst = (leading) => {
    const r = firstResult;
    firstResult = null;
    r?.(leading);
    return r !== null;
  };
  const follow = () => {
    clear();
    state = 'follower';
    silence = setTimeout(claim, 3 * heartbeatMs);
  };
  const claim = () => {
    clear();
    state = 'candidate';
    post('claim');
    claimTimer = setTimeout(lead, heartbeatMs);
  };
  const lead = () => {
    clear();
    state = 'leader';
    post('beat');
    beatTimer = setInterval(() => post('beat'), heartbeatMs);
    if (!settleFirst(true)) onElected();
  };
  const stepDown = () => {
    const was = state === 'leader';
    follow();
    if (was) onDeposed?.();
  };

  channel.onmessage = ({ data }) => {
    if (!data || data.from === tabId || state === 'idle') return;
    if (data.type === 'beat') {
      if (state === 'leader') {
        if (data.from < tabId) stepDown();
        else post('beat'); // let the other one see us and step down
      } else {
        follow(); // a leader is alive: wait for the next beat
        settleFirst(false);
      }
    } else if (data.type === 'claim') {
      if (state === 'leader') post('beat'); // objection: there is a leader
      else if (state === 'candidate' && data.from < tabId) follow();
      else if (state === 'follower') {
        clearTimeout(silence);
        silence = setTimeout(claim, 3 * heartbeatMs);
      }
    } else if (data.type === 'resign') {
      if (state === 'follower') claim();
    }
  };

  return {
    kind: 'broadcast-channel',
    start() {
      return new Promise((resolve) => {
        firstResult = resolve;
        // A leader beats within one interval; wait a little longer before claiming.
        state = 'follower';
        silence = setTimeout(claim, 1.5 * heartbeatMs);
      });
    },
    get leading() {
      return state === 'leader';
    },
    resign() {
      const was = state === 'leader';
      clear();
      state = 'idle';
      if (was) {
        post('resign');
        onDeposed?.();
      }
      settleFirst(false);
    },
    rejoin() {
      if (state === 'idle') follow();
    },
    close() {
      this.resign();
      channel.close();
    },
  };
}
