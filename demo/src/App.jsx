// The page: top bar (brand, offline switch, "Sync now"), the status bar, a summary, the grade
// table, and a side column with the conflicts (when there are any) and the outbox.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useCollection, useConflicts, useOutbox, useSyncClient, useSyncStatus } from '../../js/react/index.js';
import { ConflictPanel } from './ConflictPanel.jsx';
import { GradeTable } from './GradeTable.jsx';
import { OutboxPanel } from './OutboxPanel.jsx';
import { HistoryPanel } from './HistoryPanel.jsx';
import { StatusBar, useReach } from './StatusBar.jsx';
import { Summary } from './Summary.jsx';
import { SyncNow } from './SyncNow.jsx';
import { DevtoolsDrawer } from './DevtoolsDrawer.jsx';

export function App({ device, offlinePreference, initiallyOffline, onShown }) {
  const client = useSyncClient();
  const status = useSyncStatus();
  const reach = useReach(status);
  const [showDevtools, setShowDevtools] = useState(() => sessionStorage.getItem('gradebook.devtools') === 'true');
  const toggleDevtools = () => {
    sessionStorage.setItem('gradebook.devtools', String(!showDevtools));
    setShowDevtools(!showDevtools);
  };
  const [workOffline, setWorkOffline] = useState(initiallyOffline);
  const [errors, setErrors] = useState([]);
  // The client's lastSyncAt starts at null in every page load; the device remembers its last one.
  const lastSyncKey = `gradebook.lastSync.${device.id}`;
  const [rememberedSync] = useState(() => Number(localStorage.getItem(lastSyncKey)) || null);
  useEffect(() => {
    if (status.lastSyncAt) localStorage.setItem(lastSyncKey, String(status.lastSyncAt));
  }, [status.lastSyncAt, lastSyncKey]);
  const students = useCollection('students', { orderBy: ['class', 'name'] });
  const scores = useCollection('scores');
  const outbox = useOutbox();
  const { conflicts } = useConflicts();

  useEffect(() => onShown?.(), [onShown]);

  // Whatever the client reports as an error is shown, never swallowed.
  const report = useCallback((err) => {
    setErrors((list) => [...list.slice(-2), { id: Math.random(), code: err?.code ?? err?.name ?? 'Error', message: String(err?.message ?? err) }]);
  }, []);
  useEffect(() => client.on('error', report), [client, report]);
  useEffect(() => client.on('storageQuotaExceeded', (e) => report({ code: 'STORAGE_QUOTA', message: e.message })), [client, report]);

  const toggleOffline = () => {
    const next = !workOffline;
    setWorkOffline(next);
    offlinePreference.set(next);
    if (next) client.goOffline();
    else client.goOnline();
  };

  // Which score cells wait for the server, are refused, or are in conflict.
  const marks = useMemo(() => {
    const m = new Map();
    for (const p of outbox.pending) if (p.collection === 'scores') m.set(p.id, p.state === 'in-flight' ? 'sending' : 'pending');
    for (const d of outbox.deadLetters) if (d.collection === 'scores') m.set(d.id, 'failed');
    for (const c of conflicts) if (c.collection === 'scores') m.set(c.entityId, 'conflict');
    return m;
  }, [outbox, conflicts]);
  // A cell in conflict shows both values: this device's and the other's.
  const conflictOf = useMemo(() => new Map(conflicts.filter((c) => c.collection === 'scores').map((c) => [c.entityId, c])), [conflicts]);

  const studentsById = useMemo(() => new Map(students.data.map((s) => [s.id, s])), [students]);

  return (
    <>
      <header className="topbar">
        <div className="wrap topbar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              <svg viewBox="0 0 32 32" width="30" height="30"><rect width="32" height="32" rx="8" fill="currentColor" /><path d="M9 21l5-6 4 3 5-7" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" /></svg>
            </span>
            <div>
              <h1>Gradebook</h1>
              <p className="tagline">Biology · Year 10 · Term 2</p>
            </div>
          </div>
          <div className="topbar-actions">
            <button
              type="button"
              role="switch"
              aria-checked={workOffline}
              className={`switch ${workOffline ? 'switch-on' : ''}`}
              data-testid="offline-toggle"
              onClick={toggleOffline}
              title="Stop syncing: edits stay on this device until you switch back"
            >
              <span className="switch-track" aria-hidden="true"><span className="switch-thumb" /></span>
              <span className="switch-label">Work offline</span>
            </button>
            <SyncNow status={status} />
            <button
              type="button"
              className={`btn btn-ghost ${showDevtools ? 'btn-on' : ''}`}
              data-testid="devtools-toggle"
              aria-pressed={showDevtools}
              onClick={toggleDevtools}
              title="The syncore devtools: outbox, dead letters, conflicts, live queries, events, storage"
            >
              Devtools
            </button>
          </div>
        </div>
        <StatusBar status={status} reach={reach} lastSyncAt={status.lastSyncAt ?? rememberedSync} />
      </header>

      {errors.length > 0 && (
        <div className="banner" role="alert" data-testid="error-banner">
          <div className="banner-body">
            <strong className="banner-title">Sync problem</strong>
            <code className="banner-code">{errors.at(-1).code}</code>
            <span className="banner-message">{errors.at(-1).message}</span>
          </div>
          <button className="banner-dismiss" type="button" aria-label="Dismiss" onClick={() => setErrors([])}>×</button>
        </div>
      )}

      {!status.online && (
        <div className="notice" data-testid="offline-notice">
          <span className="notice-icon" aria-hidden="true">☁︎</span>
          <span>
            <strong>You are working offline.</strong> Edits are saved on this device and sync when you go back online
            {status.pending > 0 ? ` — ${status.pending} waiting.` : '.'}
          </span>
        </div>
      )}

      {reach === 'unreachable' && (
        <div className="notice notice-down" data-testid="server-down-notice" role="status">
          <span className="notice-icon" aria-hidden="true">⚠︎</span>
          <span>
            <strong>The sync server does not answer.</strong> Edits are saved on this device and sent when it is back
            {status.pending > 0 ? ` — ${status.pending} waiting.` : '.'}
          </span>
        </div>
      )}

      <main className="wrap">
        <Summary students={students.data} scores={scores.data} status={status} />
        <div className="layout">
          <GradeTable students={students.data} marks={marks} conflictOf={conflictOf} onError={report} />
          <aside className="side">
            <ConflictPanel conflicts={conflicts} studentsById={studentsById} />
            <OutboxPanel outbox={outbox} studentsById={studentsById} />
            <HistoryPanel />
          </aside>
        </div>
        <footer className="footer">
          Open this page in a second window and edit the same scores: each window is its own device (IndexedDB
          <code> {device.dbName}</code>) syncing through one server. Edits are optimistic; scores use the{' '}
          <code>manual</code> conflict strategy. · <a href="/leaderboard.html">Live-query playground</a>
        </footer>
      </main>
      {showDevtools && <DevtoolsDrawer client={client} onClose={toggleDevtools} />}
    </>
  );
}
