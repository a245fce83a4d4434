// The reference sync server: docs/protocol.md (version 1) over `ws`, on a store from ./store.js.
//
//   import { startSyncServer, tokenTable } from './sync_server.js';
//   const sync = await startSyncServer({ port: 0, dataDir: 'demo/.data' });   // ws://…/sync
//   const sync = await startSyncServer({ server: httpServer });               // same port, /sync
//
// One connection = hello (within helloTimeoutMs) -> welcome, then subscribe / sync_request /
// push / heartbeat / auth in any order. Messages of one connection are handled in order; each
// push is one store transaction, committed, then fanned out (feed.js) and answered.
//
// This file: options, the http upgrade, idle sweeping and the handle. The rest, by concern:
//   session.js  a connection: limits, dispatch, hello / auth / subscribe, client-id binding
//   push.js     push -> push_result        changes.js  catch-up and live fan-out
//   auth.js     authorization hooks        limits.js   frame size, rate limiter
//   wire.js     sending and closing        store.js    the SQL store (db.js, schema.js,
//                                                  transaction.js, rows.js)
//   feed.js     the change feed (every instance's commits, in cursor order)
//   write.js    server-side writes and POST /syncore/write
//   mutation.js a mutation's shape, merge patch
import { createServer, STATUS_CODES } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { openStore } from './store.js';
import { grantHook } from './auth.js';
import { broadcast } from './changes.js';
import { ChangeFeed } from './feed.js';
import { ConnectionCounter, throttledLogger } from './limits.js';
import { onConnection } from './session.js';
import { closeConn, sendRaw } from './wire.js';
import { handleWriteRequest, serverWrite } from './write.js';
import { createRestHandler } from './rest.js';
import { ServerFiles, createFilesHandler, fileChecks } from './files.js';
import { createFileContentHandler } from './files_content.js';
import { DEFAULT_MAX_DEPTH } from './validate.js';

export { PROTOCOL_VERSIONS } from './session.js';
export { allowEveryone, tokenTable, grantFromUser } from './auth.js';
export { openStore, SyncStore } from './store.js';
export { SERVER_CLIENT_ID } from './write.js';
export const SYNC_PATH = '/sync';
export const WRITE_PATH = '/syncore/write';

/** The address a connection is counted under: the peer, or (trustProxy) what the proxy saw. */
function clientAddress(req, trustProxy) {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean) : [];
  return forwarded.at(-1) ?? req.socket.remoteAddress;
}

/**
 * Starts the sync server. Resolves to
 *   { url, port, store, server, close(), connections(), notify(payload, filter),
 *     write(collection, entity | patch, { actor, id, op, baseVersion, key }), compact(options),
 *     handleWrite(req, res) -> bool, failNextAck(count = 1), accept(ws, { remoteAddress }) }.
 *
 * Options (defaults in brackets):
 * - port [0], host ['127.0.0.1']: where to listen when no `server` is given.
 * - server: an existing node:http Server; the WebSocket endpoint is attached to it on `path`
 *   and nothing else of it is touched (close() detaches, it does not close that server).
 * - path ['/sync'].
 * - db: a PostgreSQL URL ('postgres://…') or a PGlite data folder; PGlite in memory when
 *   omitted. dataDir: another name for a PGlite folder. Or pass `store` (openStore(), kept open
 *   by close()).
 * - writeSecret: enables POST /syncore/write (write.js) for back ends holding this secret;
 *   writePath ['/syncore/write'].
 * - compactEveryMs [3600000; 0: never], tombstoneRetentionMs [30 days], answerRetentionMs
 *   [30 days]: bounded history (store.compact(); docs/server.md).
 * - feedPollMs [1000]: how often the change feed looks for other instances' commits when no
 *   NOTIFY arrived (PostgreSQL only).
 * - authorize({ token, clientId }) -> { userId, canRead(collection), canWrite(collection,
 *   mutation, current), expiresAt? } | null (may be async). Missing methods allow; [accept
 *   everyone]. current: the stored entity { id, version, data, deleted } or null.
 *   A client id belongs to the first user that says hello with it; see session.js.
 * - authenticate(token, { clientId }) -> user | null (may be async), with authorize as an object
 *   of rules { canRead(user, collection, entity?), canWrite(user, collection, mutation, current) }:
 *   row-level reads (auth.js, visibility.js; a JWT example in jwt.js, groups in examples/groups.js).
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
 * - helloTimeoutMs [5000]; idleTimeoutMs [60000] (pinged at half, dropped at full; 0: off).
 * - maxClockDriftMs [60000]: a pushed ts.wall further ahead of the server clock is clamped.
 * - idFields: { collection: 'key' } when the entity id lives in another field than "id".
 * - dropBeforeAck({ clientId, userId, batch, mutations, results }) -> true: for tests, drop the
 *   connection after applying a push but before its push_result (see also failNextAck()).
 * - maxBufferedBytes [16 MiB]: a connection with more unsent bytes is cut off (it catches up).
 * - logger [console]: only unexpected errors are logged, never a message or a token;
 *   logErrorsPerMinute [60]: more error lines are counted, not printed.
 * Limits against abuse (docs/protocol.md "Limits"):
 * - maxJsonDepth [64]: an entity nested deeper is refused for good (validation), measured on the
 *   frame's bytes before parsing; other messages that deep get bad_message.
 * - maxHelloBytes [64 KiB], maxFramesBeforeHello [4]: before welcome, a bigger frame closes
 *   1009, more frames close 1008.
 * - maxSubscriptions [1000]: collection and entity names one connection may subscribe to.
 * - maxConnections [10000], maxConnectionsPerAddress [256]: more upgrades get HTTP 503 / 429.
 *   Behind a reverse proxy every client has the proxy's address: set trustProxy [false] to true
 *   to count by the address the proxy appends last to X-Forwarded-For.
 * - headersTimeoutMs [10000]: a request (or upgrade) whose headers are not in by then is dropped
 *   (own http server only; set headersTimeout on a server you pass in).
 * - rest [true], restPrefix ['/api']: the REST endpoints (rest.js) on the server's own http
 *   server; with a server passed in, call handle.handleRest(req, res) (resolves true when it
 *   answered) from that server's request handler.
 * - perMessageDeflate [false]: true (or ws's options object) lets clients negotiate compression.
 * - files [true], filesPrefix ['/files'], maxFileBytes [100 MiB]: the file upload endpoints
 *   (files.js, docs/files.md; chunks up to maxMessageBytes); with a server passed in, call
 *   handle.handleFiles(req, res). Mutations referencing a file ({ $file }) the server does not
 *   hold whole are refused (validation).
 */
