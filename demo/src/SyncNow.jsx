// "Sync now" with feedback: it spins while the sync runs, then says what came of it — up to date,
// how many changes were sent, or that the server did not answer (the changes wait on this device).
import { useEffect, useRef, useState } from 'react';
import { useSyncClient } from '../../js/react/index.js';

const ANSWER_MS = 6000; // how long "Sync now" waits for the server before it says it did not answer

export function SyncNow({ status }) {
  const client = useSyncClient();
  const [feedback, setFeedback] = useState(null); // { state: 'running' | 'done' | 'failed', text }
  const run = useRef(null);

  useEffect(() => () => run.current?.stop(), []);
  // The message fades after a while; a new click replaces it.
  useEffect(() => {
    if (!feedback || feedback.state === 'running') return undefined;
    const t = setTimeout(() => setFeedback(null), 6000);
    return () => clearTimeout(t);
  }, [feedback]);

  const click = () => {
    run.current?.stop();
    const pendingBefore = client.status.pending;
    setFeedback({ state: 'running', text: 'Syncing…' });
    let offDone = null;
    const finish = (next) => {
      stop();
      setFeedback(next);
    };
    const timer = setTimeout(() => {
      const s = client.status;
      finish({ state: 'failed', text: s.connected ? 'The server is slow to answer — changes are kept and sent when it does' : `Server unreachable — ${s.pending} change${s.pending === 1 ? '' : 's'} kept on this device` });
    }, ANSWER_MS);
    const stop = () => {
      clearTimeout(timer);
      offDone?.();
      run.current = null;
    };
    run.current = { stop };
    offDone = client.on('syncCompleted', () => finish({ state: 'done', text: pendingBefore > 0 ? `Sent ${pendingBefore} change${pendingBefore === 1 ? '' : 's'} ✓` : 'Up to date ✓' }));
    client.sync();
  };

  const busy = feedback?.state === 'running' || status.syncing || status.connection === 'catching-up';
  return (
    <span className="sync-now">
      <button
        type="button"
        className="btn btn-primary"
        data-testid="sync-now"
        disabled={!status.online || feedback?.state === 'running'}
        onClick={click}
        title={status.online ? 'Catch up with the server and send pending changes now' : 'Switch "Work offline" off to sync'}
      >
        <span className={`btn-icon ${busy ? 'spin' : ''}`} aria-hidden="true">⟳</span>
        Sync now
      </button>
      {feedback && (
        <span className={`sync-feedback sync-${feedback.state}`} data-testid="sync-feedback" data-state={feedback.state} role="status">{feedback.text}</span>
      )}
    </span>
  );
}
