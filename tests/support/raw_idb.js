// IndexedDB read and written raw, past the storage adapter: what a test sees on disk, or changes
// as a torn write or a disk fault would. Values are the stored form (bytes, checksums and all).

/** The request's result, or its error. */
export const request = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

/** Every record of one object store: [{ key, value }] in key order. */
export async function rawStore(factory, name, store) {
  const db = await request(factory.open(name));
  try {
    const tx = db.transaction(store, 'readonly');
    const [keys, values] = await Promise.all([request(tx.objectStore(store).getAllKeys()), request(tx.objectStore(store).getAll())]);
    return keys.map((key, i) => ({ key, value: values[i] }));
  } finally {
    db.close();
  }
}

/** Every record of every object store: [{ store, key, value }]. */
export async function rawAll(factory, name) {
  const db = await request(factory.open(name));
  const stores = [...db.objectStoreNames];
  db.close();
  const out = [];
  for (const store of stores) for (const r of await rawStore(factory, name, store)) out.push({ store, ...r });
  return out;
}

/** Puts records [{ store, key, value }] in one transaction, as they are. */
export async function rawPut(factory, name, records) {
  const db = await request(factory.open(name));
  const tx = db.transaction([...new Set(records.map((r) => r.store))], 'readwrite');
  for (const r of records) tx.objectStore(r.store).put(r.value, r.key);
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}
