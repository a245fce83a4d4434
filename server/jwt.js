// Authentication with JSON Web Tokens, on `jose` (a kept library: no hand-written crypto).
//
//   import { jwtAuthenticate } from 'syncore/server/jwt.js';
//   startSyncServer({
//     authenticate: jwtAuthenticate({ secret: process.env.JWT_SECRET, issuer: 'https://auth.example' }),
//     authorize: { canRead: (user, collection, entity) => …, canWrite: … },
//   });
//
// The token's `sub` becomes the user id, its `exp` the grant's expiry (a push after it gets the
// error class `auth`; the client sends a fresh token in an `auth` message on the same connection,
// see docs/protocol.md), and every claim is kept on the user for the rules (roles, groups, …).
// A token that does not verify (signature, algorithm, issuer, audience, expiry) is unauthorized.
import { createRemoteJWKSet, importSPKI, jwtVerify } from 'jose';

/**
 * authenticate(token) -> user | null for startSyncServer. One key source:
 * - secret: a shared secret (HS256 by default);
 * - publicKey: a PEM public key (SPKI; RS256 by default, or pass algorithms, e.g. ['ES256']);
 * - jwksUrl: a JSON Web Key Set URL (keys fetched and cached by jose; rotation included).
 * Options: algorithms, issuer, audience, clockToleranceSec [5], userOf(payload) -> user
 * [{ id: sub, ...claims }].
 */
export function jwtAuthenticate({
  secret,
  publicKey,
  jwksUrl,
  algorithms,
  issuer,
  audience,
  clockToleranceSec = 5,
  userOf = (payload) => ({ ...payload, id: payload.sub }),
} = {}) {
  const sources = [secret, publicKey, jwksUrl].filter((s) => s != null).length;
  if (sources !== 1) throw new TypeError('jwtAuthenticate needs exactly one of secret, publicKey, jwksUrl');
  const algs = algorithms ?? (secret != null ? ['HS256'] : publicKey != null ? ['RS256'] : undefined);
  let key;
  if (secret != null) key = Promise.resolve(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
  else if (publicKey != null) key = typeof publicKey === 'string' ? importSPKI(publicKey, algs[0]) : Promise.resolve(publicKey);
  else key = Promise.resolve(createRemoteJWKSet(new URL(jwksUrl)));
  return async function authenticate(token) {
    if (typeof token !== 'string' || token.length === 0) return null;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await key, { algorithms: algs, issuer, audience, clockTolerance: clockToleranceSec }));
    } catch {
      return null; // bad signature, wrong issuer or audience, expired, malformed: unauthorized
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
    const user = userOf(payload);
    if (!user) return null;
    // A grant ends with its token (plus the same tolerance jose allowed at verification).
    return { ...user, expiresAt: payload.exp != null ? (payload.exp + clockToleranceSec) * 1000 : null };
  };
}
