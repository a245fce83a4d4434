// The gradebook's model, shared by the page (bundled) and the demo server (seed and validation):
// students { id, name, class }, one score entity per student and assessment
// { id: '<studentId>-<assessmentId>', studentId, assessment, score? } (no score: not graded yet),
// and the running grade: the weighted mean of the graded assessments.

/** The term's assessments, in column order; weights sum to 1. */
export const ASSESSMENTS = Object.freeze([
  Object.freeze({ id: 'quiz', label: 'Quiz 1', short: 'Quiz', weight: 0.15 }),
  Object.freeze({ id: 'lab', label: 'Lab report', short: 'Lab', weight: 0.2 }),
  Object.freeze({ id: 'essay', label: 'Essay', short: 'Essay', weight: 0.25 }),
  Object.freeze({ id: 'exam', label: 'Midterm exam', short: 'Exam', weight: 0.4 }),
]);

export const ASSESSMENT_BY_ID = new Map(ASSESSMENTS.map((a) => [a.id, a]));

export const MAX_SCORE = 100;

/** The id of a student's score entity for one assessment. */
export const scoreId = (studentId, assessmentId) => `${studentId}-${assessmentId}`;

/** A valid score: a finite number from 0 to 100. */
export const isValidScore = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_SCORE;

/** Scores are kept to one decimal. */
export const roundScore = (v) => Math.round(v * 10) / 10;

/**
 * The running grade from a student's score entities (any order, missing ones allowed):
 * { grade: number | null, graded, total, weight } — grade is the mean weighted over the graded
 * assessments only, so it moves as soon as one score is entered.
 */
export function runningGrade(scores) {
  let sum = 0;
  let weight = 0;
  let graded = 0;
  for (const a of ASSESSMENTS) {
    const s = scores.find((x) => x && x.assessment === a.id);
    if (!s || !isValidScore(s.score)) continue;
    sum += s.score * a.weight;
    weight += a.weight;
    graded += 1;
  }
  return { grade: weight > 0 ? roundScore(sum / weight) : null, graded, total: ASSESSMENTS.length, weight };
}

/** Letter for a 0–100 grade. */
export function letter(grade) {
  if (grade === null || grade === undefined) return '–';
  if (grade >= 90) return 'A';
  if (grade >= 80) return 'B';
  if (grade >= 70) return 'C';
  if (grade >= 60) return 'D';
  return 'F';
}

/** The seed: eight students in two classes, and their scores (a few not graded yet). */
export const SEED_STUDENTS = Object.freeze([
  { id: 's1', name: 'Ada Lovelace', class: '10A', scores: { quiz: 92, lab: 88, essay: 95, exam: 91 } },
  { id: 's2', name: 'Alan Turing', class: '10A', scores: { quiz: 85, lab: 79, essay: 74, exam: 88 } },
  { id: 's3', name: 'Grace Hopper', class: '10A', scores: { quiz: 78, lab: 91, essay: 83, exam: 80 } },
  { id: 's4', name: 'Katherine Johnson', class: '10A', scores: { quiz: 96, lab: 93, essay: 89 } },
  { id: 's5', name: 'Edsger Dijkstra', class: '10B', scores: { quiz: 64, lab: 72, essay: 58, exam: 69 } },
  { id: 's6', name: 'Barbara Liskov', class: '10B', scores: { quiz: 81, lab: 86, essay: 90, exam: 84 } },
  { id: 's7', name: 'Donald Knuth', class: '10B', scores: { quiz: 71, lab: 55, essay: 67, exam: 62 } },
  { id: 's8', name: 'Radia Perlman', class: '10B', scores: { quiz: 88, lab: 94, exam: 86 } },
]);
