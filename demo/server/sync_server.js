// The reference sync server: docs/protocol.md (version 1) over `ws`, on a store from ./store.js.
//
//   import { startSyncServer, tokenTable } from './sync_server.js';
//   const sync = await startSyncServer({ port: 0, dataDir: 'demo/.data' });   // ws://…/sync
//   const sync = await startSyncServer({ server: httpServer });               // same port, /sync
//
// One connection = hello (within helloTimeoutMs) -> welcome, then subscribe / sync_request /
// push / heartbeat / auth in any order. Messages of one connection are handled in order; each
// pushed mutation is one store transaction, broadcast to subscribed connections after it commits.
import { createServer, STATUS_CODES } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { SyncStore, isPlainObject, mutationShapeError } from './store.js';

/** Protocol versions this server speaks. */
export const PROTOCOL_VERSIONS = [1];
export const SYNC_PATH = '/sync';

const CHANGE_TYPES = { create: 'entity_created', update: 'entity_updated', delete: 'entity_deleted' };
const NEEDS_WELCOME = new Set(['subscribe', 'sync_request', 'push', 'heartbeat', 'auth']);

const allowAll = () => true;

/** The default hook: any token (or none) is accepted, everything is allowed. */
export function allowEveryone() {
  return { userId: 'anonymous', canRead: allowAll, canWrite: allowAll };
}

/**
 * An authorization hook from a fixed table, for tests and the demo:
 *   tokenTable({ 'tok-ann': { userId: 'ann', read: ['students'], write: ['students'] },
 *                'tok-admin': { userId: 'root', read: '*', write: '*', expiresAt: ms } })
 * Unknown tokens get null (unauthorized). '*' (alone or in a list) means every collection.
 */
export function tokenTable(table) {
  const can = (list, collection) =>
    list === '*' || (Array.isArray(list) && (list.includes('*') || list.includes(collection)));
  return ({ token }) => {
    if (typeof token !== 'string' || !Object.hasOwn(table, token)) return null;
    const { userId, read = [], write = [], expiresAt } = table[token];
    return {
      userId,
      expiresAt,
      canRead: (collection) => can(read, collection),
      canWrite: (collection) => can(write, collection),
    };
  };
}

/**
 * Starts the sync server. Resolves to
 *   { url, port, store, server, close({ snapshot = true }), connections(), notify(payload, filter),
 *     failNextAck(count = 1) }.
 *
 * Options (defaults in brackets):
 * - port [0], host ['127.0.0.1']: where to listen when no `server` is given.
 * - server: an existing node:http Server; the WebSocket endpoint is attached to it on `path`
 *   and nothing else of it is touched (close() detaches, it does not close that server).
 * - path ['/sync'].
 * - dataDir: the store's folder (log + snapshot); in memory when omitted. Or pass `store`.
 * - authorize({ token, clientId }) -> { userId, canRead(collection), canWrite(collection,
 *   mutation), expiresAt? } | null (may be async). Missing methods allow; [accept everyone].
 * - validate({ mutation, current, userId, clientId }) -> a message string to refuse a mutation
 *   for good (error class validation), or nothing.
 * - maxMessageBytes [1 MiB]: larger frames get error too_large and close 1009.
 * - maxMessagesPerSecond [200]: beyond, each message is dropped with error rate_limited.
 * - compactCatchUp [true]: sync_response carries only the latest change of each entity.
 * - maxSyncLimit [5000], defaultSyncLimit [500], maxResponseBytes [maxMessageBytes]: chunking.
 * - helloTimeoutMs [10000]; idleTimeoutMs [60000] (pinged at half, dropped at full; 0: off).
 * - maxClockDriftMs [60000]: a pushed ts.wall further ahead of the server clock is clamped.
 * - idFields: { collection: 'key' } when the entity id lives in another field than "id".
 * - dropBeforeAck({ clientId, userId, batch, mutations, results }) -> true: for tests, drop the
 *   connection after applying a push but before its push_result (see also failNextAck()).
 * - snapshotEvery [500], fsync [false]: store durability knobs.
 * - logger [console]: only unexpected errors are logged.
 */
