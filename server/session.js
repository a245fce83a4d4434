// One connection's life: frames in (size and rate limits, JSON, in-order dispatch), hello ->
// welcome (protocol choice, authorization, the client id bound to the token's user), auth
// (a new token on an open connection), subscribe.
import { redact, runAuthorize } from './auth.js';
import { onSyncRequest } from './changes.js';
import { frameSize, RateLimiter } from './limits.js';
import { onPush } from './push.js';
import { isPlainObject } from './mutation.js';
import { announcedLimits } from './validate.js';
import { closeConn, send, sendError } from './wire.js';

/** Protocol versions this server speaks. */
export const PROTOCOL_VERSIONS = [1];

const NEEDS_WELCOME = new Set(['subscribe', 'sync_request', 'push', 'heartbeat', 'auth']);

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
    subs: null, // Set of collections, or null: everything readable
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
}

function onFrame(ctx, conn, data, isBinary) {
  const { options, logger } = ctx;
  if (conn.closed) return;
  const now = Date.now();
  conn.lastSeen = now;
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
  let msg;
  try {
    msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8'));
  } catch {
    return sendError(conn, 'bad_message', 'not valid JSON');
  }
  if (!isPlainObject(msg) || typeof msg.type !== 'string')
    return sendError(conn, 'bad_message', 'a message is a JSON object with a string "type"');
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
      return onSubscribe(conn, msg);
    case 'sync_request':
      return onSyncRequest(ctx, conn, msg);
    case 'push':
      return onPush(ctx, conn, msg);
    case 'heartbeat':
      return send(conn, { type: 'heartbeat_ack', t: msg.t });
    default:
      return sendError(conn, 'bad_message', `unknown message type "${msg.type}"`, { inReplyTo: msg.type });
  }
}

function welcome(ctx, conn) {
  send(conn, { type: 'welcome', protocol: conn.protocol, serverTime: Date.now(), cursor: ctx.store.cursor, userId: conn.userId,
    limits: announcedLimits(ctx.options) });
}

/**
 * A client id belongs to the first user that says hello with it (durably, in the store): another
 * user's hello or auth with it is refused, so nobody can push under — or read the stored answers
 * of — a client id that is not theirs. Returns true when the connection may go on.
 */
function claimClient(ctx, conn, clientId, userId) {
  const owner = ctx.store.claimClient(clientId, userId);
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
  if (msg.collections !== undefined && !(Array.isArray(msg.collections) && msg.collections.every((c) => typeof c === 'string')))
    return sendError(conn, 'bad_message', 'collections must be a list of names', { inReplyTo: 'hello' });
  if (msg.cursor !== undefined && !(Number.isInteger(msg.cursor) && msg.cursor >= 0))
    return sendError(conn, 'bad_message', 'cursor must be a non-negative integer', { inReplyTo: 'hello' });
  conn.greeting = true;
  const auth = await runAuthorize(ctx.authorize, msg.token, msg.clientId, ctx.logger);
  conn.greeting = false;
  if (conn.closed) return;
  if (!auth) {
    sendError(conn, 'unauthorized', 'bad or expired token');
    return closeConn(conn, 1008, 'unauthorized');
  }
  if (!claimClient(ctx, conn, msg.clientId, auth.userId)) return;
  clearTimeout(conn.helloTimer);
  conn.auth = auth;
  conn.userId = auth.userId;
  conn.clientId = msg.clientId;
  conn.protocol = chosen;
  conn.subs = msg.collections === undefined ? null : new Set(msg.collections);
  conn.welcomed = true;
  welcome(ctx, conn);
}

async function onAuth(ctx, conn, msg) {
  const auth = await runAuthorize(ctx.authorize, msg.token, conn.clientId, ctx.logger);
  if (conn.closed) return;
  if (!auth) {
    sendError(conn, 'unauthorized', 'bad or expired token');
    return closeConn(conn, 1008, 'unauthorized');
  }
  if (!claimClient(ctx, conn, conn.clientId, auth.userId)) return;
  conn.auth = auth;
  conn.userId = auth.userId;
  welcome(ctx, conn);
}

function onSubscribe(conn, msg) {
  if (!Array.isArray(msg.collections) || !msg.collections.every((c) => typeof c === 'string'))
    return sendError(conn, 'bad_message', 'subscribe needs collections: a list of names', { inReplyTo: 'subscribe' });
  if (conn.subs) for (const c of msg.collections) conn.subs.add(c);
}
