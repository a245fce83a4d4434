// Misuses the declarations must refuse: each line under @ts-expect-error has to be a type error.
import { createSyncCore, type SyncClient } from 'syncore';
import { SyncProvider, useEntity, useCollection, useMutation, useRemoteData, useConflicts } from 'syncore/react';

export async function misuses(client: SyncClient) {
  const core = await createSyncCore();
  // @ts-expect-error: a provider needs a client or a core
  void (<SyncProvider>{null}</SyncProvider>);
  // @ts-expect-error: not both
  void (<SyncProvider client={client} core={core} />);
  // @ts-expect-error: ids are strings or numbers
  useEntity('students', { id: 1 });
  // @ts-expect-error: the collection is the first argument, not part of the spec
  useCollection('students', { collection: 'students' });
  // @ts-expect-error: where clauses are [field, op, value] with a known op
  useCollection('students', { where: [['score', 'between', 1]] });
  // @ts-expect-error: useMutation has remove, not delete
  useMutation('students').delete('s1');
  // @ts-expect-error: statuses are fresh, stale, loading, error or idle
  const bad: 'done' = useRemoteData('k', async () => 1).status;
  // @ts-expect-error: resolve takes a choice
  useConflicts().resolve('c1', { choice: 'mine' });
  return bad;
}
