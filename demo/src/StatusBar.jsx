// The status bar: network, connection, counts, last sync and the client's own message.
import { useRef } from 'react';
import { clockTime, relativeTime, useNow } from './format.js';

const CONNECTION = {
  offline: 'Not connected',
  connecting: 'Connecting…',
  'catching-up': 'Catching up…',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  'auth-required': 'Sign-in needed',
};

/**
 * Whether edits reach the server now, which the browser's online flag alone does not say (the
 * browser is online while the server is down): 'server' (connected: edits are sent), 'offline'
 * (the browser or the "Work offline" switch), 'auth' (signed out), 'unreachable' (online, but the
 * server does not answer: edits wait on this device), 'connecting'.
 */
export function reachOf(status) {
  if (!status.online) return 'offline';
  if (status.connection === 'auth-required') return 'auth';
  if (status.connected && (status.connection === 'connected' || status.connection === 'catching-up')) return 'server';
  if (status.connection === 'reconnecting') return 'unreachable';
  return 'connecting';
}

const REACH = {
  server: { text: 'Connected', title: 'Edits reach the server' },
  offline: { text: 'Offline', title: 'Edits are kept on this device until you are back online' },
  auth: { text: 'Signed out', title: 'Sign in again: edits wait on this device' },
  unreachable: { text: 'Server unreachable', title: 'The browser is online but the sync server does not answer: edits wait on this device' },
  connecting: { text: 'Connecting…', title: 'Edits are sent once the server answers' },
};

/** reachOf(status), except that a reconnect attempt (passing through 'connecting') stays 'unreachable' until the server answers. */
export function useReach(status) {
  const last = useRef(null);
  let reach = reachOf(status);
  if (reach === 'connecting' && last.current === 'unreachable') reach = 'unreachable';
  last.current = reach;
  return reach;
}

export function StatusBar({ status, reach, lastSyncAt }) {
  const now = useNow(1000);
  let connection = CONNECTION[status.connection] ?? status.connection;
  if (status.connection === 'reconnecting' && status.retryInMs !== null) connection = `Reconnecting in ${Math.max(1, Math.ceil(status.retryInMs / 1000))} s`;
  const tone = !status.online ? 'offline' : reach === 'unreachable' || reach === 'auth' ? 'down' : status.failed > 0 || status.conflicts > 0 ? 'attention' : status.connected ? 'ok' : 'busy';
  return (
    <div className="statusbar" data-testid="status-bar" data-tone={tone}>
      <div className="wrap statusbar-inner">
        <span className="pill" data-testid="status-online" data-online={String(status.online)} data-reach={reach} title={REACH[reach].title}>
          <span className="dot" aria-hidden="true" />
          {REACH[reach].text}
          <span className="pill-detail">{reach === 'server' ? ' · edits reach the server' : reach === 'connecting' ? '' : ' · edits stay on this device'}</span>
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
