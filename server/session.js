// One connection's life: frames in (size and rate limits, JSON, in-order dispatch), hello ->
// welcome (protocol choice, authorization, the client id bound to the token's user), auth
// (a new token on an open connection), subscribe.
import { redact, runAuthorize } from './auth.js';
import { onSyncRequest } from './changes.js';
import { deeperThan, frameSize, jsonDepth, RateLimiter } from './limits.js';
import { helloCollectionsError, initialSubscriptions, onSubscribe, onUnsubscribe } from './subscriptions.js';
import { removalsAfterRegrant } from './visibility.js';
import { onPush } from './push.js';
import { onFetch } from './fetch.js';
import { isPlainObject } from './mutation.js';
import { announcedLimits } from './validate.js';
import { closeConn, send, sendError } from './wire.js';

/** Protocol versions this server speaks. */
export const PROTOCOL_VERSIONS = [1];

const NEEDS_WELCOME = new Set(['subscribe', 'unsubscribe', 'sync_request', 'push', 'heartbeat', 'auth', 'fetch']);
// A push's envelope around an entity's data: { mutations: [ { data: … } ] }.
const PUSH_ENVELOPE_DEPTH = 3;

export function onConnection(ctx, ws, req) {
  const { options } = ctx;
  const conn = {
    id: ctx.nextConnId++,
    ws,
    remoteAddress: req.socket.remoteAddress,
    clientId: null,
    userId: null,
    auth: null,
    protocol: null,
    subs: null, // subscriptions.js, from hello on
    framesBeforeHello: 0,
    helloReceived: false,
    welcomed: false,
    greeting: false,
    closed: false,
    rate: new RateLimiter({ perSecond: options.maxMessagesPerSecond, burst: options.rateBurst }),
    maxBufferedBytes: options.maxBufferedBytes,
    lastSeen: Date.now(),
    queue: Promise.resolve(),
    helloTimer: null,
  };
  ctx.conns.add(conn);
  conn.helloTimer = setTimeout(() => {
    if (conn.welcomed || conn.greeting || conn.closed) return;
    sendError(conn, 'bad_message', `no hello within ${options.helloTimeoutMs} ms`);
    closeConn(conn, 1008, 'hello timeout');
  }, options.helloTimeoutMs);
  conn.helloTimer.unref?.();
  ws.on('pong', () => {
    conn.lastSeen = Date.now();
  });
  ws.on('error', () => {}); // protocol errors close the socket; nothing to add
  ws.on('close', () => {
    conn.closed = true;
    clearTimeout(conn.helloTimer);
    ctx.conns.delete(conn);
  });
  ws.on('message', (data, isBinary) => onFrame(ctx, conn, data, isBinary));
  // A socket handed to accept() (in process) has no byte stream under it: its frames arrive
  // whole, and onFrame's checks before hello apply to them.
  if (typeof req.socket?.on === 'function') limitBytesBeforeHello(conn, req.socket, options);
}

/**
 * Counts the bytes that arrive before a hello, as they arrive: `ws` would buffer a whole frame
 * (up to its maxPayload) before onFrame's checks see it, so a peer that streams a big frame
 * instead of a hello is cut off at the TCP level once it is past what a few hellos can be. (ws
 * parses synchronously, so a hello in a chunk is seen before this listener counts that chunk.)
 */
function limitBytesBeforeHello(conn, socket, options) {
  const budget = options.maxHelloBytes * options.maxFramesBeforeHello + 16384;
  let received = 0;
  const count = (chunk) => {
    if (conn.helloReceived || conn.welcomed || conn.closed) return socket.off('data', count);
    received += chunk.length;
    if (received > budget) {
      conn.closed = true;
      socket.off('data', count);
      socket.destroy();
    }
  };
  socket.on('data', count);
}

