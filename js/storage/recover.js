// Restoring a core from stored records when the core refuses some of them (CORRUPT_RECORD: the
// checksum passed, but the content is not a record the core can read: a bug, a newer or older
// format, a hand edit). The app must still start: the refused record is quarantined and the
// restore runs again without it. What a lost record means is in docs/storage.md.

/** Which records the core's CORRUPT_RECORD message points at (see src/sync_persistence.cpp). */
function culpritsOf(message, records) {
  const nth = (store, n) => records.filter((r) => r.store === store)[n];
  const meta = records.filter((r) => r.store === 'meta');
  let m;
  if ((m = /\brecord (\d+):/.exec(message))) return [records[Number(m[1])]].filter(Boolean);
  if ((m = /outbox\.entries\[(\d+)\]/.exec(message))) return [nth('outbox', Number(m[1]))].filter(Boolean);
  if ((m = /outbox\.deadLetters\[(\d+)\]/.exec(message))) return [nth('deadLetters', Number(m[1]))].filter(Boolean);
  // Outbox entries cannot be restored without the meta record (client id, sequence counters).
  if (/outbox records without the meta record/.test(message)) return records.filter((r) => r.store === 'outbox' || r.store === 'deadLetters');
  if (/meta record|outbox[:.]/.test(message)) return meta;
  return [];
}

/**
 * Restores core from records; on CORRUPT_RECORD quarantines what the message names and tries
 * again. When a message names nothing it knows, the outbox group (meta, outbox, dead letters)
 * goes, then everything: an app that starts empty beats one that cannot start.
 * @param {object} core a fresh core (restore validates everything before it changes anything)
 * @param {{ store: string, key: unknown, value: unknown }[]} records
 * @param {{ quarantine: (records: object[], reason: string) => Promise<void>,
 *   write: (effect: object) => Promise<void>, entitiesLost?: boolean }} options
 *   entitiesLost: entity records were already quarantined (checksum) before this; write stores
 *   the meta record with its cursor reset, so a reload before the catch-up still resets it
 * @returns {Promise<{ quarantined: object[], cursorReset: boolean }>}
 */
export async function restoreWithQuarantine(core, records, { quarantine, write, entitiesLost = false }) {
  let current = records;
  const quarantined = [];
  let lostEntity = entitiesLost;
  let fallbacks = 0;
  for (;;) {
    const attempt = lostEntity ? withCursorReset(current) : current;
    try {
      if (attempt.length > 0) core.restore(attempt);
      const meta = lostEntity ? attempt.find((r) => r.store === 'meta') : undefined;
      // Best effort: if it fails, the next load restores the old cursor (the hole stays until then).
      if (meta) await write({ type: 'persist', put: [meta], delete: [] }).catch(() => {});
      return { quarantined, cursorReset: meta !== undefined };
    } catch (err) {
      if (err?.code !== 'CORRUPT_RECORD') throw err;
      let culprits = culpritsOf(err.message, current);
      if (culprits.length === 0) {
        fallbacks++;
        culprits = fallbacks === 1 ? current.filter((r) => r.store !== 'entities' && r.store !== 'conflicts') : current;
        if (culprits.length === 0) culprits = current;
      }
      await quarantine(culprits, err.message);
      quarantined.push(...culprits);
      if (culprits.some((r) => r.store === 'entities')) lostEntity = true;
      current = current.filter((r) => !culprits.includes(r));
    }
  }
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

// A lost entity record leaves a hole the server would never fill: its change lies before the
// stored cursor. Catching up from 0 again sends every entity; known versions change nothing.
function withCursorReset(records) {
  return records.map((r) =>
    r.store === 'meta' && r.value && typeof r.value === 'object' ? { ...r, value: { ...r.value, cursor: 0 } } : r);
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
  try {
    records = await storage.readAll();
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
  const { quarantined, cursorReset } = await restoreWithQuarantine(core, keep, {
    quarantine,
    write: (effect) => storage.write(effect),
    entitiesLost: entitiesLost(),
  });
  return { report: { records: keep.length - quarantined.length, cursorReset, sensitiveValuesLost: lost } };
}
