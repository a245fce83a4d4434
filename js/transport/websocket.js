// The WebSocket transport (docs/protocol.md): hello first (the token travels there, never in the
// URL), catch-up in resumable chunks, live changes, pushes with per-batch answers, heartbeat with
// a dead-socket timeout, and reconnect with exponential backoff and full jitter that never gives
// up silently. It speaks to the client through a sink; it never touches the core itself.
//
// No state without a way out: a catch-up chunk that cannot be used (over maxMessageBytes) or that
// never comes (catchUpTimeoutMs) is an error event and a reconnect, with a backoff that keeps
// growing until a catch-up completes (a handshake alone does not reset it then).

import { changeOfLiveMessage } from '../protocol.js';

const PROTOCOL = [1];
// How a catch-up chunk starts (every server writes `type` first), told without parsing it.
const CHUNK_START = /^\s*\{\s*"type"\s*:\s*"(sync_response|initial_sync)"/;

export function createWebSocketTransport({
  url,
  WebSocket: WebSocketImpl = globalThis.WebSocket,
  heartbeatMs = 15_000,
  // A socket not open by then is dead (a handshake the network dropped without a word can leave
  // it CONNECTING for minutes): two heartbeat intervals, as for an open one.
  connectTimeoutMs = 2 * heartbeatMs,
  reconnectBaseMs = 1_000,
  reconnectMaxMs = 60_000,
  catchUpLimit = 500,
  maxMessageBytes = 16 * 1024 * 1024,
  catchUpTimeoutMs = 30_000,
  random = Math.random,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (t) => clearTimeout(t),
} = {}) {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('url must be a string or URL');
  if (typeof WebSocketImpl !== 'function') throw new TypeError('no WebSocket implementation: pass { WebSocket }');
  // URLs end up in logs and history: a token there would leak; it goes in hello ({ token }).
  if (/[?&](token|access_token)=/i.test(String(url))) throw new TypeError('the token goes in the client options ({ token }), never in the url');

  let sink = null;
  let session = null;
  let socket = null;
  let wanted = false; // the client wants a connection (online and started)
  let authBlocked = false;
  let attempt = 0;
  let reconnectTimer = null;
  let heartbeatTimer = null;
  let silenceTimer = null;
  let catchingUp = false;
  // A full resync the server started (sync_response reset: true, docs/protocol.md): its chunks
  // go on from their own cursor, not from the client's (older than the server's horizon).
  let resyncCursor = null;
  let catchUpTimer = null;
  let connectTimer = null;
  let catchUpFailures = 0; // failed catch-ups since the last complete one: the backoff keeps growing
  // Messages are handled one after another, in the order they came: while a catch-up chunk is
  // applied in slices (the page runs between them), later messages wait here as [socket, text].
  const inbox = [];
  let handling = false;
  const stats = { opened: 0, closed: 0, received: 0, sent: 0, reconnects: 0 };
  // Live changes received in one go (the frames of one socket read: a push's fan-out, the echo of
  // every mutation we pushed) reach the client as one delivery, so one core commit, not one each;
  // in their order, before anything received after them (see flushLive).
  let live = null; // { changes, cursor, catchingUp } or null

  // failed: what to do when the client could not take them (by default catch up again).
  function flushLive(failed = resync) {
    const burst = live;
    live = null;
    if (burst && !sink.deliver(burst.changes, burst.cursor)) failed();
  }

  function queueLive(msg) {
    // Delivered as before: live changes apply during a catch-up but do not move the cursor then.
    if (live && live.catchingUp !== catchingUp) flushLive();
    if (!live) {
      live = { changes: [], cursor: undefined, catchingUp };
      queueMicrotask(flushLive);
    }
    live.changes.push(changeOfLiveMessage(msg));
    live.cursor = catchingUp ? undefined : msg.cursor;
  }

  function send(message) {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(message));
    stats.sent++;
    return true;
  }

  function scheduleReconnect() {
    if (!wanted || authBlocked || reconnectTimer) return;
    // Full jitter: a random delay up to the current cap, so a server restart is not stampeded.
    const cap = Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** attempt);
    const delay = Math.floor(random() * cap);
    attempt++;
    stats.reconnects++;
    sink.status({ state: 'reconnecting', retryInMs: delay, retryAt: Date.now() + delay });
    reconnectTimer = setTimer(() => {
      reconnectTimer = null;
      open();
    }, delay);
  }

  function stopConnectTimer() {
    if (connectTimer) clearTimer(connectTimer);
    connectTimer = null;
  }

  function stopHeartbeat() {
    if (heartbeatTimer) clearTimer(heartbeatTimer);
    if (silenceTimer) clearTimer(silenceTimer);
    heartbeatTimer = null;
    silenceTimer = null;
  }

  // Any message proves the socket alive; two heartbeat intervals of silence prove it dead, even
  // when the OS has not noticed.
  function heard() {
    if (silenceTimer) clearTimer(silenceTimer);
    silenceTimer = setTimer(() => {
      silenceTimer = null;
      sink.error({ code: 'HEARTBEAT_TIMEOUT', message: `no message from the server for ${2 * heartbeatMs} ms` });
      drop();
    }, 2 * heartbeatMs);
  }

  function startHeartbeat() {
    stopHeartbeat();
    heard();
    const beat = () => {
      send({ type: 'heartbeat', t: Date.now() });
      heartbeatTimer = setTimer(beat, heartbeatMs);
    };
    heartbeatTimer = setTimer(beat, heartbeatMs);
  }

  function stopCatchUp() {
    catchingUp = false;
    if (catchUpTimer) clearTimer(catchUpTimer);
    catchUpTimer = null;
  }

  // The catch-up cannot go on on this connection (a chunk too large to take, or none coming): say
  // so and reconnect with a growing backoff; the next connection resumes from the stored cursor.
  function catchUpFailed(code, message) {
    catchUpFailures++;
    sink.error({ code, message });
    drop();
  }

  function drop() {
    flushLive();
    const s = socket;
    socket = null;
    stopConnectTimer();
    stopHeartbeat();
    stopCatchUp();
    if (s) {
      try {
        s.close();
      } catch {
        /* already closing */
      }
      stats.closed++;
      sink.disconnected();
    }
    scheduleReconnect();
  }

  function open() {
    if (!wanted || socket) return;
    sink.status({ state: 'connecting' });
    let s;
    try {
      s = new WebSocketImpl(String(url));
    } catch (err) {
      sink.error({ code: 'CONNECT_FAILED', message: String(err?.message ?? err) });
      scheduleReconnect();
      return;
    }
    socket = s;
    connectTimer = setTimer(() => {
      connectTimer = null;
      if (socket !== s) return;
      sink.error({ code: 'CONNECT_TIMEOUT', message: `the connection did not open within ${connectTimeoutMs} ms: reconnecting` });
      drop();
    }, connectTimeoutMs);
    s.onopen = () => {
      if (socket !== s) return;
      stopConnectTimer();
      stats.opened++;
      const hello = session();
      send({ type: 'hello', protocol: PROTOCOL, clientId: hello.clientId, token: hello.token, cursor: hello.cursor, collections: hello.collections });
      startHeartbeat();
    };
    s.onmessage = (event) => {
      if (socket !== s) return;
      heard();
      stats.received++;
      inbox.push([s, event.data]);
      if (!handling) handleInbox();
    };
    s.onerror = () => {
      /* followed by close */
    };
    s.onclose = () => {
      if (socket !== s) return;
      flushLive();
      socket = null;
      stopConnectTimer();
      stopHeartbeat();
      stopCatchUp();
      resyncCursor = null;
      stats.closed++;
      sink.disconnected();
      scheduleReconnect();
    };
  }

  function requestChunk() {
    flushLive();
    catchingUp = true;
    if (catchUpTimer) clearTimer(catchUpTimer);
    catchUpTimer = setTimer(() => {
      catchUpTimer = null;
      catchUpFailed('CATCH_UP_TIMEOUT', `no catch-up chunk within ${catchUpTimeoutMs} ms: reconnecting`);
    }, catchUpTimeoutMs);
    sink.status({ state: 'catching-up' });
    if (resyncCursor !== null) send({ type: 'sync_request', cursor: resyncCursor, resync: true, limit: catchUpLimit });
    else send({ type: 'sync_request', cursor: session().cursor, limit: catchUpLimit });
  }

  // The client could not take a delivery at all (the client sets a refused change aside, so this
  // is the core itself failing): a later change must not carry the cursor past it. Reconnect,
  // with backoff, and catch up again from the cursor the client holds.
  function resync() {
    sink.error({ code: 'DELIVERY_FAILED', message: 'the client could not apply a delivery: catching up again' });
    drop();
  }

  // Handles what waits in the inbox, in order; a message of a socket already gone is dropped. A
  // message being applied in slices (a promise) holds the rest until it is done.
  function handleInbox() {
    handling = true;
    while (inbox.length > 0) {
      const [s, raw] = inbox.shift();
      if (socket !== s) continue;
      let pending;
      try {
        pending = receive(raw, s);
      } catch (err) {
        // One message going wrong must not hold every later one in the inbox.
        sink.error({ code: 'DELIVERY_FAILED', message: String(err?.message ?? err) });
        continue;
      }
      if (pending) {
        pending.then(handleInbox, (err) => {
          sink.error({ code: 'DELIVERY_FAILED', message: String(err?.message ?? err) });
          handleInbox();
        });
        return;
      }
    }
    handling = false;
  }

  // A catch-up chunk, applied (maybe in slices: then the answer is a promise), then the next is
  // asked for, or the catch-up is complete.
  function receiveChunk(msg, s) {
    // The chunk came: however long its slices take, the catch-up is not waiting for the server.
    if (catchUpTimer) clearTimer(catchUpTimer);
    catchUpTimer = null;
    const resyncing = msg.reset === true || resyncCursor !== null;
    // A reset starts the full resync over, whatever came before: the server starts from 0.
    const started = msg.reset !== true || sink.resyncStarted?.() !== false;
    const changes = Array.isArray(msg.changes) ? msg.changes : [];
    const delivered = !started ? false
      : sink.deliverInSlices ? sink.deliverInSlices(changes, msg.cursor, { stop: () => socket !== s }) : sink.deliver(changes, msg.cursor);
    if (typeof delivered?.then !== 'function') return void chunkApplied(msg, resyncing, delivered);
    // The connection went while the slices were applied: the next one catches up from the cursor.
    return delivered.then((ok) => socket === s && chunkApplied(msg, resyncing, ok));
  }

  function chunkApplied(msg, resyncing, delivered) {
    let ok = delivered;
    if (resyncing) resyncCursor = ok && msg.more && Number.isInteger(msg.cursor) ? msg.cursor : null;
    // The end of a full resync: the client drops what it did not bring, takes the cursor.
    if (ok && resyncing && !msg.more) ok = sink.resyncFinished?.(msg.cursor) !== false;
    if (!ok) resync();
    else if (msg.more) requestChunk();
    else {
      stopCatchUp();
      catchUpFailures = 0;
      sink.caughtUp();
    }
  }

  // Handles one message; a promise while it is still being applied (a chunk in slices).
  function receive(raw, s) {
    // The protocol is text frames (the WebSocket checks their UTF-8). A binary frame would be
    // decoded with replacement characters, silently changing data: refuse it.
    if (typeof raw !== 'string') {
      sink.error({ code: 'BAD_MESSAGE', message: 'the server sent a binary frame; the protocol is JSON text' });
      return;
    }
    const text = raw;
    if (text.length > maxMessageBytes) {
      // A catch-up chunk dropped here would leave the catch-up waiting forever: leave it instead.
      if (catchingUp && CHUNK_START.test(text.slice(0, 64))) {
        catchUpFailed('TOO_LARGE', `a catch-up chunk of ${text.length} bytes exceeds the limit of ${maxMessageBytes}: reconnecting`);
        return;
      }
      sink.error({ code: 'TOO_LARGE', message: `a server message of ${text.length} bytes exceeds the limit` });
      return;
    }
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      sink.error({ code: 'BAD_MESSAGE', message: 'the server sent a message that is not JSON' });
      return;
    }
    if (msg === null || typeof msg !== 'object' || typeof msg.type !== 'string') {
      sink.error({ code: 'BAD_MESSAGE', message: 'the server sent a message without a type' });
      return;
    }
    const isLive = msg.type === 'entity_created' || msg.type === 'entity_updated' || msg.type === 'entity_deleted';
    if (!isLive) flushLive(); // what came before it is delivered first
    switch (msg.type) {
      case 'welcome':
        // A successful handshake resets the reconnect backoff, unless catching up keeps failing.
        attempt = catchUpFailures;
        authBlocked = false;
        // The client may distrust its cursor (another epoch, a cursor ahead of the server's, a
        // resync cut off): then the catch-up starts from 0 as a full resync.
        resyncCursor = sink.connected(msg)?.resync === true ? 0 : null;
        requestChunk();
        break;
      case 'sync_response':
      case 'initial_sync':
        return receiveChunk(msg, s);
      case 'entity_created':
      case 'entity_updated':
      case 'entity_deleted':
        // While catching up in chunks, a live change must not move the cursor past changes the
        // next chunk still has to bring: apply it, but let the chunks advance the cursor.
        queueLive(msg);
        break;
      case 'push_result':
        sink.answer(msg.batch, Array.isArray(msg.results) ? msg.results : []);
        break;
      case 'fetch_result':
        sink.fetched?.(msg);
        break;
      case 'heartbeat_ack':
        break;
      case 'notification':
        sink.notification(msg);
        break;
      case 'error':
        // unauthorized: the token; forbidden: this client id belongs to another user. Either way
        // only another token helps, so wait for one instead of reconnecting in a loop.
        if (msg.code === 'unauthorized' || msg.code === 'forbidden') {
          authBlocked = true;
          sink.authRequired(msg.message ?? 'unauthorized');
          drop();
        } else {
          sink.error({ code: String(msg.code ?? 'SERVER_ERROR').toUpperCase(), message: String(msg.message ?? '') });
        }
        break;
      default:
        sink.error({ code: 'BAD_MESSAGE', message: `unknown message type '${msg.type}'` });
    }
  }

  return {
    kind: 'websocket',
    stats,
    /** sink: the client's callbacks; getSession() -> { clientId, token, cursor, collections }. */
    start(clientSink, getSession) {
      sink = clientSink;
      session = getSession;
    },
    connect() {
      wanted = true;
      if (reconnectTimer) {
        clearTimer(reconnectTimer);
        reconnectTimer = null;
      }
      attempt = 0;
      open();
    },
    disconnect() {
      // Going offline or closing: a client that cannot take them any more catches up next time.
      flushLive(() => {});
      wanted = false;
      if (reconnectTimer) clearTimer(reconnectTimer);
      reconnectTimer = null;
      const s = socket;
      stopCatchUp();
      stopConnectTimer();
      if (s) {
        socket = null;
        stopHeartbeat();
        try {
          s.close();
        } catch {
          /* ignore */
        }
        stats.closed++;
        sink.disconnected();
      }
      sink.status({ state: 'offline' });
    },
    push(batch, mutations) {
      return send({ type: 'push', batch, mutations });
    },
    /** One entity, if the user may read it: answered by a fetch_result (sink.fetched). */
    fetchEntity(collection, id) {
      return send({ type: 'fetch', collection, id });
    },
    /** Catch up now (focus, "Sync now"): reconnect at once if down, else ask for changes. */
    sync() {
      if (!wanted || authBlocked) return; // the same token would be refused again: wait for setToken
      if (!socket) {
        if (reconnectTimer) clearTimer(reconnectTimer);
        reconnectTimer = null;
        attempt = 0;
        open();
      } else if (!catchingUp && socket.readyState === 1) {
        requestChunk();
      }
    },
    setToken(token) {
      authBlocked = false;
      if (socket && socket.readyState === 1) send({ type: 'auth', token });
      else if (wanted) this.sync();
    },
    get connected() {
      return Boolean(socket && socket.readyState === 1);
    },
    close() {
      this.disconnect();
    },
  };
}
