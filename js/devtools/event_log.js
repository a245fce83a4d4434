// The devtools' timeline: the last N events a client emitted. One log per client, started the
// first time a panel (or the app, with recordEvents) asks for it and kept while the client lives,
// so closing and reopening the panel keeps the history.
import { CLIENT_EVENTS } from '../vocabulary.js';

const logs = new WeakMap();

/** A one-line summary of an event's payload, for the timeline. */
export function summarize(event, payload) {
  if (payload === null || payload === undefined) return '';
  if (event === 'statusChanged') {
    const s = payload;
    return `${s.online ? 'online' : 'offline'} · ${s.connection} · ${s.pending} pending · ${s.failed} failed · ${s.conflicts} conflicts`;
  }
  if (event === 'networkStatusChanged') return payload.online ? 'online' : 'offline';
  if (payload instanceof Error) return `${payload.code ?? payload.name}: ${payload.message}`;
  const parts = [];
  for (const key of ['collection', 'id', 'status', 'errorClass', 'message', 'type', 'batch', 'mutations', 'reason']) {
    const v = payload[key];
    if (v === undefined || v === null || v === '') continue;
    parts.push(typeof v === 'object' ? `${key}=${JSON.stringify(v)}` : `${key}=${v}`);
  }
  return parts.join(' ');
}

/**
 * The event log of a client: { entries() (newest first), subscribe(fn) → unsubscribe }. `limit`
 * raises the number of entries kept (the largest asked for wins; 100 by default).
 */
export function recordEvents(client, { limit = 100 } = {}) {
  let log = logs.get(client);
  if (!log) {
    const entries = [];
    const listeners = new Set();
    log = {
      limit,
      entries: () => entries.slice().reverse(),
      subscribe(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    for (const event of CLIENT_EVENTS) {
      client.on(event, (payload) => {
        entries.push({ at: Date.now(), event, summary: summarize(event, payload) });
        if (entries.length > log.limit) entries.splice(0, entries.length - log.limit);
        for (const fn of [...listeners]) fn();
      });
    }
    logs.set(client, log);
  }
  log.limit = Math.max(log.limit, limit);
  return log;
}
