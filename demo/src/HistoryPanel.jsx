// The sync history (docs/history.md): the last settled changes of this device in seed 004's words
// (synced, failed, failed_permanently), with their attempts and last error. Self-contained: the
// hook reads client.history(), kept in IndexedDB across reloads.
import { useSyncHistory } from '../../js/react/index.js';
import { clockTime } from './format.js';

const SHOWN = 8;
const WORDS = { synced: 'synced', failed: 'failed', failed_permanently: 'failed permanently', pending: 'pending', syncing: 'syncing' };
// A settlement other than an ack says how it became synced (the server's value won, made moot, …).
const HOW = { overridden: 'the other value was kept', merged: 'already on the server', cancelled: 'undone before sending' };

export function HistoryPanel() {
  const entries = useSyncHistory({ status: ['synced', 'failed', 'failed_permanently'], limit: SHOWN });
  return (
    <section className="card history-card" data-testid="history-panel" aria-labelledby="history-title">
      <div className="card-head">
        <div>
          <h2 id="history-title">History</h2>
          <p className="card-sub">The last {SHOWN} changes the server settled</p>
        </div>
      </div>
      {entries.length === 0 ? (
        <p className="outbox-empty">Nothing settled yet.</p>
      ) : (
        <ol className="history-list">
          {entries.map((e) => (
            <li key={e.mutationId} className={`history-item history-${e.status}`} data-testid="history-item" data-status={e.status}>
              <span className="history-status">{WORDS[e.status] ?? e.status}</span>{' '}
              <span className="history-what">{e.op ?? 'change'} {e.collection}/{e.id}</span>{' '}
              <span className="history-meta">
                {e.settledAt ? clockTime(e.settledAt) : ''} · {e.attempts} attempt{e.attempts === 1 ? '' : 's'}
                {e.resolution ? ` · kept ${e.resolution}` : HOW[e.outcome] ? ` · ${HOW[e.outcome]}` : ''}
                {e.lastError && e.status !== 'synced' ? ` · ${e.lastError.message || e.lastError.code}` : ''}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
