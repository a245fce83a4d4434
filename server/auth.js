// Who a connection is and what it may do: the authorization hooks and their normalised form.
//
// Two ways to say it:
// - `authenticate(token) -> user` plus `authorize = { canRead(user, collection, entity?),
//   canWrite(user, collection, mutation, current) }` (row level: `entity` is { id, version, data };
//   without it the question is "may this user read anything of the collection?"); see
//   grantFromUser. A user is { id, expiresAt?, ... }: anything the rules need (groups, roles).
// - one hook (the older form, kept): `authorize({ token, clientId })` returning the grant itself.
// A grant is { userId, canRead(collection, entity?), canWrite(collection, mutation, current),
// expiresAt? } or null (unauthorized); `current` is the
// entity as the store holds it ({ id, version, data, deleted } or null), for per-entity rules. The token itself is never
// kept on the connection and never logged: a hook's error is logged with the token blanked out.

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
 * The grant hook for `authenticate` + `authorize` (an object of rules): the user the token names,
 * with the rules bound to it. `authenticate` may be async; null / undefined / a throw: unauthorized.
 */
export function grantFromUser(authenticate, rules = {}) {
  return async ({ token, clientId, actor }) => {
    // A server-side write names its actor itself (trusted server code, no token).
    const user = actor ? { ...actor, id: actor.id ?? actor.userId } : await authenticate(token, { clientId });
    if (!user || typeof user !== 'object') return null;
    const userId = user.id ?? user.userId ?? null;
    return {
      userId: userId == null ? null : String(userId),
      user,
      expiresAt: user.expiresAt ?? null,
      canRead: (collection, entity) => (rules.canRead ? rules.canRead(user, collection, entity) : true),
      canWrite: (collection, mutation, current) => (rules.canWrite ? rules.canWrite(user, collection, mutation, current) : true),
    };
  };
}

/** The server's hook from its options: `authenticate` (+ rules) or the one-function `authorize`. */
export function grantHook({ authenticate, authorize }) {
  if (authenticate) {
    if (authorize != null && typeof authorize !== 'object') throw new TypeError('with authenticate, authorize is an object of rules { canRead, canWrite }');
    return grantFromUser(authenticate, authorize ?? {});
  }
  if (authorize != null && typeof authorize !== 'function') throw new TypeError('authorize is a function ({ token, clientId }) -> grant, or pass authenticate');
  return authorize ?? allowEveryone;
}

/** Text with every occurrence of the secret replaced (for log lines). */
export function redact(text, secret) {
  const s = String(text);
  return typeof secret === 'string' && secret.length > 0 ? s.split(secret).join('[token]') : s;
}

/**
 * Runs the hook; resolves to the normalised grant or null. A hook that throws is unauthorized,
 * and its error is logged without the token (a hook's message may quote what it was given).
 */
export async function runAuthorize(hook, token, clientId, logger) {
  let result;
  try {
    result = await hook({ token, clientId });
  } catch (err) {
    logger?.error?.(redact(`syncore sync server: authorize threw: ${err?.stack ?? err}`, token));
    return null;
  }
  if (!result || typeof result !== 'object') return null;
  return {
    userId: result.userId ?? null,
    user: result.user ?? null,
    expiresAt: result.expiresAt ?? null,
    canRead: typeof result.canRead === 'function' ? result.canRead.bind(result) : allowAll,
    canWrite: typeof result.canWrite === 'function' ? result.canWrite.bind(result) : allowAll,
  };
}

export const expired = (conn) => conn.auth?.expiresAt != null && Date.now() >= conn.auth.expiresAt;

/**
 * An HTTP request's grant from its `Authorization: Bearer` header, through the same hook as a
 * WebSocket hello. Resolves `{ auth }` or `{ refused: reason }`: each endpoint words its own error
 * shape. `tokenRequired: false` hands a request without the header to the hook (as a hello with no
 * token), for servers whose hook accepts that.
 */
export async function grantOfRequest(hook, header, logger, { tokenRequired = true } = {}) {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m && (tokenRequired || header !== undefined))
    return { refused: header === undefined || tokenRequired ? 'a Bearer token is required' : 'Authorization must be "Bearer <token>"' };
  const auth = await runAuthorize(hook, m ? m[1] : undefined, null, logger);
  if (!auth) return { refused: 'bad or expired token' };
  if (expired({ auth })) return { refused: 'token expired' };
  return { auth };
}

/** A hook's verdict; a hook that throws denies. */
export function canRead(conn, collection) {
  try {
    return Boolean(conn.auth.canRead(collection));
  } catch {
    return false;
  }
}

/** May this connection read this entity ({ id, version, data }) of the collection? A throw denies. */
export function canReadEntity(conn, collection, entity) {
  try {
    return Boolean(conn.auth.canRead(collection)) && Boolean(conn.auth.canRead(collection, entity));
  } catch {
    return false;
  }
}

export function canWrite(conn, collection, mutation, current) {
  try {
    return Boolean(conn.auth.canWrite(collection, mutation, current));
  } catch {
    return false;
  }
}
