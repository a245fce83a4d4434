// IndexedDB's request and transaction events as promises, for the side databases (quarantine,
// history). A failed request's event is cancelled so it does not abort the transaction by
// bubbling as well: the caller decides what the failure means.

/** The request's result, or its error. */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = (event) => {
      event?.preventDefault?.();
      reject(req.error);
    };
  });
}

/** Resolves when the transaction commits; rejects with its error when it aborts. */
export function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}
