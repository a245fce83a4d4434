// Server changes the core could not apply (its `set-aside` effect), kept in the quarantine next to
// the records that could not be read: store 'changes', key [collection, id] (or the change's index
// when it names none), the change as received, and "<code>: <message>" as the reason.

/**
 * Keeps each change in storage's quarantine, or in `memory` when the storage cannot (no
 * quarantine(), or it failed); calls report(event) for each, with stored saying which.
 * @param {object} storage a storage adapter
 * @param {{ index: number, collection: string | null, id: string | null, code: string, message: string, change: unknown }[]} changes
 * @param {{ memory: object[], report: (event: object) => void }} sinks
 */
export async function keepSetAside(storage, changes, { memory, report }) {
  for (const c of changes) {
    const record = { store: 'changes', key: c.collection !== null && c.id !== null ? [c.collection, c.id] : c.index, value: c.change };
    const reason = `${c.code}: ${c.message}`;
    let stored = false;
    if (typeof storage.quarantine === 'function') {
      try {
        await storage.quarantine([record], reason);
        stored = true;
      } catch {
        /* kept in memory below */
      }
    }
    if (!stored) memory.push({ ...record, reason, at: Date.now() });
    report({ type: 'change-set-aside', collection: c.collection, id: c.id, code: c.code, message: c.message, change: c.change, stored });
  }
}
