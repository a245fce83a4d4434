// The status bar: network, connection, counts, last sync and the client's own message.
import { clockTime, relativeTime, useNow } from './format.js';

const CONNECTION = {
  offline: 'Not connected',
  connecting: 'Connecting…',
  'catching-up': 'Catching up…',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  'auth-required': 'Sign-in needed',
};

export function StatusBar({ status, lastSyncAt }) {
  const now = useNow(1000);
  let connection = CONNECTION[status.connection] ?? status.connection;
  if (status.connection === 'reconnecting' && status.retryInMs !== null) connection = `Reconnecting in ${Math.max(1, Math.ceil(status.retryInMs / 1000))} s`;
  const tone = !status.online ? 'offline' : status.failed > 0 || status.conflicts > 0 ? 'attention' : status.connected ? 'ok' : 'busy';
  return (
    <div className="statusbar" data-testid="status-bar" data-tone={tone}>
      <div className="wrap statusbar-inner">
        <span className="pill" data-testid="status-online" data-online={String(status.online)}>
          <span className="dot" aria-hidden="true" />
          {status.online ? 'Online' : 'Offline'}
        </span>
        <span className="status-item" data-testid="status-connection" data-state={status.connection}>
          <span className="status-label">Connection</span> {connection}
        </span>
        <span className="status-item" data-testid="status-pending" data-count={status.pending}>
          <span className="status-label">Pending</span> <b>{status.pending}</b>
        </span>
        <span className={`status-item ${status.conflicts ? 'status-warn' : ''}`} data-testid="status-conflicts" data-count={status.conflicts}>
          <span className="status-label">Conflicts</span> <b>{status.conflicts}</b>
        </span>
        <span className={`status-item ${status.failed ? 'status-bad' : ''}`} data-testid="status-failed" data-count={status.failed}>
          <span className="status-label">Failed</span> <b>{status.failed}</b>
        </span>
        <span className="status-item" data-testid="status-last-sync" data-at={lastSyncAt ?? ''}>
          <span className="status-label">Last sync</span>{' '}
          {lastSyncAt ? <time dateTime={new Date(lastSyncAt).toISOString()} title={clockTime(lastSyncAt)}>{relativeTime(lastSyncAt, now)}</time> : 'never'}
        </span>
        <span className="status-message" data-testid="status-message">{status.message}</span>
      </div>
    </div>
  );
}
