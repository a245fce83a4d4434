// The outbox: changes saved on this device and not yet confirmed by the server (queued or in
// flight), and dead letters (refused for good, or out of retries) with retry and discard.
import { useSyncCore } from '../../js/react/index.js';
import { ASSESSMENT_BY_ID } from './gradebook.js';
import { clockTime, formatScore, useNow } from './format.js';

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
            {deadLetters.map((d) => {
              const { who, what, change } = describe(core, d, studentsById);
              return (
                <li key={d.seq} className="outbox-item outbox-dead" data-testid={`dead-letter-${d.id}`} data-state="dead">
                  <div className="outbox-main">
                    <span className="outbox-who">{who}</span>
                    <span className="outbox-what">{what} <b>{change}</b></span>
                    <span className="outbox-error">{d.message || d.errorClass || 'refused by the server'}</span>
                  </div>
                  <div className="outbox-buttons">
                    <button type="button" className="btn btn-small" data-testid="retry" onClick={() => outbox.retry(d.seq)}>Retry</button>
                    <button type="button" className="btn btn-small btn-danger" data-testid="discard" onClick={() => outbox.discard(d.seq)}>Discard</button>
                  </div>
                </li>
              );
            })}
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
