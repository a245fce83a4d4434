// Parked (manual) conflicts: the value before both edits, this device's and the other's, side
// by side; keep mine, keep theirs, or merge into a value typed here.
import { useState } from 'react';
import { useConflicts, useSyncCore } from '../../js/react/index.js';
import { ASSESSMENT_BY_ID } from './gradebook.js';
import { formatScore, parseScore } from './format.js';

export function ConflictPanel({ conflicts, studentsById }) {
  if (conflicts.length === 0) return null;
  return (
    <section className="card conflict-card" data-testid="conflict-panel" aria-labelledby="conflict-title">
      <div className="card-head">
        <div>
          <h2 id="conflict-title">
            <span className="attention-icon" aria-hidden="true">!</span>
            {conflicts.length === 1 ? '1 conflict needs a decision' : `${conflicts.length} conflicts need a decision`}
          </h2>
          <p className="card-sub">
            {conflicts.length === 1 ? 'This score was' : 'These scores were'} changed here and on another device since you last synced.
          </p>
        </div>
      </div>
      <ul className="conflicts">
        {conflicts.map((c) => (
          <Conflict key={c.id} conflict={c} studentsById={studentsById} />
        ))}
      </ul>
    </section>
  );
}

const scoreOf = (v) => (v && typeof v === 'object' ? v.score : undefined);
const shown = (v) => (v === null ? 'deleted' : formatScore(scoreOf(v)) || 'not graded');

function Conflict({ conflict: c, studentsById }) {
  const { resolve } = useConflicts();
  const core = useSyncCore();
  const entity = c.remote ?? c.local ?? c.base ?? core.get(c.collection, c.entityId) ?? {};
  const student = studentsById.get(entity.studentId);
  const assessment = ASSESSMENT_BY_ID.get(entity.assessment);
  const [l, r] = [scoreOf(c.local), scoreOf(c.remote)];
  const both = [l, r].filter((v) => typeof v === 'number');
  const suggestion = both.length ? Math.round((both.reduce((a, b) => a + b, 0) / both.length) * 10) / 10 : '';
  const [merge, setMerge] = useState(String(suggestion));
  const [error, setError] = useState(null);

  const decide = (resolution) => {
    try {
      resolve(c.id, resolution);
    } catch (err) {
      setError(err.message);
    }
  };
  const onMerge = (e) => {
    e.preventDefault();
    const parsed = parseScore(merge);
    if (!parsed.ok) return setError(parsed.message);
    const base = c.remote ?? c.local ?? {};
    decide({ choice: 'merged', value: { ...base, score: parsed.value } });
  };

  return (
    <li className="conflict" data-testid={`conflict-${c.entityId}`} data-conflict-id={c.id}>
      <div className="conflict-title">
        <strong>{student?.name ?? c.entityId}</strong>
        <span className="chip">{assessment?.label ?? c.collection}</span>
      </div>
      <div className="versions">
        <div className="version version-base">
          <span className="version-label">Before</span>
          <span className="version-value" data-testid="conflict-base">{shown(c.base)}</span>
        </div>
        <div className="version version-local">
          <span className="version-label">Yours</span>
          <span className="version-value" data-testid="conflict-local">{shown(c.local)}</span>
        </div>
        <div className="version version-remote">
          <span className="version-label">Theirs</span>
          <span className="version-value" data-testid="conflict-remote">{shown(c.remote)}</span>
        </div>
      </div>
      <div className="conflict-actions">
        <button type="button" className="btn btn-small btn-primary" data-testid="keep-mine" onClick={() => decide({ choice: 'local' })}>Keep mine</button>
        <button type="button" className="btn btn-small" data-testid="keep-theirs" onClick={() => decide({ choice: 'remote' })}>Keep theirs</button>
      </div>
      <form className="merge" onSubmit={onMerge}>
        <label>
          <span>Merge to</span>
          <input className="merge-input" data-testid="merge-value" inputMode="decimal" value={merge} aria-invalid={error ? 'true' : undefined} onChange={(e) => { setMerge(e.target.value); setError(null); }} aria-label="Merged score" />
        </label>
        <button type="submit" className="btn btn-small btn-accent" data-testid="merge">Merge</button>
      </form>
      {error && <p className="form-error" role="alert">{error}</p>}
    </li>
  );
}
