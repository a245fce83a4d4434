// References between entities, the client's half (docs/references.md). The core holds a mutation
// whose referenced entity is neither in the view nor pending, and says so with a
// "reference-needed" event; this asks the server for that one entity (transport.fetchEntity: the
// `fetch` message over WebSocket, GET /api/<c>/<id>/ over REST) and hands the answer back:
// found, it is applied as a server upsert (the held mutation then goes out); not found, the core
// dead-letters what refers to it (REFERENCE_MISSING). An answer that is an error (no connection,
// an expired token) changes nothing: the core asks again after the next reconnect.

/** Asks the transport for a referenced entity; false when it cannot ask (then the mutation waits). */
export function askForReference(transport, event) {
  if (typeof transport?.fetchEntity !== 'function') return false;
  return transport.fetchEntity(String(event.collection), String(event.id)) !== false;
}

/**
 * The server's answer to a fetch, into the core: { collection, id, found, version?, data?, error? }.
 * call: a guarded core call (its error becomes an error event).
 */
export function answerReference(core, call, result) {
  if (result === null || typeof result !== 'object' || typeof result.collection !== 'string' || typeof result.id !== 'string') return;
  if (result.error !== undefined) return;
  if (result.found === true && result.data !== null && typeof result.data === 'object' && Number.isInteger(result.version)) {
    const { collection, id, version, data } = result;
    call(() => core.applyServer([{ op: 'upsert', collection, id, version, data }]));
  } else if (result.found === false) {
    call(() => core.referenceMissing(result.collection, result.id));
  }
}
