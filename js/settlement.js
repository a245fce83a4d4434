// A settled event (the core's word on what became of some mutations) settles the promises that
// mutate() handed out for them.
import { SyncError } from './errors.js';

/** @param {Map<string, { resolve, reject }>} waiting mutationId -> the promise's settlers */
export function settleWaiters(waiting, event) {
  for (const id of event.mutationIds) {
    const waiter = waiting.get(id);
    if (!waiter) continue;
    waiting.delete(id);
    // too-large: over the server's push limit, never sent (docs/protocol.md, welcome limits)
    if (event.status === 'dead-letter') waiter.reject(Object.assign(new SyncError(event.errorClass === 'too-large' ? 'TOO_LARGE' : 'REJECTED', `${event.errorClass ?? 'refused'}: ${event.message || 'the server refused the change'}`), { errorClass: event.errorClass }));
    else if (event.status === 'conflict') waiter.reject(Object.assign(new SyncError('CONFLICT', 'the change is in conflict and waits for a decision'), { conflictId: event.conflictId }));
    else waiter.resolve({ status: event.status, id: event.id, version: event.version });
  }
}
