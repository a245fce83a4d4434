// An example SYNC_TOKENS_MODULE: signs the contract's tokens as JWTs (HS256) with the secret in
// SYNC_JWT_SECRET. Used by tests/node/conformance.test.js against a server on jwtAuthenticate.
import { SignJWT } from 'jose';

export default async function tokens() {
  const key = new TextEncoder().encode(process.env.SYNC_JWT_SECRET);
  const sign = (sub, exp = '10m') => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(exp).sign(key);
  return {
    writer: await sign('conf-writer'),
    other: await sign('conf-other'),
    reader: await sign('conf-reader'),
    expired: await sign('conf-writer', Math.floor(Date.now() / 1000) - 3600),
  };
}
