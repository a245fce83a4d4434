// The demo's data on the server side: the first-start seed and the validation hook (the page
// validates too, but a server never trusts a client).
import { ASSESSMENTS, ASSESSMENT_BY_ID, SEED_STUDENTS, isValidScore, scoreId } from '../src/gradebook.js';

/** Collections the demo syncs. */
export const COLLECTIONS = ['students', 'scores'];
// The students' attachments' metadata (docs/files.md); the bytes go to /files.
const FILES = 'syncore_files';

/**
 * Fills an empty store with the seed: 8 students and one score entity per student and assessment
 * (8 × 4), each a logged change like any other. Does nothing when the store has any student.
 * Resolves to the number of entities created.
 */
export async function seedGradebook(store) {
  if ((await store.list('students', { includeDeleted: true })).length > 0) return 0;
  // One transaction: a crash mid-seed leaves an empty store (seeded again), never half a class.
  const { value: n } = await store.transaction(async (tx) => {
    let count = 0;
    const apply = async (collection, id, data) => {
      const { result } = await tx.apply({ key: `seed:${++count}`, collection, kind: 'create', id, data, baseVersion: 0, ts: null });
      if (result.status !== 'ok') throw new Error(`seeding ${collection}/${id} failed: ${JSON.stringify(result)}`);
    };
    for (const s of SEED_STUDENTS) await apply('students', s.id, { id: s.id, name: s.name, class: s.class });
    for (const s of SEED_STUDENTS) {
      for (const a of ASSESSMENTS) {
        const id = scoreId(s.id, a.id);
        const data = { id, studentId: s.id, assessment: a.id };
        if (s.scores[a.id] !== undefined) data.score = s.scores[a.id];
        await apply('scores', id, data);
      }
    }
    return count;
  });
  return n;
}

/**
 * The sync server's validate hook: a message refuses the mutation for good (a dead letter on the
 * client). Scores are numbers from 0 to 100 (or removed: not graded); students have a name.
 */
export function validateGradebook({ mutation }) {
  const { collection, kind, data } = mutation;
  if (collection === FILES) return undefined; // attachments: checked by the server (server/files.js)
  if (!COLLECTIONS.includes(collection)) return `unknown collection ${collection}`;
  if (kind === 'delete') return collection === 'scores' ? 'scores are cleared, not deleted' : undefined;
  if (collection === 'scores') {
    if (kind === 'create' && !ASSESSMENT_BY_ID.has(data.assessment)) return `unknown assessment ${data.assessment}`;
    if (Object.hasOwn(data, 'score') && data.score !== null && !isValidScore(data.score))
      return `a score is a number from 0 to 100, not ${JSON.stringify(data.score)}`;
  }
  if (collection === 'students' && Object.hasOwn(data, 'name') && (typeof data.name !== 'string' || data.name.trim() === ''))
    return 'a student needs a name';
  return undefined;
}

/**
 * The demo's authorization hook. The page sends no token and may read and write everything (user
 * "teacher"); the token "viewer" is a read-only role (user "viewer"): its writes are refused as
 * `forbidden` and dead-lettered on its client. Any other token is unauthorized.
 */
export function authorizeGradebook({ token }) {
  const readAll = (collection) => COLLECTIONS.includes(collection) || collection === FILES;
  if (token == null || token === '') return { userId: 'teacher', canRead: readAll, canWrite: readAll };
  if (token === 'viewer') return { userId: 'viewer', canRead: readAll, canWrite: () => false };
  return null;
}