function onFrame(ctx, conn, data, isBinary) {
  const { options, logger } = ctx;
  if (conn.closed) return;
  const now = Date.now();
  conn.lastSeen = now;
  // Until a hello arrives only a small hello is expected: a bigger frame, or more than a few frames,
  // closes the connection at once (an unauthenticated socket costs the server next to nothing).
  if (!conn.welcomed && !conn.helloReceived) {
    conn.framesBeforeHello += 1;
    if (frameSize(data) > options.maxHelloBytes) {
      sendError(conn, 'too_large', `a frame before hello over ${options.maxHelloBytes} bytes`, { limit: options.maxHelloBytes });
      return closeConn(conn, 1009, 'message too large');
    }
    if (conn.framesBeforeHello > options.maxFramesBeforeHello) {
      sendError(conn, 'bad_message', `more than ${options.maxFramesBeforeHello} messages before hello`);
      return closeConn(conn, 1008, 'no hello');
    }
  }
  if (frameSize(data) > options.maxMessageBytes) {
    sendError(conn, 'too_large', `a frame over ${options.maxMessageBytes} bytes`, { limit: options.maxMessageBytes });
    return closeConn(conn, 1009, 'message too large');
  }
  const verdict = conn.rate.take(now);
  if (!verdict.ok) {
    if (verdict.exhausted) {
      sendError(conn, 'rate_limited', `far more than ${options.maxMessagesPerSecond} messages per second; closing`, {
        retryAfterMs: verdict.retryAfterMs,
      });
      return closeConn(conn, 1008, 'rate limit exceeded');
    }
    return sendError(conn, 'rate_limited', `more than ${options.maxMessagesPerSecond} messages per second; message dropped`, {
      retryAfterMs: verdict.retryAfterMs,
    });
  }
  if (isBinary) return sendError(conn, 'bad_message', 'binary frames are not part of the protocol');
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  // Depth is measured on the bytes, before parsing (limits.js): what is nested deeper than any
  // entity may be is refused for good, never handed to code that recurses.
  const tooDeep = jsonDepth(bytes) > options.maxJsonDepth + PUSH_ENVELOPE_DEPTH;
  let msg;
  try {
    msg = JSON.parse(bytes.toString('utf8')); // V8's parser is iterative: depth costs it nothing
  } catch {
    return sendError(conn, 'bad_message', 'not valid JSON');
  }
  if (!isPlainObject(msg) || typeof msg.type !== 'string')
    return sendError(conn, 'bad_message', 'a message is a JSON object with a string "type"');
  if (msg.type === 'hello') conn.helloReceived = true; // what follows it may be pipelined
  if (tooDeep) {
    if (msg.type !== 'push' || !Array.isArray(msg.mutations))
      return sendError(conn, 'bad_message', `nested deeper than ${options.maxJsonDepth} levels`, { inReplyTo: msg.type });
    // Each over-deep mutation gets a validation answer (push.js); the others go through.
    for (const m of msg.mutations) if (isPlainObject(m) && deeperThan(m, options.maxJsonDepth + 1)) ctx.overDeep.add(m);
  }
  conn.queue = conn.queue
    .then(() => (conn.closed ? undefined : dispatch(ctx, conn, msg)))
    .catch((err) => {
      // The message itself is not logged: hello and auth carry the token.
      logger?.error?.(redact(`syncore sync server: handling ${msg.type} failed: ${err?.stack ?? err}`, msg.token));
      if (!conn.closed) sendError(conn, 'bad_message', 'internal error handling the message', { inReplyTo: msg.type });
    });
}

