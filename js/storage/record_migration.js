// The one-way migration of stored records to the encoded form (js/storage/record_codec.js):
// records of the earlier forms (objects, with or without `$checksum`) that readAll found are
// rewritten once, each only if it still holds what was read (another tab may have written it
// meanwhile, in either form). Until it succeeds the old records keep loading as they are.
import { encodeRecord, isEncoded, storedValue } from './record_codec.js';

/** Whether two stored values (any form, or a plain value) hold the same record. */
export function sameStored(a, b) {
  if (isEncoded(a) && isEncoded(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return JSON.stringify(storedValue(a)) === JSON.stringify(storedValue(b));
}

/**
 * Rewrites `records` ({ store, key, value }: the values as read) in the encoded form, in one
 * readwrite transaction run by `run(scope, mode, body)` (the adapter's). Resolves to the number
 * rewritten; rejects as run does.
 */
export async function migrateRecords(run, records) {
  if (records.length === 0) return 0;
  let rewritten = 0;
  const encoded = records.map((r) => ({ ...r, bytes: encodeRecord(r.store, r.key, r.value) }));
  await run([...new Set(records.map((r) => r.store))], 'readwrite', (tx) => {
    for (const r of encoded) {
      const os = tx.objectStore(r.store);
      const current = os.get(r.key);
      current.onsuccess = () => {
        if (current.result === undefined || isEncoded(current.result) || !sameStored(current.result, r.value)) return;
        os.put(r.bytes, r.key);
        rewritten++;
      };
    }
  });
  return rewritten;
}
