// The editable grade table. Each row reads its own scores through a live query, so an edit (here
// or from another window) re-renders one row; each cell commits on Enter, Tab, arrows or leaving
// it, as an optimistic patch: the cell and the running grade change at once, the server follows.
import { useEffect, useRef, useState } from 'react';
import { Attachment } from './Attachment.jsx';
import { useCollection, useMutation } from '../../js/react/index.js';
import { ASSESSMENTS, letter, runningGrade, scoreId } from './gradebook.js';
import { formatGrade, formatScore, parseScore } from './format.js';

const MARK_TITLES = {
  pending: 'Saved on this device, waiting to sync',
  sending: 'Sending to the server…',
  failed: 'Refused by the server: see the outbox',
  conflict: 'Edited elsewhere too: decide in the conflict panel',
};

const focusCell = (row, col) => {
  const input = document.querySelector(`input.score-input[data-row="${row}"][data-col="${col}"]`);
  if (input) input.focus();
  return Boolean(input);
};

const hue = (text) => {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) % 360;
};
const initials = (name) => name.split(/\s+/).map((p) => p[0]).slice(0, 2).join('').toUpperCase();

export function GradeTable({ students, marks, conflictOf, onError }) {
  const [klass, setKlass] = useState('all');
  const classes = [...new Set(students.map((s) => s.class))].sort();
  const shown = klass === 'all' ? students : students.filter((s) => s.class === klass);
  const mutation = useMutation('scores');
  const all = useCollection('scores');

  const patch = (id, value) => {
    const handle = mutation.patch(id, value);
    // Conflicts and refusals have their own panels; anything else (a refused call) is an error.
    handle.result.catch((err) => {
      if (err?.code !== 'CONFLICT' && err?.code !== 'REJECTED') onError(err);
    });
  };

  const shownIds = new Set(shown.map((s) => s.id));
  const averages = ASSESSMENTS.map((a) => {
    const vals = all.data.filter((s) => s.assessment === a.id && shownIds.has(s.studentId) && typeof s.score === 'number').map((s) => s.score);
    return vals.length ? Math.round((vals.reduce((x, y) => x + y, 0) / vals.length) * 10) / 10 : null;
  });

  return (
    <section className="card table-card" aria-labelledby="table-title">
      <div className="card-head">
        <div>
          <h2 id="table-title">Scores</h2>
          <p className="card-sub">Type a score and press Enter. Empty means not graded yet. The running grade is weighted over graded work.</p>
        </div>
        <div className="segmented" role="tablist" aria-label="Class">
          {['all', ...classes].map((c) => (
            <button key={c} type="button" role="tab" aria-selected={klass === c} className={klass === c ? 'active' : ''} onClick={() => setKlass(c)}>
              {c === 'all' ? 'All classes' : c}
            </button>
          ))}
        </div>
      </div>
      <div className="table-scroll">
        <table className="grades" data-testid="grade-table">
          <thead>
            <tr>
              <th scope="col" className="col-student">Student</th>
              {ASSESSMENTS.map((a) => (
                <th key={a.id} scope="col" className="col-score">
                  {a.label}
                  <span className="weight">{Math.round(a.weight * 100)}%</span>
                </th>
              ))}
              <th scope="col" className="col-grade">Running grade</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s, row) => (
              <StudentRow key={s.id} student={s} row={row} marks={marks} conflictOf={conflictOf} patch={patch} />
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Class average</th>
              {averages.map((v, i) => (
                <td key={ASSESSMENTS[i].id} className="avg">{formatGrade(v)}</td>
              ))}
              <td />
            </tr>
          </tfoot>
        </table>
        {students.length === 0 && (
          <p className="empty">No students on this device yet. Go online to download the gradebook.</p>
        )}
      </div>
      <div className="legend" aria-label="Legend">
        <span className="legend-item"><i className="mark mark-pending" /> waiting to sync</span>
        <span className="legend-item"><i className="mark mark-sending" /> sending</span>
        <span className="legend-item"><i className="mark mark-conflict" /> conflict</span>
        <span className="legend-item"><i className="mark mark-failed" /> refused</span>
      </div>
    </section>
  );
}