function dispatch(ctx, conn, msg) {
  if (msg.type !== 'hello' && NEEDS_WELCOME.has(msg.type) && !conn.welcomed)
    return sendError(conn, 'bad_message', `send hello first (got ${msg.type})`, { inReplyTo: msg.type });
  switch (msg.type) {
    case 'hello':
      return onHello(ctx, conn, msg);
    case 'auth':
      return onAuth(ctx, conn, msg);
    case 'subscribe':
      return onSubscribe(ctx, conn, msg);
    case 'unsubscribe':
      return onUnsubscribe(ctx, conn, msg);
    case 'sync_request':
      return onSyncRequest(ctx, conn, msg);
    case 'push':
      return onPush(ctx, conn, msg);
    case 'fetch':
      return onFetch(ctx, conn, msg);
    case 'heartbeat':
      return send(conn, { type: 'heartbeat_ack', t: msg.t });
    default:
      return sendError(conn, 'bad_message', `unknown message type "${msg.type}"`, { inReplyTo: msg.type });
  }
}

/** The one place `welcome` is built. epoch: the database's identity (a client that saw another
 * epoch, or holds a cursor past ours, resyncs in full: docs/protocol.md). */
function welcome(ctx, conn, { cursor, horizon }) {
  send(conn, {
    type: 'welcome',
    protocol: conn.protocol,
    serverTime: Date.now(),
    cursor,
    epoch: ctx.store.epoch,
    horizon,
    userId: conn.userId,
    limits: announcedLimits(ctx.options),
  });
}

/**
 * A client id belongs to the first user that says hello with it (durably, in the store): another
 * user's hello or auth with it is refused, so nobody can push under — or read the stored answers
 * of — a client id that is not theirs. Returns true when the connection may go on.
 */
async function claimClient(ctx, conn, clientId, userId) {
  const owner = await ctx.store.claimClient(clientId, userId);
  if (owner === userId) return true;
  sendError(conn, 'forbidden', `client id ${clientId} belongs to another user; use a new client id for this user`);
  closeConn(conn, 1008, 'client id of another user');
  return false;
}

async function onHello(ctx, conn, msg) {
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
  const collectionsError = helloCollectionsError(msg.collections, ctx.options.maxSubscriptions);
  if (collectionsError) {
    const { code, message, ...extra } = collectionsError;
    return sendError(conn, code, message, { inReplyTo: 'hello', ...extra });
  }
  if (msg.cursor !== undefined && !(Number.isInteger(msg.cursor) && msg.cursor >= 0))
    return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'hello' });
  conn.greeting = true;
  const auth = await runAuthorize(ctx.authorize, msg.token, msg.clientId, ctx.logger);
  if (conn.closed) return;
  if (!auth) {
    sendError(conn, 'unauthorized', 'bad or expired token');
    return closeConn(conn, 1008, 'unauthorized');
  }
  if (!(await claimClient(ctx, conn, msg.clientId, auth.userId))) return;
  // The head before the connection joins the fan-out: a change committed after this read either
  // reaches it live or comes with its catch-up (which reads the head again).
  const head = await ctx.store.head();
  conn.greeting = false;
  if (conn.closed) return;
  clearTimeout(conn.helloTimer);
  conn.auth = auth;
  conn.userId = auth.userId;
  conn.clientId = msg.clientId;
  conn.protocol = chosen;
  conn.subs = initialSubscriptions(msg.collections);
  conn.welcomed = true;
  welcome(ctx, conn, head);
}

async function onAuth(ctx, conn, msg) {
  const auth = await runAuthorize(ctx.authorize, msg.token, conn.clientId, ctx.logger);
  if (conn.closed) return;
  if (!auth) {
    sendError(conn, 'unauthorized', 'bad or expired token');
    return closeConn(conn, 1008, 'unauthorized');
  }
  if (!(await claimClient(ctx, conn, conn.clientId, auth.userId))) return;
  const head = await ctx.store.head();
  if (conn.closed) return;
  const before = conn.auth;
  conn.auth = auth;
  conn.userId = auth.userId;
  welcome(ctx, conn, head);
  // The same connection, new rights: what the old token could read and the new one cannot goes.
  for (const r of await removalsAfterRegrant(ctx.store, conn, before))
    send(conn, { type: 'entity_deleted', collection: r.collection, id: r.id, version: r.version, origin: null });
}
