// Restoring a core from stored records, whatever they hold. The core restores record by record
// in bounded chunks (no amount of local data is too large to start) and names each record it
// refuses (too deep, not a record it can read: a bug, another format, a hand edit) with a code,
// its store and key. The app must still start: refused records are quarantined, the rest
// restore. What a lost record means is in docs/storage.md.

/**
 * Restores core from records in bounded chunks (core.restoreAdd); quarantines each record the
 * core refuses.
 * @param {object} core a fresh core
 * @param {{ store: string, key: unknown, value: unknown }[]} records
 * @param {{ quarantine: (records: object[], reason: string) => Promise<void>, entitiesLost?: boolean,
 *   chunkChars?: number, added?: object[] | null }} options
 *   entitiesLost: entity records were already quarantined (checksum) before this: the core resets
 *   its cursor (and persists that), so a reload before the catch-up still resets it. added: the
 *   restore was begun and these records added already (streamed while storage was read)
 * @returns {Promise<{ quarantined: object[], cursorReset: boolean }>}
 */
export async function restoreWithQuarantine(core, records, { quarantine, entitiesLost = false, chunkChars, added = null }) {
  if (!added) core.restoreBegin();
  core.restoreAdd(records, chunkChars === undefined ? {} : { chunkChars });
  const { events = [] } = core.restoreFinish({ entitiesLost });
  const refused = events.filter((e) => e.type === 'record-refused');
  // Indexes count from the first record added, those added already included.
  const all = added?.length > 0 ? added.concat(records) : records;
  // One quarantine call per reason; the reason starts with the code ("TOO_DEEP: …").
  const byReason = new Map();
  for (const e of refused) {
    const record = all[e.index];
    if (!record) continue;
    const reason = `${e.code}: ${e.message}`;
    if (!byReason.has(reason)) byReason.set(reason, []);
    byReason.get(reason).push(record);
  }
  const quarantined = [];
  for (const [reason, rs] of byReason) {
    await quarantine(rs, reason);
    quarantined.push(...rs);
  }
  return { quarantined, cursorReset: entitiesLost || refused.some((e) => e.store === 'entities') };
}

// A patch with nothing in it but empty objects changes nothing (JSON merge patch).
function isEmptyPatch(patch) {
  return patch !== null && typeof patch === 'object' && !Array.isArray(patch) && Object.values(patch).every(isEmptyPatch);
}

/**
 * Sensitive values are never stored, so a pending change that carried some comes back without
 * them (the storage marks it with redactedFields). Each is reported; an update left with nothing
 * in it is dropped instead of sending an empty patch (and deleted from storage).
 * @returns {{ keep: object[], dropped: object[], lost: { collection: string, id: string, fields: string[], dropped: boolean }[] }}
 */
export function sortOutRedacted(records) {
  const keep = [];
  const dropped = [];
  const lost = [];
  for (const r of records) {
    const v = r.store === 'outbox' ? r.value : undefined;
    if (!v || !Array.isArray(v.redactedFields)) {
      keep.push(r);
      continue;
    }
    const drop = v.kind === 'update' && isEmptyPatch(v.payload);
    lost.push({ collection: v.collection, id: v.entityId, fields: v.redactedFields, dropped: drop });
    (drop ? dropped : keep).push(r);
  }
  return { keep, dropped, lost };
}

/**
 * The client's start: reads the storage and restores the core, never failing for what is stored.
 * @param {object} core a fresh core
 * @param {object} storage a storage adapter (quarantine() optional)
 * @param {{ report: (event: object) => void, entitiesLost: () => boolean }} hooks report gets the
 *   events of what was left in place or lost; entitiesLost says whether readAll quarantined any
 *   entity record (its events went to the client's subscription)
 * @returns {Promise<{ unreadable?: string, report: { records: number, cursorReset: boolean, sensitiveValuesLost: object[] } }>}
 *   unreadable: readAll failed (the message); the core is left empty
 */
export async function restoreFromStorage(core, storage, { report, entitiesLost }) {
  let records;
  // Entity records the storage hands out while it reads (js/storage/idb_read.js) go into the core
  // at once, while it reads the rest; the restore is begun (again, on a read started over) then.
  let added = null;
  const onEntities = (chunk, fromStart) => {
    if (fromStart || !added) {
      core.restoreBegin();
      added = [];
    }
    if (chunk.length === 0) return;
    core.restoreAdd(chunk);
    for (const r of chunk) added.push(r);
  };
  try {
    // Nothing was applied yet if this fails: entities go into the core at restoreFinish only.
    records = await storage.readAll({ onEntities });
  } catch (err) {
    return { unreadable: String(err?.message ?? err), report: { records: 0, cursorReset: false, sensitiveValuesLost: [] } };
  }
  // Left where they are but not restored, and reported, when the storage cannot move them
  // (a custom storage without quarantine(), or the move failing): the start goes on either way.
  const keepInPlace = (rs, reason) => {
    for (const r of rs) report({ type: 'quarantined', store: r.store, key: r.key, reason, kept: true });
  };
  const quarantine = async (rs, reason) => {
    if (typeof storage.quarantine !== 'function') return keepInPlace(rs, reason);
    try {
      await storage.quarantine(rs, reason);
    } catch {
      keepInPlace(rs, reason);
    }
  };
  const { keep, dropped, lost } = sortOutRedacted(records);
  if (dropped.length > 0) {
    await storage.write({ type: 'persist', put: [], delete: dropped.map((r) => ({ store: r.store, key: r.key })) }).catch(() => {});
  }
  for (const l of lost) report({ type: 'sensitive-values-lost', ...l });
  const { quarantined, cursorReset } = await restoreWithQuarantine(core, keep, { quarantine, entitiesLost: entitiesLost(), added });
  return { report: { records: (added?.length ?? 0) + keep.length - quarantined.length, cursorReset, sensitiveValuesLost: lost } };
}
