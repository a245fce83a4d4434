// The core's persisted record schema as JS needs to read it, in this one place: the core (src/,
// its records) owns the schema, and nothing else in js/ looks inside a record or an outbox key.
// Storage adapters store records as opaque values (tests/support/storage_adapter_suite.js).

/** The meta record of the core's own state: { store: 'meta', key: CORE_META_KEY }. */
const CORE_META_KEY = 'core';

/**
 * The outbox's next sequence number as a record stores it (the core's meta record), or null for
 * any other record: every outbox key of this client numbered below it was written with it.
 */
export function outboxNextSeqOf(record) {
  if (record?.store !== 'meta' || record.key !== CORE_META_KEY) return null;
  const next = Number(record.value?.outbox?.nextSeq);
  return Number.isFinite(next) ? next : null;
}

/** The sequence number in an outbox key (idempotency key) of this client ("<clientId>:<seq>"), or null. */
export function outboxSeqOfKey(clientId, key) {
  const prefix = `${clientId}:`;
  if (typeof key !== 'string' || !key.startsWith(prefix)) return null;
  const seq = Number(key.slice(prefix.length));
  return Number.isFinite(seq) ? seq : null;
}

/** The client id a meta record names, or null. */
export function clientIdOf(record) {
  return record?.store === 'meta' && typeof record.value?.clientId === 'string' ? record.value.clientId : null;
}

// ---- outbox entries (an outbox record's value), as a follower tab's spool keeps them ------------

/** An outbox entry's idempotency key, or undefined. */
export function keyOfOutboxEntry(entry) {
  return entry?.key;
}

/** An outbox entry's sequence number (its order in the outbox). */
export function seqOfOutboxEntry(entry) {
  return entry?.seq;
}

/** An outbox entry as the pushed mutation it stands for: { key, kind, collection, id, data }. */
export function pushedOfOutboxEntry(entry) {
  return { key: entry?.key, kind: entry?.kind, collection: entry?.collection, id: entry?.entityId, data: entry?.payload };
}

/** The app's mutation ids an outbox entry carries. */
export function mutationIdsOfOutboxEntry(entry) {
  return Array.isArray(entry?.mutationIds) ? entry.mutationIds : [];
}