function StudentRow({ student, row, marks, conflictOf, patch }) {
  const { data } = useCollection('scores', { where: [['studentId', 'eq', student.id]] });
  const byAssessment = new Map(data.map((s) => [s.assessment, s]));
  const rg = runningGrade(data);
  const grade = letter(rg.grade);
  return (
    <tr data-testid={`row-${student.id}`}>
      <th scope="row">
        <div className="student">
          <span className="avatar" style={{ '--h': hue(student.name) }} aria-hidden="true">{initials(student.name)}</span>
          <div className="student-text">
            <span className="student-name">{student.name}</span>
            <span className="student-class">Class {student.class}</span>
            <Attachment student={student} />
          </div>
        </div>
      </th>
      {ASSESSMENTS.map((a, col) => {
        const id = scoreId(student.id, a.id);
        return (
          <ScoreCell
            key={a.id}
            id={id}
            testId={`cell-${student.id}-${a.id}`}
            label={`${student.name}, ${a.label}`}
            entity={byAssessment.get(a.id)}
            mark={marks.get(id)}
            conflict={conflictOf?.get(id)}
            row={row}
            col={col}
            patch={patch}
          />
        );
      })}
      <td className="col-grade">
        <div className="grade" data-testid={`grade-${student.id}`} data-grade={rg.grade ?? ''}>
          <span className="grade-value">{formatGrade(rg.grade)}</span>
          <span className={`letter letter-${grade}`}>{grade}</span>
          <span className="grade-progress" title={`${rg.graded} of ${rg.total} assessments graded`}>
            {Array.from({ length: rg.total }, (_, i) => <i key={i} className={i < rg.graded ? 'on' : ''} />)}
          </span>
        </div>
      </td>
    </tr>
  );
}

function ScoreCell({ id, testId, label, entity, mark, conflict, row, col, patch }) {
  const stored = formatScore(entity?.score);
  const [draft, setDraftState] = useState(null); // the text while editing; null: showing the stored value
  // The same, readable at once: Enter commits and moves the focus, and the blur that follows
  // runs before React re-renders; it must see the edit as done, not commit it a second time.
  const editing = useRef(null);
  const setDraft = (v) => {
    editing.current = v;
    setDraftState(v);
  };
  const start = useRef(''); // the stored text when the edit began
  const [invalid, setInvalid] = useState(null);
  const [flash, setFlash] = useState(false);
  const previous = useRef(stored);

  // A value that changes under a settled cell (another window, a resolved conflict) flashes.
  useEffect(() => {
    if (previous.current === stored) return undefined;
    previous.current = stored;
    if (mark) return undefined;
    setFlash(true);
    const t = setTimeout(() => setFlash(false), 1200);
    return () => clearTimeout(t);
  }, [stored, mark]);

  const commit = () => {
    const text = editing.current;
    if (text === null) return true;
    if (text.trim() === start.current) {
      setDraft(null);
      setInvalid(null);
      return true;
    }
    const parsed = parseScore(text);
    if (!parsed.ok) {
      setInvalid(parsed.message);
      return false;
    }
    setDraft(null);
    setInvalid(null);
    if (entity && (entity.score ?? null) !== parsed.value) patch(id, { score: parsed.value });
    return true;
  };

  const onKeyDown = (e) => {
    if (e.key === 'Enter' || e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!commit()) return;
      const next = row + (e.key === 'ArrowUp' || (e.key === 'Enter' && e.shiftKey) ? -1 : 1);
      if (!focusCell(next, col) && e.key === 'Enter') e.currentTarget.blur(); // the last row: done
    } else if (e.key === 'Escape') {
      setDraft(null);
      setInvalid(null);
    }
  };

  return (
    <td className={`cell ${mark ? `cell-${mark}` : ''} ${invalid ? 'cell-invalid' : ''} ${flash ? 'flash' : ''}`} data-mark={mark ?? ''}>
      <input
        className="score-input"
        data-testid={testId}
        data-row={row}
        data-col={col}
        inputMode="decimal"
        autoComplete="off"
        aria-label={label}
        aria-invalid={invalid ? 'true' : undefined}
        title={invalid ?? (conflict ? `${MARK_TITLES.conflict}: yours ${versionText(conflict.local)}, theirs ${versionText(conflict.remote)}` : MARK_TITLES[mark]) ?? ''}
        placeholder="—"
        value={draft ?? stored}
        onFocus={(e) => e.target.select()}
        onChange={(e) => {
          if (editing.current === null) start.current = stored;
          setDraft(e.target.value);
          // Checked as it is typed: the border turns red at once, not only on Enter.
          const parsed = parseScore(e.target.value);
          setInvalid(parsed.ok ? null : parsed.message);
        }}
        onBlur={commit}
        onKeyDown={onKeyDown}
      />
      {mark && <i className={`mark mark-${mark}`} aria-hidden="true" />}
      {conflict && <ConflictValues conflict={conflict} testId={`${testId}-versions`} />}
      {invalid && <span className="cell-error" role="status">{invalid}</span>}
    </td>
  );
}

// A score as one side of a conflict has it: a number, 'deleted' or '—' (not graded).
const versionText = (v) => (v === null ? 'deleted' : formatScore(v?.score) || '—');

/** Under a cell in conflict: this device's value and the other's, until the conflict is decided. */
function ConflictValues({ conflict, testId }) {
  return (
    <span className="cell-versions" data-testid={testId}>
      <span className="cell-version cell-version-mine" data-testid="cell-yours">yours <b>{versionText(conflict.local)}</b></span>
      <span className="cell-version cell-version-theirs" data-testid="cell-theirs">theirs <b>{versionText(conflict.remote)}</b></span>
    </span>
  );
}
