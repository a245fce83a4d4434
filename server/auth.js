// Who a connection is and what it may do: the authorization hooks and their normalised form.
//
// A hook turns the token of a hello (or auth) message into { userId, canRead(collection),
// canWrite(collection, mutation, current), expiresAt? } or null (unauthorized); `current` is the
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
    expiresAt: result.expiresAt ?? null,
    canRead: typeof result.canRead === 'function' ? result.canRead.bind(result) : allowAll,
    canWrite: typeof result.canWrite === 'function' ? result.canWrite.bind(result) : allowAll,
  };
}

export const expired = (conn) => conn.auth?.expiresAt != null && Date.now() >= conn.auth.expiresAt;

/** A hook's verdict; a hook that throws denies. */
export function canRead(conn, collection) {
  try {
    return Boolean(conn.auth.canRead(collection));
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