export async function startSyncServer({
  port = 0,
  host = '127.0.0.1',
  dataDir,
  store: givenStore,
  authorize,
  validate,
  maxMessageBytes = 1 << 20,
  maxMessagesPerSecond = 200,
  compactCatchUp = true,
  server: givenServer,
  path = SYNC_PATH,
  maxSyncLimit = 5000,
  defaultSyncLimit = 500,
  maxResponseBytes,
  helloTimeoutMs = 10_000,
  idleTimeoutMs = 60_000,
  maxClockDriftMs = 60_000,
  maxBufferedBytes = 16 << 20,
  idFields,
  dropBeforeAck,
  snapshotEvery,
  fsync,
  logger = console,
} = {}) {
  const store = givenStore ?? new SyncStore({ dataDir, idFields, snapshotEvery, fsync });
  const responseBudget = maxResponseBytes ?? maxMessageBytes;
  const authorizeHook = authorize ?? allowEveryone;
  const conns = new Set();
  let nextConnId = 1;
  let failAcks = 0;
  let closing = null;

  // ws itself only guards against absurd frames (it closes with 1009 without a word); frames
  // between maxMessageBytes and that bound get a proper error too_large first.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(maxMessageBytes * 2, maxMessageBytes + 65536),
    perMessageDeflate: false,
  });

  const ownServer = !givenServer;
  const httpServer =
    givenServer ??
    createServer((req, res) => {
      const body = `syncore sync server: connect a WebSocket to ${path}\n`;
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Upgrade: 'websocket' });
      res.end(body);
    });

  function rejectUpgrade(socket, status, message = STATUS_CODES[status]) {
    const body = `${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function onUpgrade(req, socket, head) {
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      return rejectUpgrade(socket, 400);
    }
    if (url.pathname !== path) {
      // Someone else's upgrade (e.g. a dev server's) unless nobody else listens.
      if (ownServer || httpServer.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404);
      return;
    }
    if (url.searchParams.has('token') || url.searchParams.has('access_token'))
      return rejectUpgrade(socket, 400, 'the token belongs in the hello message, never in the URL');
    if (closing) return rejectUpgrade(socket, 503);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  }
  httpServer.on('upgrade', onUpgrade);

  if (ownServer) {
    await new Promise((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  }

  const sweepEvery = idleTimeoutMs > 0 ? Math.max(50, Math.floor(idleTimeoutMs / 2)) : 0;
  const sweep = sweepEvery
    ? setInterval(() => {
        const now = Date.now();
        for (const conn of conns) {
          const idle = now - conn.lastSeen;
          if (idle >= idleTimeoutMs) conn.ws.terminate();
          else if (idle >= idleTimeoutMs / 2 && conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
        }
      }, sweepEvery)
    : null;
  sweep?.unref();

  // ---- connection plumbing ----

  function send(conn, message) {
    sendRaw(conn, JSON.stringify(message));
  }

  function sendRaw(conn, frame) {
    const { ws } = conn;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      // A consumer this slow is better off reconnecting and catching up.
      conn.closed = true;
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  function sendError(conn, code, message, extra = {}) {
    send(conn, { type: 'error', code, message, ...extra });
  }

  function closeConn(conn, code, reason) {
    conn.closed = true;
    clearTimeout(conn.helloTimer);
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) conn.ws.close(code, reason);
  }

  function onConnection(ws, req) {
    const conn = {
      id: nextConnId++,
      ws,
      remoteAddress: req.socket.remoteAddress,
      clientId: null,
      userId: null,
      auth: null,
      protocol: null,
      subs: null, // Set of collections, or null: everything readable
      welcomed: false,
      greeting: false,
      closed: false,
      windowStart: 0,
      windowCount: 0,
      lastSeen: Date.now(),
      queue: Promise.resolve(),
      helloTimer: null,
    };
    conns.add(conn);
    conn.helloTimer = setTimeout(() => {
      if (conn.welcomed || conn.greeting || conn.closed) return;
      sendError(conn, 'bad_message', `no hello within ${helloTimeoutMs} ms`);
      closeConn(conn, 1008, 'hello timeout');
    }, helloTimeoutMs);
    conn.helloTimer.unref?.();
    ws.on('pong', () => {
      conn.lastSeen = Date.now();
    });
    ws.on('error', () => {}); // protocol errors close the socket; nothing to add
    ws.on('close', () => {
      conn.closed = true;
      clearTimeout(conn.helloTimer);
      conns.delete(conn);
    });
    ws.on('message', (data, isBinary) => onFrame(conn, data, isBinary));
  }

  function frameSize(data) {
    if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
    return data.byteLength ?? data.length;
  }

  function onFrame(conn, data, isBinary) {
    if (conn.closed) return;
    conn.lastSeen = Date.now();
    if (frameSize(data) > maxMessageBytes) {
      sendError(conn, 'too_large', `a frame over ${maxMessageBytes} bytes`, { limit: maxMessageBytes });
      closeConn(conn, 1009, 'message too large');
      return;
    }
    const now = Date.now();
    if (now - conn.windowStart >= 1000) {
      conn.windowStart = now;
      conn.windowCount = 0;
    }
    if (++conn.windowCount > maxMessagesPerSecond) {
      sendError(conn, 'rate_limited', `more than ${maxMessagesPerSecond} messages per second; message dropped`, {
        retryAfterMs: Math.max(0, 1000 - (now - conn.windowStart)),
      });
      return;
    }
    if (isBinary) return sendError(conn, 'bad_message', 'binary frames are not part of the protocol');
    let msg;
    try {
      msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
    } catch {
      return sendError(conn, 'bad_message', 'not valid JSON');
    }
    if (!isPlainObject(msg) || typeof msg.type !== 'string')
      return sendError(conn, 'bad_message', 'a message is a JSON object with a string "type"');
    conn.queue = conn.queue
      .then(() => (conn.closed ? undefined : dispatch(conn, msg)))
      .catch((err) => {
        logger?.error?.('syncore sync server: handling', msg.type, 'failed:', err);
        if (!conn.closed) sendError(conn, 'bad_message', 'internal error handling the message', { inReplyTo: msg.type });
      });
  }

  function dispatch(conn, msg) {
    if (msg.type !== 'hello' && NEEDS_WELCOME.has(msg.type) && !conn.welcomed)
      return sendError(conn, 'bad_message', `send hello first (got ${msg.type})`, { inReplyTo: msg.type });
    switch (msg.type) {
      case 'hello':
        return onHello(conn, msg);
      case 'auth':
        return onAuth(conn, msg);
      case 'subscribe':
        return onSubscribe(conn, msg);
      case 'sync_request':
        return onSyncRequest(conn, msg);
      case 'push':
        return onPush(conn, msg);
      case 'heartbeat':
        return send(conn, { type: 'heartbeat_ack', t: msg.t });
      default:
        return sendError(conn, 'bad_message', `unknown message type "${msg.type}"`, { inReplyTo: msg.type });
    }
  }

  async function runAuthorize(token, clientId) {
    let result;
    try {
      result = await authorizeHook({ token, clientId });
    } catch (err) {
      logger?.error?.('syncore sync server: authorize threw:', err);
      return null;
    }
    if (!result || typeof result !== 'object') return null;
    return {
      userId: result.userId ?? null,
      expiresAt: result.expiresAt ?? null,
      canRead: typeof result.canRead === 'function' ? result.canRead.bind(result) : allowAll,
      canWrite: typeof result.canWrite === 'function' ? result.canWrite.bind(result) : allowAll,
    };
  }

  const expired = (conn) => conn.auth?.expiresAt != null && Date.now() >= conn.auth.expiresAt;

  function canRead(conn, collection) {
    try {
      return Boolean(conn.auth.canRead(collection));
    } catch {
      return false;
    }
  }

  /** Does this connection receive changes of `collection`? */
  function wants(conn, collection) {
    return (conn.subs === null || conn.subs.has(collection)) && canRead(conn, collection);
  }

  function welcome(conn) {
    send(conn, { type: 'welcome', protocol: conn.protocol, serverTime: Date.now(), cursor: store.cursor, userId: conn.userId });
  }

  async function onHello(conn, msg) {
    if (conn.welcomed || conn.greeting) return sendError(conn, 'bad_message', 'hello was already received', { inReplyTo: 'hello' });
    const offered = msg.protocol === undefined ? [1] : Array.isArray(msg.protocol) ? msg.protocol : [msg.protocol];
    const chosen = Math.max(-Infinity, ...offered.filter((v) => PROTOCOL_VERSIONS.includes(v)));
    if (!Number.isFinite(chosen)) {
      sendError(conn, 'unsupported_protocol', `this server speaks protocol ${PROTOCOL_VERSIONS.join(', ')}`, {
        supported: PROTOCOL_VERSIONS,
      });
      return closeConn(conn, 1002, 'unsupported protocol');
    }
    if (typeof msg.clientId !== 'string' || msg.clientId.length === 0 || msg.clientId.length > 200)
      return sendError(conn, 'bad_message', 'hello needs a clientId (a non-empty string)', { inReplyTo: 'hello' });
    if (msg.collections !== undefined && !(Array.isArray(msg.collections) && msg.collections.every((c) => typeof c === 'string')))
      return sendError(conn, 'bad_message', 'collections must be a list of names', { inReplyTo: 'hello' });
    if (msg.cursor !== undefined && !(Number.isInteger(msg.cursor) && msg.cursor >= 0))
      return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'hello' });
    conn.greeting = true;
    const auth = await runAuthorize(msg.token, msg.clientId);
    conn.greeting = false;
    if (conn.closed) return;
    if (!auth) {
      sendError(conn, 'unauthorized', 'bad or expired token');
      return closeConn(conn, 1008, 'unauthorized');
    }
    clearTimeout(conn.helloTimer);
    conn.auth = auth;
    conn.userId = auth.userId;
    conn.clientId = msg.clientId;
    conn.protocol = chosen;
    conn.subs = msg.collections === undefined ? null : new Set(msg.collections);
    conn.welcomed = true;
    welcome(conn);
  }

  async function onAuth(conn, msg) {
    const auth = await runAuthorize(msg.token, conn.clientId);
    if (conn.closed) return;
    if (!auth) {
      sendError(conn, 'unauthorized', 'bad or expired token');
      return closeConn(conn, 1008, 'unauthorized');
    }
    conn.auth = auth;
    conn.userId = auth.userId;
    welcome(conn);
  }

  function onSubscribe(conn, msg) {
    if (!Array.isArray(msg.collections) || !msg.collections.every((c) => typeof c === 'string'))
      return sendError(conn, 'bad_message', 'subscribe needs collections: a list of names', { inReplyTo: 'subscribe' });
    if (conn.subs) for (const c of msg.collections) conn.subs.add(c);
  }

  function onSyncRequest(conn, msg) {
    const since = msg.cursor ?? 0;
    const limit = msg.limit ?? defaultSyncLimit;
    if (!Number.isInteger(since) || since < 0)
      return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'sync_request' });
    if (!Number.isInteger(limit) || limit < 1)
      return sendError(conn, 'bad_message', 'limit must be a positive integer', { inReplyTo: 'sync_request' });
    if (expired(conn)) {
      sendError(conn, 'unauthorized', 'token expired');
      return closeConn(conn, 1008, 'unauthorized');
    }
    const max = Math.min(limit, maxSyncLimit);
    const parts = [];
    let bytes = 0;
    let last = since;
    let more = false;
    for (const change of store.changesAfter(since, { compact: compactCatchUp, filter: (c) => wants(conn, c) })) {
      if (parts.length >= max) {
        more = true;
        break;
      }
      const json = JSON.stringify(change);
      const size = Buffer.byteLength(json) + 1;
      if (parts.length > 0 && bytes + size > responseBudget - 100) {
        more = true;
        break;
      }
      parts.push(json);
      bytes += size;
      last = change.cursor;
    }
    // Not "more": everything the connection may see up to the store's cursor was sent.
    const cursor = more ? last : Math.max(since, store.cursor);
    sendRaw(conn, `{"type":"sync_response","cursor":${cursor},"more":${more},"changes":[${parts.join(',')}]}`);
  }

  // ---- push ----

  const refuse = (key, cls, message) => ({ key, status: 'error', class: cls, message });

  /** What a connection is shown of a result: no data from collections it may not read. */
  function present(conn, result, collection) {
    if (result.data === undefined || collection == null || canRead(conn, collection)) return result;
    const { data, ...rest } = result;
    return rest;
  }

  function processMutation(conn, m, changes) {
    if (!isPlainObject(m)) return refuse(undefined, 'validation', 'a mutation must be an object');
    const { key } = m;
    const sep = typeof key === 'string' ? key.lastIndexOf(':') : -1;
    if (sep <= 0 || sep === key.length - 1) return refuse(key, 'validation', 'key must be "<clientId>:<n>"');
    if (key.slice(0, sep) !== conn.clientId)
      return refuse(key, 'validation', `key ${key} does not belong to client ${conn.clientId}`);
    // 1. a known key: the stored answer (to the user who got it first)
    const stored = store.answerFor(key);
    if (stored) {
      if (stored.userId !== conn.userId) return refuse(key, 'validation', `key ${key} was used by another user`);
      return present(conn, stored.answer, stored.collection);
    }
    if (expired(conn)) return refuse(key, 'auth', 'token expired');
    // 2. validation and permission
    const shapeError = mutationShapeError(m);
    if (shapeError) {
      return store.recordAnswer(key, refuse(key, 'validation', shapeError), {
        userId: conn.userId,
        collection: typeof m.collection === 'string' ? m.collection : null,
      });
    }
    let allowed;
    try {
      allowed = conn.auth.canWrite(m.collection, m);
    } catch {
      allowed = false;
    }
    if (!allowed) return refuse(key, 'auth', `no permission to write ${m.collection}`);
    if (validate) {
      const current = m.id == null ? null : store.get(m.collection, m.id);
      const verdict = validate({ mutation: m, current, userId: conn.userId, clientId: conn.clientId });
      const message = typeof verdict === 'string' ? verdict : verdict?.message;
      if (message) {
        return store.recordAnswer(key, refuse(key, 'validation', message), { userId: conn.userId, collection: m.collection });
      }
    }
    let mutation = m;
    const limit = Date.now() + maxClockDriftMs;
    if (isPlainObject(m.ts) && typeof m.ts.wall === 'number' && m.ts.wall > limit) mutation = { ...m, ts: { ...m.ts, wall: limit } };
    // 3.-4. version check, apply, log, store the answer
    const { result, change } = store.apply(mutation, { userId: conn.userId });
    if (change) changes.push(change);
    return present(conn, result, m.collection);
  }

  function broadcast(change, except) {
    const message = { type: CHANGE_TYPES[change.op], collection: change.collection, id: change.id, version: change.version, cursor: change.cursor };
    if (change.op !== 'delete') message.data = change.data;
    message.origin = change.origin;
    if (change.ts != null) message.ts = change.ts;
    const frame = JSON.stringify(message);
    for (const conn of conns) {
      if (conn === except || !conn.welcomed || conn.closed || expired(conn) || !wants(conn, change.collection)) continue;
      sendRaw(conn, frame);
    }
  }

  function onPush(conn, msg) {
    if (!Array.isArray(msg.mutations))
      return sendError(conn, 'bad_message', 'push needs mutations: a list', { inReplyTo: 'push', batch: msg.batch });
    const results = [];
    const changes = [];
    for (const m of msg.mutations) {
      let result;
      try {
        result = processMutation(conn, m, changes);
      } catch (err) {
        logger?.error?.('syncore sync server: mutation failed:', err);
        result = refuse(isPlainObject(m) ? m.key : undefined, 'transient', 'the server could not apply this now');
      }
      results.push(result);
    }
    let drop = false;
    if (failAcks > 0) {
      failAcks -= 1;
      drop = true;
    } else if (dropBeforeAck) {
      drop = Boolean(dropBeforeAck({ clientId: conn.clientId, userId: conn.userId, batch: msg.batch, mutations: msg.mutations, results }));
    }
    if (drop) {
      conn.closed = true;
      conn.ws.terminate();
    }
    for (const change of changes) broadcast(change, drop ? conn : null);
    if (!drop) send(conn, { type: 'push_result', batch: msg.batch, results });
  }

  // ---- the handle ----

  let lastAddress = null; // kept after close(), so a test can restart on the same port
  function address() {
    const a = httpServer.address();
    if (a && typeof a === 'object') {
      const shown = a.family === 'IPv6' || a.family === 6 ? `[${a.address}]` : a.address;
      lastAddress = { port: a.port, url: `ws://${shown}:${a.port}${path}` };
    }
    return lastAddress;
  }
  address();

  return {
    get url() {
      return address()?.url ?? null;
    },
    get port() {
      return address()?.port ?? null;
    },
    store,
    server: httpServer,
    /** Open connections: { id, clientId, userId, protocol, collections, welcomed, remoteAddress }. */
    connections() {
      return [...conns].map((c) => ({
        id: c.id,
        clientId: c.clientId,
        userId: c.userId,
        protocol: c.protocol,
        collections: c.subs ? [...c.subs] : null,
        welcomed: c.welcomed,
        remoteAddress: c.remoteAddress,
      }));
    },
    /** Sends { type: 'notification', ...payload } to every welcomed connection (or those the
     * filter({ clientId, userId }) accepts). Returns how many got it. */
    notify(payload = {}, filter = null) {
      const frame = JSON.stringify({ ...payload, type: 'notification' });
      let n = 0;
      for (const conn of conns) {
        if (!conn.welcomed || conn.closed) continue;
        if (filter && !filter({ clientId: conn.clientId, userId: conn.userId })) continue;
        sendRaw(conn, frame);
        n += 1;
      }
      return n;
    },
    /** The next `count` pushes (from any connection) are applied, then the connection is
     * dropped before the push_result goes out: a lost ack. */
    failNextAck(count = 1) {
      failAcks += count;
    },
    /** Closes every connection (1001), detaches or closes the http server, closes the store
     * (with a snapshot unless snapshot: false, which simulates a crash). */
    close({ snapshot = true } = {}) {
      closing ??= (async () => {
        if (sweep) clearInterval(sweep);
        httpServer.off('upgrade', onUpgrade);
        const open = [...conns];
        await Promise.race([
          Promise.all(
            open.map(
              (conn) =>
                new Promise((resolve) => {
                  if (conn.ws.readyState === WebSocket.CLOSED) return resolve();
                  conn.ws.once('close', resolve);
                  closeConn(conn, 1001, 'server shutting down');
                }),
            ),
          ),
          new Promise((resolve) => setTimeout(resolve, 500).unref()),
        ]);
        for (const conn of open) conn.ws.terminate();
        wss.close();
        // Let queued handlers finish before the store goes away.
        await Promise.all(open.map((conn) => conn.queue));
        if (!givenStore) store.close({ snapshot });
        if (ownServer) {
          await new Promise((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeAllConnections?.();
          });
        }
      })();
      return closing;
    },
  };
}
