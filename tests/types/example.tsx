// The README's examples in their typed form, verbatim ("## Example" and the React section), as
// an app would write them. Checked by `npx tsc -p tests/types --noEmit` (tests/node/types.test.js).

// ---- README "## Example" ----------------------------------------------------------------------
import { createSyncCore, collection } from 'syncore';

interface Student {
  id: string;
  name: string;
  score: number;
  class: { name: string };
}

const core = await createSyncCore({ collections: { students: collection<Student>() } });

// A live query: re-evaluated incrementally on every commit, never by a rescan.
const top = core.query({
  collection: 'students',
  where: [['score', 'gte', 50], ['class.name', 'eq', '4B']], // paths Student has: a typo does not compile
  orderBy: [['score', 'desc'], 'name'],
  limit: 3,
});
top.subscribe((rows) => console.log('top 3:', rows.map((s) => `${s.name} ${s.score}`).join(', ')));

// Server data arrives in batches; each batch is one commit. Versions order the writes.
core.load('students', [
  { version: 1, data: { id: 's1', name: 'Ada', score: 91, class: { name: '4B' } } },
  { version: 1, data: { id: 's2', name: 'Bo', score: 47, class: { name: '4B' } } },
  { version: 1, data: { id: 's3', name: 'Cy', score: 78, class: { name: '4B' } } },
], { cursor: 3 });
core.applyServer([{ op: 'upsert', collection: 'students', id: 's2', version: 2,
                    data: { id: 's2', name: 'Bo', score: 88, class: { name: '4B' } } }]);

const ada = core.get('students', 's1');          // a frozen snapshot (Student | undefined)...
console.log(ada === core.get('students', 's1')); // ...the same object until Ada changes: true
console.log(top.current.map((s) => s.id));       // [ 's1', 's2', 's3' ]

// ---- README "## React (`syncore/react`)" ----------------------------------------------------------
import { z } from 'zod';
import { createSyncClient } from 'syncore';
import { useEntity, useMutation } from 'syncore/react';

const client = await createSyncClient({
  url: 'wss://example.com/sync',
  collections: {
    grades: { schema: z.object({ id: z.string(), student: z.string(), score: z.number().min(0).max(100) }) },
  },
});
declare module 'syncore' {
  interface Register { client: typeof client } // the hooks now know the collections and their types
}

export function Grade({ id }: { id: string }) {
  const { data: grade, pending } = useEntity('grades', id); // re-renders only when this grade changes
  const { patch, error } = useMutation('grades');            // a score of 120: error.code 'VALIDATION', nothing queued
  return (
    <label className={pending ? 'unsent' : ''}>
      <input value={grade?.score ?? ''} onChange={(e) => patch(id, { score: Number(e.target.value) })} />
      {error?.issues?.map((issue) => issue.message).join(', ')}
    </label>
  );
}

// ---- docs/history.md: the history, batch decisions and the seeds' status words ---------------------
import { useSyncHistory } from 'syncore/react';

export function HistoryPanel() {
  const entries = useSyncHistory({ status: ['synced', 'failed', 'failed_permanently'], limit: 20 });
  return <ul>{entries.map((e) => <li key={e.mutationId}>{e.collection}/{e.id}: {e.status} ({e.attempts}) {e.lastError?.message}</li>)}</ul>;
}
const report = client.resolveConflicts({ byField: { score: 'mine' }, otherwise: 'theirs' }, { collection: 'grades' });
console.log(report.resolved.map((r) => r.decided), client.history({ status: 'failed_permanently' }).length);
client.on('syncCompleted', ({ pushed, pulled, conflicts, failed }) => console.log(pushed + pulled + conflicts + failed));
client.on('storageQuotaExceeded', ({ usage, quota }) => console.log((usage ?? 0) / (quota ?? 1), client.status.storageUsage));
// @ts-expect-error: 'ours' is not a side
client.resolveConflicts({ strategy: 'ours' });
// @ts-expect-error: the seed's words only
client.history({ status: 'done' });