export async function startSyncServer({
  port = 0,
  host = '127.0.0.1',
  db,
  dataDir,
  store: givenStore,
  writeSecret,
  writePath = WRITE_PATH,
  compactEveryMs = 3_600_000,
  tombstoneRetentionMs = 30 * 86_400_000,
  answerRetentionMs = 30 * 86_400_000,
  feedPollMs = 1000,
  authorize,
  authenticate,
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
  helloTimeoutMs = 5_000,
  idleTimeoutMs = 60_000,
  maxClockDriftMs = 60_000,
  maxBufferedBytes = 16 << 20,
  idFields,
  dropBeforeAck,
  logger: givenLogger = console,
  logErrorsPerMinute = 60,
  maxJsonDepth = 64,
  maxHelloBytes = 64 << 10,
  maxFramesBeforeHello = 4,
  maxSubscriptions = 1000,
  maxConnections = 10_000,
  maxConnectionsPerAddress = 256,
  headersTimeoutMs = 10_000,
  perMessageDeflate = false,
  rest = true,
  restPrefix = '/api',
  trustProxy = false,
  files: filesOn = true,
  filesPrefix = '/files',
  maxFileBytes = 100 << 20,
} = {}) {
  const logger = throttledLogger(givenLogger, { perMinute: logErrorsPerMinute });
  const admission = new ConnectionCounter({ maxConnections, maxPerAddress: maxConnectionsPerAddress });
  const store = givenStore ?? (await openStore({ db: db ?? dataDir, idFields }));
  let failAcks = 0;
  let closing = null;
  let files = null;
  try {
    files = filesOn ? await new ServerFiles(store.database, { maxFileBytes, maxChunkBytes: maxMessageBytes }).init() : null;
  } catch (err) {
    if (!givenStore) await store.close();
    throw err;
  }
  const checks = files ? fileChecks(files, validate) : null;
  const ctx = {
    store,
    logger,
    validate: checks ? checks.validate : validate,
    beforeApply: checks?.beforeApply,
    authorize: grantHook({ authenticate, authorize }),
    conns: new Set(),
    overDeep: new WeakSet(), // mutations of a frame nested too deep (session.js -> push.js)
    nextConnId: 1,
    options: {
      maxMessageBytes,
      maxJsonDepth,
      maxHelloBytes,
      maxFramesBeforeHello,
      maxSubscriptions,
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
  const handleRest = createRestHandler(ctx, { prefix: restPrefix });
  const handleFiles = files ? createFilesHandler(ctx, files, { prefix: filesPrefix }) : async () => false;
  const handleFileContent = files ? createFileContentHandler(ctx, files, { prefix: filesPrefix }) : async () => false;
  // Every committed change, from this instance or another, reaches the connections through the
  // feed, in cursor order (feed.js).
  ctx.feed = new ChangeFeed(store, {
    onChange: (change) => broadcast(ctx, change),
    onError: (err) => logger?.error?.('syncore sync server: change feed:', err),
    pollMs: feedPollMs,
  });
  try {
    await ctx.feed.start();
  } catch (err) {
    if (!givenStore) await store.close();
    throw err;
  }

  // ws itself only guards against absurd frames (it closes with 1009 without a word); frames
  // between maxMessageBytes and that bound get a proper error too_large first.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(maxMessageBytes * 2, maxMessageBytes + 65536),
    perMessageDeflate: perMessageDeflate === true ? { threshold: 1024 } : perMessageDeflate,
  });

  const ownServer = !givenServer;
  const httpServer =
    givenServer ??
    createServer({ headersTimeout: headersTimeoutMs, requestTimeout: Math.max(headersTimeoutMs, 30_000), connectionsCheckingInterval: Math.min(1000, headersTimeoutMs) }, async (req, res) => {
      if (handleWrite(req, res)) return;
      if (rest && (await handleRest(req, res))) return;
      if (await handleFileContent(req, res)) return;
      if (await handleFiles(req, res)) return;
      const body = `syncore sync server: connect a WebSocket to ${path}\n`;
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Upgrade: 'websocket' });
      res.end(body);
    });

  /** Serves POST writePath when writeSecret is set; false: not ours (for an attached server). */
  function handleWrite(req, res) {
    if (!writeSecret || closing) return false;
    let pathname;
    try {
      pathname = new URL(req.url, 'http://localhost').pathname;
    } catch {
      return false;
    }
    if (pathname !== writePath) return false;
    handleWriteRequest(ctx, req, res, { secret: writeSecret, maxBytes: maxMessageBytes }).catch((err) => {
      logger?.error?.('syncore sync server: write endpoint:', err);
      if (!res.headersSent) res.writeHead(500).end();
    });
    return true;
  }

  const compactor =
    compactEveryMs > 0
      ? setInterval(() => {
          store.compact({ tombstoneRetentionMs, answerRetentionMs }).catch((err) => logger?.error?.('syncore sync server: compaction:', err));
        }, compactEveryMs)
      : null;
  compactor?.unref();

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
    const address = clientAddress(req, trustProxy);
    const full = admission.admit(address);
    if (full === 'server') return rejectUpgrade(socket, 503, 'too many connections');
    if (full === 'address') return rejectUpgrade(socket, 429, 'too many connections from this address');
    let released = false;
    const release = () => {
      if (!released) admission.release(address);
      released = true;
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      onConnection(ctx, ws, req);
    });
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
    /** The REST endpoints as a request handler: resolves true when it answered the request. */
    handleRest,
    /** The file endpoints as a request handler (files.js): resolves true when it answered. */
    handleFiles,
    /** GET <filesPrefix>/<id>/content (files_content.js, downloads with Range): true when it answered. */
    handleFileContent,
    /** The server's files (files.js): status(fileId), getChunk(fileId, n); null with files: false. */
    files,
    /** http://… base URL of the REST endpoints (own server). */
    get restUrl() {
      const a = address();
      return a ? a.url.replace(/^ws/, 'http').replace(/\/[^/]*$/, '') : null;
    },
    /** Open connections: { id, clientId, userId, protocol, collections, welcomed, remoteAddress }. */
    connections() {
      return [...conns].map((c) => ({
        id: c.id,
        clientId: c.clientId,
        userId: c.userId,
        protocol: c.protocol,
        collections: c.subs?.collections ? [...c.subs.collections] : null,
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
    /** A server-side write (write.js): same checks, versions, cursor and fan-out as a push. */
    write(collection, value, options) {
      if (closing) return Promise.reject(new Error('the server is closing'));
      return serverWrite(ctx, collection, value, options);
    },
    /** Serves the write endpoint on an attached server: call from its request handler. */
    handleWrite,
    /** Bounded history now (see store.compact); also runs every compactEveryMs. */
    compact(options = {}) {
      return store.compact({ tombstoneRetentionMs, answerRetentionMs, ...options });
    },
    /** Serves a connection that is already open: a `ws` WebSocket or anything with its
     * server-side surface (send, close, terminate, ping, on/once, readyState, bufferedAmount).
     * In-process transports and the JS simulation (tests/sim/) swap the socket and nothing else.
     * Returns false (and terminates it) once the server is closing. */
    accept(ws, { remoteAddress = null } = {}) {
      if (closing) {
        ws.terminate?.();
        return false;
      }
      onConnection(ctx, ws, { socket: { remoteAddress } });
      return true;
    },
    /** The next `count` pushes (from any connection) are applied, then the connection is
     * dropped before the push_result goes out: a lost ack. */
    failNextAck(count = 1) {
      failAcks += count;
    },
    /** Closes every connection (1001), detaches or closes the http server, stops the feed and
     * closes the store (unless it was given). Every answered push was committed already. */
    close() {
      closing ??= (async () => {
        if (sweep) clearInterval(sweep);
        if (compactor) clearInterval(compactor);
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
        await ctx.feed.close();
        if (!givenStore) await store.close();
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
