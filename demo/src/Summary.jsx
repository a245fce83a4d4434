// Four summary cards over the live data.
import { ASSESSMENTS, letter, runningGrade } from './gradebook.js';
import { formatGrade } from './format.js';

export function Summary({ students, scores, status }) {
  const byStudent = new Map(students.map((s) => [s.id, []]));
  for (const sc of scores) byStudent.get(sc.studentId)?.push(sc);
  const grades = [...byStudent.values()].map((list) => runningGrade(list).grade).filter((g) => g !== null);
  const average = grades.length ? Math.round((grades.reduce((a, b) => a + b, 0) / grades.length) * 10) / 10 : null;
  const graded = scores.filter((s) => typeof s.score === 'number').length;
  const total = students.length * ASSESSMENTS.length;
  const attention = status.conflicts + status.failed;
  return (
    <section className="stats" aria-label="Summary">
      <div className="stat">
        <span className="stat-label">Students</span>
        <span className="stat-value" data-testid="summary-students">{students.length}</span>
        <span className="stat-hint">{new Set(students.map((s) => s.class)).size} classes</span>
      </div>
      <div className="stat">
        <span className="stat-label">Class average</span>
        <span className="stat-value" data-testid="summary-average">
          {formatGrade(average)} <span className={`letter letter-${letter(average)}`}>{letter(average)}</span>
        </span>
        <span className="stat-hint">mean of the running grades</span>
      </div>
      <div className="stat">
        <span className="stat-label">Graded</span>
        <span className="stat-value">{graded}<span className="stat-of"> / {total}</span></span>
        <span className="meter" aria-hidden="true"><span style={{ width: `${total ? (100 * graded) / total : 0}%` }} /></span>
      </div>
      <div className={`stat ${attention ? 'stat-attention' : ''}`}>
        <span className="stat-label">Needs attention</span>
        <span className="stat-value">{attention}</span>
        <span className="stat-hint">
          {attention === 0 ? 'no conflicts, nothing refused' : `${status.conflicts} conflict${status.conflicts === 1 ? '' : 's'}, ${status.failed} refused`}
        </span>
      </div>
    </section>
  );
}
