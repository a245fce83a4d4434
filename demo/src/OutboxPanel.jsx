// The outbox: changes saved on this device and not yet confirmed by the server (queued or in
// flight), and dead letters (refused for good, or out of retries) with retry and discard.
import { useState } from 'react';
import { useSyncCore } from '../../js/react/index.js';
import { ASSESSMENT_BY_ID } from './gradebook.js';
import { clockTime, formatScore, parseScore, useNow } from './format.js';

// The error class tells whether the same change could go through later: a validation refusal, a
// missing permission or a change over the server's size limit is refused again as it is.
const REFUSED_AGAIN = new Set(['validation', 'forbidden', 'too-large']);
const canRetry = (d) => !REFUSED_AGAIN.has(d.errorClass);
// A score change can be corrected and sent again (a permission would refuse any value).
const canEdit = (d) => d.collection === 'scores' && d.kind !== 'delete' && d.errorClass !== 'forbidden';

function describe(core, item, studentsById) {
  if (item.collection === 'scores') {
    const entity = core.get('scores', item.id);
    const [studentId, assessmentId] = entity ? [entity.studentId, entity.assessment] : item.id.split(/-(?=[^-]+$)/);
    const student = studentsById.get(studentId);
    const assessment = ASSESSMENT_BY_ID.get(assessmentId);
    const data = item.data && typeof item.data === 'object' ? item.data : {};
    let change = item.kind;
    if (item.kind !== 'delete' && Object.hasOwn(data, 'score')) change = data.score === null ? 'cleared' : `→ ${formatScore(data.score)}`;
    return { who: student?.name ?? studentId, what: assessment?.label ?? assessmentId, change };
  }
  return { who: `${item.collection}/${item.id}`, what: item.kind, change: '' };
}

export function OutboxPanel({ outbox, studentsById }) {
  const core = useSyncCore();
  const now = useNow(1000);
  const { pending, deadLetters } = outbox;
  const empty = pending.length === 0 && deadLetters.length === 0;
  return (
    <section className="card outbox-card" data-testid="outbox-panel" aria-labelledby="outbox-title">
      <div className="card-head">
        <div>
          <h2 id="outbox-title">Outbox</h2>
          <p className="card-sub">Changes kept on this device until the server confirms them</p>
        </div>
        <span className="count" data-testid="outbox-count">{pending.length + deadLetters.length}</span>
      </div>
      {empty && (
        <p className="outbox-empty" data-testid="outbox-empty">
          <span className="check" aria-hidden="true">✓</span> Everything is saved on the server.
        </p>
      )}
      {deadLetters.length > 0 && (
        <>
          <h3 className="outbox-heading outbox-heading-bad">Could not be saved</h3>
          <ul className="outbox-list">
            {deadLetters.map((d) => (
              <DeadLetter key={d.seq} dead={d} outbox={outbox} {...describe(core, d, studentsById)} />
            ))}
          </ul>
        </>
      )}
      {pending.length > 0 && (
        <>
          <h3 className="outbox-heading">Waiting to sync</h3>
          <ul className="outbox-list">
            {pending.map((p) => {
              const { who, what, change } = describe(core, p, studentsById);
              const inFlight = p.state === 'in-flight';
              const retryAt = !inFlight && p.attempts > 0 && p.notBefore > now ? p.notBefore : null;
              return (
                <li key={p.seq} className="outbox-item" data-testid={`outbox-item-${p.id}`} data-state={p.state}>
                  <div className="outbox-main">
                    <span className="outbox-who">{who}</span>
                    <span className="outbox-what">{what} <b>{change}</b></span>
                    {p.message && <span className="outbox-error">{p.message}</span>}
                  </div>
                  <span className={`badge ${inFlight ? 'badge-flight' : 'badge-queued'}`}>
                    {inFlight ? 'Sending' : retryAt ? `Retry ${clockTime(retryAt)}` : 'Queued'}
                    {p.attempts > 0 && !inFlight ? ` · ${p.attempts}×` : ''}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

function DeadLetter({ dead: d, outbox, who, what, change }) {
  const [editing, setEditing] = useState(null); // the text typed while editing, or null
  const [error, setError] = useState(null);
  const save = (e) => {
    e.preventDefault();
    const parsed = parseScore(editing);
    if (!parsed.ok) return setError(parsed.message);
    try {
      outbox.edit(d.seq, { ...(d.data && typeof d.data === 'object' ? d.data : {}), score: parsed.value });
      setEditing(null);
    } catch (err) {
      setError(err.message);
    }
    return undefined;
  };
  return (
    <li className="outbox-item outbox-dead" data-testid={`dead-letter-${d.id}`} data-state="dead" data-error-class={d.errorClass ?? ''}>
      <div className="outbox-main">
        <span className="outbox-who">{who}</span>
        <span className="outbox-what">{what} <b>{change}</b></span>
        <span className="outbox-error">{d.message || d.errorClass || 'refused by the server'}</span>
        {!canRetry(d) && <span className="outbox-hint">{d.errorClass === 'forbidden' ? 'You may not change this: discard it.' : 'Sent again as it is, it would be refused again: edit it or discard it.'}</span>}
        {editing !== null && (
          <form className="edit-form" onSubmit={save}>
            <input
              className="edit-input"
              data-testid="edit-value"
              inputMode="decimal"
              autoFocus
              aria-label="Corrected score"
              aria-invalid={error ? 'true' : undefined}
              value={editing}
              onChange={(e) => {
                setEditing(e.target.value);
                const parsed = parseScore(e.target.value);
                setError(parsed.ok ? null : parsed.message);
              }}
            />
            <button type="submit" className="btn btn-small btn-primary" data-testid="save-edit">Save and send</button>
            <button type="button" className="btn btn-small" onClick={() => { setEditing(null); setError(null); }}>Cancel</button>
            {error && <span className="form-error" role="alert">{error}</span>}
          </form>
        )}
      </div>
      {editing === null && (
        <div className="outbox-buttons">
          {canRetry(d) && <button type="button" className="btn btn-small" data-testid="retry" onClick={() => outbox.retry(d.seq)}>Retry</button>}
          {canEdit(d) && <button type="button" className="btn btn-small" data-testid="edit" onClick={() => setEditing(formatScore(d.data?.score))}>Edit</button>}
          <button type="button" className="btn btn-small btn-danger" data-testid="discard" onClick={() => outbox.discard(d.seq)}>Discard</button>
        </div>
      )}
    </li>
  );
}
