// The reference sync server: docs/protocol.md (version 1) over `ws`, on a store from ./store.js.
//
//   import { startSyncServer, tokenTable } from './sync_server.js';
//   const sync = await startSyncServer({ port: 0, dataDir: 'demo/.data' });   // ws://…/sync
//   const sync = await startSyncServer({ server: httpServer });               // same port, /sync
//
// One connection = hello (within helloTimeoutMs) -> welcome, then subscribe / sync_request /
// push / heartbeat / auth in any order. Messages of one connection are handled in order; each
// pushed mutation is one store transaction, broadcast to subscribed connections after it commits.
//
// This file: options, the http upgrade, idle sweeping and the handle. The rest, by concern:
//   session.js  a connection: limits, dispatch, hello / auth / subscribe, client-id binding
//   push.js     push -> push_result        changes.js  catch-up and live fan-out
//   auth.js     authorization hooks        limits.js   frame size, rate limiter
//   wire.js     sending and closing        store.js    the durable store
//   mutation.js a mutation's shape, merge patch
import { createServer, STATUS_CODES } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { SyncStore } from './store.js';
import { allowEveryone } from './auth.js';
import { onConnection } from './session.js';
import { closeConn, sendRaw } from './wire.js';
import { DEFAULT_MAX_DEPTH } from './validate.js';

export { PROTOCOL_VERSIONS } from './session.js';
export { allowEveryone, tokenTable } from './auth.js';
export const SYNC_PATH = '/sync';

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
 *   mutation, current), expiresAt? } | null (may be async). Missing methods allow; [accept
 *   everyone]. current: the stored entity { id, version, data, deleted } or null.
 *   A client id belongs to the first user that says hello with it; see session.js.
 * - validate({ mutation, current, userId, clientId }) -> a message string to refuse a mutation
 *   for good (error class validation), or nothing.
 * - maxMessageBytes [1 MiB]: larger frames get error too_large and close 1009.
 * - maxMessagesPerSecond [200], rateBurst [maxMessagesPerSecond]: a token bucket per connection;
 *   a message beyond it is dropped with error rate_limited (retryAfterMs); a connection that keeps
 *   sending at more than twice the rate gets a last rate_limited and is closed with 1008.
 * - maxBatchMutations [1000]: a push with more mutations gets error too_large (nothing applied).
 * - maxEntityBytes [maxMessageBytes]: a create or update that would leave an entity larger than
 *   this (as JSON text) is refused (validation), so every entity fits in one frame to clients.
 * - maxDepth [64]: a mutation whose data nests deeper is refused (validation); see validate.js.
 *   These four limits are announced in `welcome` (clients size their pushes by them).
 * - compactCatchUp [true]: sync_response carries only the latest change of each entity.
 * - maxSyncLimit [5000], defaultSyncLimit [500], maxResponseBytes [maxMessageBytes]: chunking.
 * - helloTimeoutMs [10000]; idleTimeoutMs [60000] (pinged at half, dropped at full; 0: off).
 * - maxClockDriftMs [60000]: a pushed ts.wall further ahead of the server clock is clamped.
 * - idFields: { collection: 'key' } when the entity id lives in another field than "id".
 * - dropBeforeAck({ clientId, userId, batch, mutations, results }) -> true: for tests, drop the
 *   connection after applying a push but before its push_result (see also failNextAck()).
 * - snapshotEvery [500], fsync [false]: store durability knobs.
 * - maxBufferedBytes [16 MiB]: a connection with more unsent bytes is cut off (it catches up).
 * - logger [console]: only unexpected errors are logged, never a message or a token.
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
  rateBurst,
  maxBatchMutations = 1000,
  maxEntityBytes,
  maxDepth = DEFAULT_MAX_DEPTH,
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
  let failAcks = 0;
  let closing = null;
  const ctx = {
    store,
    logger,
    validate,
    authorize: authorize ?? allowEveryone,
    conns: new Set(),
    nextConnId: 1,
    options: {
      maxMessageBytes,
      maxMessagesPerSecond,
      rateBurst: rateBurst ?? maxMessagesPerSecond,
      maxBatchMutations,
      maxEntityBytes: maxEntityBytes ?? maxMessageBytes,
      maxDepth,
      compactCatchUp,
      maxSyncLimit,
      defaultSyncLimit,
      maxResponseBytes: maxResponseBytes ?? maxMessageBytes,
      helloTimeoutMs,
      maxClockDriftMs,
      maxBufferedBytes,
    },
    /** Should this push lose its ack (failNextAck, dropBeforeAck)? */
    shouldDropAck(info) {
      if (failAcks > 0) {
        failAcks -= 1;
        return true;
      }
      return Boolean(dropBeforeAck?.(info));
    },
  };
  const { conns } = ctx;

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
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ctx, ws, req));
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
