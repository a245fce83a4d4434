// fetch -> fetch_result: one entity by collection and id, if the connection's user may read it
// (docs/protocol.md, "fetch"). A client asks before it sends a mutation that refers to an entity
// it does not hold (docs/references.md); "not found" covers "not yours to read" alike, so the
// answer tells nothing about rows the user cannot see.
import { canReadEntity, expired } from './auth.js';
import { send } from './wire.js';

const validName = (s) => typeof s === 'string' && s.length > 0 && s.length <= 256;

export async function onFetch(ctx, conn, msg) {
  const { collection, id, rid } = msg;
  const answer = (fields) => send(conn, { type: 'fetch_result', rid, collection, id, ...fields });
  if (!validName(collection) || !validName(id)) return answer({ error: 'bad_message', message: 'fetch needs a collection and an id (strings)' });
  // An expired token reads nothing; the client asks again once it has a new one.
  if (expired(conn)) return answer({ error: 'auth', message: 'token expired' });
  const e = await ctx.store.get(collection, id);
  if (!e || e.deleted || !canReadEntity(conn, collection, e)) return answer({ found: false });
  return answer({ found: true, version: e.version, data: e.data });
}
