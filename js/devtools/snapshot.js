// What the devtools show, read from a client's public API only (client.status, client.tabs and
// the core's pendingMutations, deadLetters, conflicts, liveQueries, stats) as plain data.

/** Lanes in the order the outbox serves them. */
export const LANES = Object.freeze(['critical', 'high', 'normal', 'low']);

/** Where a pending mutation is: 'in-flight', 'retrying' (backing off after a failed try) or 'pending'. */
export function outboxState(m, now) {
  if (m.state === 'in-flight') return 'in-flight';
  if (m.attempts > 0 && m.notBefore > now) return 'retrying';
  return 'pending';
}

/** The outbox as lanes × states: [{ lane, pending: [], 'in-flight': [], retrying: [] }], lanes in order. */
export function outboxByLane(pending, now) {
  const lanes = new Map(LANES.map((lane) => [lane, { lane, pending: [], 'in-flight': [], retrying: [] }]));
  for (const m of pending) {
    const lane = lanes.get(m.priority) ?? lanes.get('normal');
    lane[outboxState(m, now)].push(m);
  }
  return [...lanes.values()];
}

/** Whether retrying a dead letter unchanged could succeed: not for a refusal the server would repeat. */
export function retryCanHelp(deadLetter) {
  return !['validation', 'forbidden', 'too-large'].includes(deadLetter.errorClass);
}

/**
 * Everything a panel shows, read now: { status, message, outbox, deadLetters, conflicts,
 * liveQueries, stats, tab }. A closed client (its core disposed) reads as { closed: true }.
 */
export function readClient(client, now = Date.now()) {
  const { core } = client;
  try {
    const pending = core.pendingMutations();
    const tabs = client.tabs ?? null;
    return {
      closed: false,
      status: client.status,
      message: client.statusMessage(),
      pendingCount: pending.length,
      outbox: outboxByLane(pending, now),
      deadLetters: core.deadLetters(),
      conflicts: core.conflicts(),
      liveQueries: core.liveQueries(),
      stats: core.stats(),
      tab: { role: client.status.tab ?? tabs?.role ?? null, election: tabs?.election ?? null, tabId: tabs?.tabId ?? null },
    };
  } catch (err) {
    if (err?.code === 'DISPOSED') return { closed: true };
    throw err;
  }
}
