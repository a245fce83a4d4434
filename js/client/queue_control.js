// A queue the user controls (docs/queue_control.md): cancel one mutation not yet sent, or clear
// every unsent one. The core takes the entries back and recomputes the view in one commit (its
// settled events, status 'cancelled', name every mutation that went); the promise resolves once
// that commit is stored, so a reload never brings a cancelled change back.
import { SettledStatus } from '../vocabulary.js';

/** The mutation ids a commit cancelled, in order. */
export function cancelledIn(result) {
  const ids = [];
  for (const event of result?.events ?? []) {
    if (event.type === 'settled' && event.status === SettledStatus.CANCELLED) ids.push(...event.mutationIds);
  }
  return ids;
}

/**
 * Runs one queue-control call on the core (it throws NOT_FOUND / ALREADY_SENT synchronously,
 * changing nothing) and resolves with the cancelled ids once they are durable.
 * @param {() => object} call the core call (cancelMutation or clearQueue)
 * @param {() => Promise<void>} stored resolves once every effect so far is carried out
 */
export async function takeBack(call, stored) {
  const ids = cancelledIn(call());
  await stored();
  return ids;
}
