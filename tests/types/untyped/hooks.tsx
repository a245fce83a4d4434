// Loading states, a client promise and seed 002's hooks (issue 16, items 3 and 6), typed as an
// app would write them; the misuses at the end must be type errors. Checked by tsc, never run.
import { Suspense } from 'react';
import { createSyncClient, type Entity } from 'syncore';
import {
  SyncProvider, useEntity, useCollection, useMutation, useRemoteChanges, useOptimisticUpdate, useRemoteData,
  useMultiRemoteData, syncTags, type LoadStatus, type RemoteChange,
} from 'syncore/react';

interface Todo extends Entity {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
}

function Todos() {
  const { data, status, error } = useCollection<Todo>('todos', { orderBy: ['title'] });
  const s: LoadStatus = status;
  if (s === 'loading') return <p>Loading…</p>;
  if (s === 'error') return <p>{String(error)}</p>;
  return <ul>{data.map((t) => <TodoRow key={t.id} id={t.id} />)}</ul>;
}

function SuspendedTodos() {
  const { data } = useCollection<Todo>('todos', { suspense: true });
  return <p>{data.length}</p>;
}

function TodoRow({ id }: { id: string }) {
  const { data, pending } = useEntity<Todo>('todos', id, { suspense: false });
  const { patch, flush } = useMutation<Todo>('todos', { debounceMs: 300 });
  const { isUpdating, optimisticUpdate } = useOptimisticUpdate<Todo>('todos', id);
  const complete = async (): Promise<number> => {
    const status: number = await optimisticUpdate({ done: true }, async () => (await fetch(`/api/todos/${id}/done`, { method: 'POST' })).status);
    return status;
  };
  return (
    <li onBlur={flush} onClick={() => void complete()} data-busy={pending || isUpdating}>
      <input value={data?.title ?? ''} onChange={(e) => patch(id, { title: e.target.value })} />
    </li>
  );
}

function Monitor() {
  const { updates, clear } = useRemoteChanges({ limit: 20 });
  const last: RemoteChange | undefined = updates.at(-1);
  return <p onClick={clear}>{last?.type} {last?.collection}/{last?.id} at {last?.at}</p>;
}

function Report() {
  const [tag] = syncTags('todos', 't1');
  const { data, updateData } = useRemoteData('/api/report', async () => ({ open: 1 }), { persist: true, tags: [tag] });
  const multi = useMultiRemoteData({ user: ['/api/user', async () => ({ name: 'Ada' })] });
  return <p onClick={() => { updateData({ open: 0 }); multi.updateData('user', { name: 'Ada L.' }); }}>{data?.open} {multi.data.user?.name}</p>;
}

export function app() {
  return (
    <SyncProvider client={createSyncClient({ url: 'wss://example.com/sync', collections: { todos: {} } })} fallback={<p>Starting…</p>}
      errorFallback={(err) => <p>Could not start: {String(err)}</p>} remoteCacheName="user-1">
      <Suspense fallback={<p>Loading…</p>}><SuspendedTodos /></Suspense>
      <Todos />
      <Monitor />
      <Report />
    </SyncProvider>
  );
}

export function misuses() {
  // @ts-expect-error: a LoadStatus is loading, ready or error
  const bad: 'fresh' = useEntity('todos', 't1').status;
  // @ts-expect-error: debounceMs is a number
  useMutation('todos', { debounceMs: '300' });
  // @ts-expect-error: optimisticUpdate takes the API call as a function
  void useOptimisticUpdate('todos', 't1').optimisticUpdate({ done: true }, fetch('/api'));
  // @ts-expect-error: updateData names a source of the hook
  useMultiRemoteData({ user: ['/api/user', async () => 1] }).updateData('nobody', 1);
  return bad;
}
