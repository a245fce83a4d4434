// Rows of the store's tables as the server uses them (shared by store.js and transaction.js).
export function idPrefix(collection) {
  const letter = /[a-z]/i.exec(collection);
  return letter ? letter[0].toLowerCase() : 'e';
}

export const idOf = (row) => (row.numeric_id ? Number(row.id) : row.id);
export const json = (value) => (value === undefined || value === null ? null : JSON.stringify(value));

/** A change row as the server uses it: { cursor, op: create|update|delete, collection, id, version, data, origin, ts }. */
export function changeFromRow(row) {
  return {
    cursor: Number(row.cursor),
    op: row.op,
    collection: row.collection,
    id: idOf(row),
    version: Number(row.version),
    data: row.op === 'delete' ? null : row.data,
    origin: row.origin,
    ts: row.ts ?? null,
  };
}

/** A change as it travels in sync_response: op "upsert" | "delete". */
export function wireChange(ch) {
  const out = { op: ch.op === 'delete' ? 'delete' : 'upsert', collection: ch.collection, id: ch.id, version: ch.version };
  if (ch.op !== 'delete') out.data = ch.data;
  out.origin = ch.origin;
  if (ch.ts != null) out.ts = ch.ts;
  out.cursor = ch.cursor;
  return out;
}

export const entityFromRow = (row) => (row ? { id: idOf(row), version: Number(row.version), data: row.data ?? null, deleted: row.deleted } : null);

/** A PostgreSQL data exception (class 22: e.g. \u0000 in jsonb text): the input, not the server. */
export const isDataError = (err) => typeof err?.code === 'string' && err.code.startsWith('22');

export const CHANGE_COLUMNS = 'cursor, op, collection, id, numeric_id, version, data, origin, ts';

export async function readEntity(q, collection, id) {
  const { rows } = await q.query(
    'SELECT id, numeric_id, version, data, deleted FROM syncore_entities WHERE collection = $1 AND id = $2',
    [collection, String(id)],
  );
  return entityFromRow(rows[0]);
}

export async function readAnswer(q, key) {
  const { rows } = await q.query('SELECT answer, user_id, collection FROM syncore_answers WHERE key = $1', [key]);
  return rows.length ? { answer: rows[0].answer, userId: rows[0].user_id, collection: rows[0].collection } : null;
}
