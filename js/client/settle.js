// Mutation settlement, shared by the SyncClient and the React hooks over a bare core: mutate()
// hands out a result promise per mutation, and the core's settled events settle them.
import { SyncError } from '../errors.js';
import { SettledStatus, ErrorClass } from '../vocabulary.js';
import { takeBack } from './queue_control.js';

/**
 * A mutation through the core: { value, mutationId, id, result } — the value at once, the result
 * settled by the server (or { status: 'unchanged' } when the mutation changed nothing).
 * @param {object} core
 * @param {object} request
 * @param {Map<string, { resolve, reject }>} waiting mutationId -> the promise's settlers
 * @param {((mutationId: string) => () => Promise<string[]>) | null} [cancelOf] the handle's cancel for a mutation id
 */
const ignore = () => {};

export function startMutation(core, request, waiting, cancelOf = null) {
  const r = core.mutate(request, { view: true }); // the value below comes with the commit
  const entityId = request.id !== undefined ? String(request.id) : r.changes?.[request.collection]?.created?.[0];
  const value = entityId !== undefined ? core.get(request.collection, entityId) : undefined;
  if (!r.mutationId) return { value, mutationId: null, id: entityId, result: Promise.resolve({ status: 'unchanged' }), cancel: async () => [] };
  const result = new Promise((resolve, reject) => waiting.set(r.mutationId, { resolve, reject }));
  result.catch(ignore); // callers may ignore it; a rejection is also an event
  // docs/queue_control.md; a SyncClient's cancelOf(mutationId) gives its own (which also waits for storage)
  const cancel = cancelOf !== null ? cancelOf(r.mutationId) : () => takeBack(() => core.cancelMutation(r.mutationId), async () => {});
  return { value, mutationId: r.mutationId, id: entityId, result, cancel };
}

/** A settled event (the core's word on what became of some mutations) settles their promises. */
export function settleWaiters(waiting, event) {
  for (const id of event.mutationIds ?? []) {
    const waiter = waiting.get(id);
    if (!waiter) continue;
    waiting.delete(id);
    if (event.status === SettledStatus.DEAD_LETTER) waiter.reject(rejection(event));
    else if (event.status === SettledStatus.CONFLICT) waiter.reject(Object.assign(new SyncError('CONFLICT', 'the change is in conflict and waits for a decision'), { conflictId: event.conflictId }));
    else waiter.resolve({ status: event.status, id: event.id, version: event.version });
  }
}

// too-large: over the server's push limit, never sent (docs/protocol.md, welcome limits)
function rejection(event) {
  // expired: waited longer than its expireAfterMs, never sent after that (docs/queue_control.md)
  // REFERENCE_FAILED / REFERENCE_MISSING: a declared reference that cannot hold (docs/references.md)
  const code = event.errorClass === ErrorClass.TOO_LARGE ? 'TOO_LARGE'
    : event.errorClass === ErrorClass.EXPIRED ? 'EXPIRED'
    : typeof event.code === 'string' && event.code.startsWith('REFERENCE_') ? event.code : 'REJECTED';
  const err = new SyncError(code, `${event.errorClass ?? 'refused'}: ${event.message || 'the server refused the change'}`);
  return Object.assign(err, { errorClass: event.errorClass });
}
