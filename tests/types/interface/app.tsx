// An app whose entity types are interfaces (no index signature: issue 16 found `interface Todo`
// failing every generic use with TS2344), typed by collection<T>() and registered for the hooks.
// Lines under @ts-expect-error must be type errors.
import type { ReactNode } from 'react';
import { createSyncClient, collection, type SyncClient, type CollectionHandle, type LiveQuery } from 'syncore';
import { SyncProvider, useCollection, useEntity, useMutation, useSyncStatus, useSyncClient } from 'syncore/react';

interface Todo {
  id: string;
  title: string;
  done: boolean;
  note?: string;
  meta: { owner: string; tags: string[] };
}

interface Note {
  uuid: string;
  body: string;
  updatedAt: string; // the server fills it in
}

const client = await createSyncClient({
  url: 'wss://example.com/sync',
  collections: {
    todos: collection<Todo>({ strategy: 'merge' }),
    notes: collection<Note, 'uuid', 'updatedAt'>({ idField: 'uuid', serverFields: ['updatedAt'] }),
  },
});
declare module 'syncore' {
  interface Register { client: typeof client }
}

// The README's app (its "Install and use" section) in its typed form: `todo.id` is a React key.
function Todos() {
  const { data: todos } = useCollection('todos', { orderBy: ['title'] }); // a live query
  const { create } = useMutation('todos');
  const { pending } = useSyncStatus();
  return (
    <main>
      <ul>{todos.map((todo) => <li key={todo.id}>{todo.title}</li>)}</ul>
      <button onClick={() => create({ title: `Todo ${todos.length + 1}`, done: false, meta: { owner: 'me', tags: [] } })}>Add</button>
      <p>{pending} pending</p>
    </main>
  );
}

function TodoRow({ id }: { id: string }) {
  const todo: Todo | undefined = useEntity('todos', id).data;
  const { patch, remove } = useMutation('todos');
  if (!todo) return null;
  return (
    <li onClick={() => patch(id, { done: !todo.done, meta: { tags: [...todo.meta.tags, 'seen'] }, note: null })} onDoubleClick={() => remove(id)}>
      {todo.title} {todo.meta.owner}
    </li>
  );
}

function Notes() {
  const { data } = useCollection('notes', { where: [['updatedAt', 'gt', '2026']], orderBy: [['updatedAt', 'desc']] });
  const { create, patch } = useMutation('notes');
  return (
    <ul onClick={() => create({ body: 'new' })} onDoubleClick={() => data[0] && patch(data[0].uuid, { body: 'edited' })}>
      {data.map((n) => <li key={n.uuid}>{n.body} {n.updatedAt}</li>)}
    </ul>
  );
}

// client.collection(name) and the core are typed by the same definitions.
const todos: CollectionHandle<Todo, any> = client.collection('todos');
const first: Todo | undefined = todos.list()[0];
const open: LiveQuery<Todo> = client.core.query({ collection: 'todos', where: [['meta.owner', 'eq', 'me'], ['meta.tags.0', 'eq', 'home']] });
const handle = todos.create({ title: 'Typed', done: false, meta: { owner: 'me', tags: ['a'] } }, { priority: 'high' });
const optimistic: Todo | undefined = handle.value;
client.collection('notes').create({ uuid: 'n1', body: 'with its own id' });
// A queue the user controls (docs/queue_control.md): per-mutation options, cancel, clearQueue.
export async function queueControl(): Promise<string[]> {
  const queued = todos.patch('t1', { done: true }, { priority: 'critical', maxRetries: 2, expireAfterMs: 60_000 });
  return [...(await queued.cancel()), ...(await client.cancel('c1#1')), ...(await client.clearQueue())];
}
// A typed client is a SyncClient (anything that takes one takes it).
const any: SyncClient = client;
// The old form (a type argument) still works, with an interface.
function useOldForm() {
  return useCollection<Todo>('todos', { where: [['done', 'eq', false]] }).data;
}

export function render(root: { render(node: ReactNode): void }) {
  root.render(
    <SyncProvider client={client}>
      <Todos />
      <TodoRow id="t1" />
      <Notes />
    </SyncProvider>,
  );
}

export function Misuses({ id }: { id: string }) {
  const { create, patch, update } = useMutation('todos');
  // @ts-expect-error: a misspelt field (issue 16: `create({ titel })` compiled)
  create({ titel: 'x', done: false, meta: { owner: 'me', tags: [] } });
  // @ts-expect-error: the wrong type (issue 16: `patch(id, { done: 'yes' })` compiled)
  patch(id, { done: 'yes' });
  // @ts-expect-error: a nested field of the wrong type
  patch(id, { meta: { owner: 7 } });
  // @ts-expect-error: arrays are replaced whole, with the element type
  patch(id, { meta: { tags: [1] } });
  // @ts-expect-error: a field missing in create
  create({ title: 'x', done: false });
  // @ts-expect-error: update takes the whole entity
  update(id, { title: 'only this' });
  // @ts-expect-error: no such collection
  useEntity('todo', id);
  // @ts-expect-error: a query path Todo does not have
  useCollection('todos', { where: [['meta.ownr', 'eq', 'me']] });
  // @ts-expect-error: an order key Todo does not have
  useCollection('todos', { orderBy: [['titel', 'asc']] });
  const notes = useMutation('notes');
  // @ts-expect-error: updatedAt is the server's to fill in
  notes.create({ body: 'x', updatedAt: '2026-01-01' });
  // @ts-expect-error: the id field is uuid, and a patch cannot change it
  notes.patch(id, { uuid: 'other' });
  // @ts-expect-error: client.collection knows its names
  useSyncClient().collection('todo');
  // @ts-expect-error: a todo's title is a string
  const n: number | undefined = useEntity('todos', id).data?.title;
  return <p>{n} {first?.title} {optimistic?.title} {open.total} {useOldForm().length} {any.status.pending}</p>;
}

// References between entities (docs/references.md): only fields of the entity type.
interface Grade {
  id: string;
  studentId: string;
  score: number;
}
export const grades = collection<Grade>({ references: { studentId: 'students' } });
// @ts-expect-error: a reference through a field Grade does not have
export const misspelt = collection<Grade>({ references: { studentID: 'students' } });
