// An app whose collections are typed by Standard Schemas (zod 4, valibot 1, arktype 2): each
// schema's output type is what reads give, its input type what writes take, and the hooks know
// both through the registered client. Lines under @ts-expect-error must be type errors.
import type { ReactNode } from 'react';
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { createSyncClient, createSyncCore, collection, SyncError, type StandardSchemaV1, type ValidationIssue } from 'syncore';
import { SyncProvider, useCollection, useEntity, useMutation } from 'syncore/react';

const Todo = z.object({
  id: z.string(),
  title: z.string().min(1),
  done: z.boolean().default(false), // optional to write, always there to read
  tags: z.array(z.string()).optional(),
});
const Note = v.object({ id: v.string(), body: v.string(), pinned: v.optional(v.boolean()) });
const Tag = type({ id: 'string', label: 'string', 'color?': "'red' | 'green'" });
const Stamp = z.object({ id: z.string(), at: z.number(), updatedAt: z.string() });

const client = await createSyncClient({
  url: 'wss://example.com/sync',
  collections: {
    todos: { schema: Todo },
    notes: { schema: Note, strategy: 'manual' },
    tags: collection({ schema: Tag }),
    stamps: { schema: Stamp, serverFields: ['updatedAt'] },
  },
});
declare module 'syncore' {
  interface Register { client: typeof client }
}

type TodoRow = z.output<typeof Todo>;
type NoteRow = v.InferOutput<typeof Note>;

function Todos() {
  const { data } = useCollection('todos', { where: [['done', 'eq', false]], orderBy: ['title'] });
  const { create, patch, error } = useMutation('todos');
  const rows: readonly TodoRow[] = data;
  const done: boolean | undefined = rows[0]?.done; // the default makes it a boolean to read
  const issues: ReadonlyArray<ValidationIssue> | undefined = error?.issues;
  return (
    <ul data-done={done} data-issues={issues?.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}>
      {data.map((t) => <li key={t.id} onClick={() => patch(t.id, { done: !t.done, tags: null })}>{t.title}</li>)}
      <li onClick={() => create({ title: 'New' })}>add</li>
    </ul>
  );
}

function NoteView({ id }: { id: string }) {
  const note: NoteRow | undefined = useEntity('notes', id).data;
  const { patch } = useMutation('notes');
  return <p onClick={() => patch(id, { pinned: !note?.pinned })}>{note?.body}</p>;
}

function Tags() {
  const { data } = useCollection('tags');
  const { create } = useMutation('tags');
  const color: 'red' | 'green' | undefined = data[0]?.color;
  return <p data-color={color} onClick={() => create({ label: 'urgent', color: 'red' })}>{data.length}</p>;
}

export function render(root: { render(node: ReactNode): void }) {
  root.render(
    <SyncProvider client={client}>
      <Todos />
      <NoteView id="n1" />
      <Tags />
    </SyncProvider>,
  );
}

// The same on client.collection and a bare core.
client.collection('stamps').create({ at: 1 });
const core = await createSyncCore({ collections: { todos: { schema: Todo } } });
const t: TodoRow | undefined = core.get('todos', 't1');
const schema: StandardSchemaV1 = Todo;

export function handle(err: unknown) {
  if (err instanceof SyncError && err.code === 'VALIDATION') return err.issues?.map((i) => i.message) ?? [];
  return [t?.title, schema['~standard'].vendor];
}

export function Misuses({ id }: { id: string }) {
  const todos = useMutation('todos');
  // @ts-expect-error: zod: title is required
  todos.create({ done: true });
  // @ts-expect-error: zod: the wrong type
  todos.patch(id, { done: 'yes' });
  // @ts-expect-error: zod: a misspelt field
  todos.patch(id, { titel: 'x' });
  // @ts-expect-error: zod: tags are strings
  todos.create({ title: 'x', tags: [1] });
  const notes = useMutation('notes');
  // @ts-expect-error: valibot: body is a string
  notes.create({ body: 1 });
  // @ts-expect-error: valibot: a misspelt field
  notes.patch(id, { pined: true });
  const tags = useMutation('tags');
  // @ts-expect-error: arktype: color is 'red' or 'green'
  tags.create({ label: 'x', color: 'blue' });
  // @ts-expect-error: arktype: label is required
  tags.create({ color: 'red' });
  // @ts-expect-error: the server fills in updatedAt
  client.collection('stamps').create({ at: 1, updatedAt: 'now' });
  // @ts-expect-error: a where path todos do not have
  useCollection('todos', { where: [['dne', 'eq', false]] });
  // @ts-expect-error: a note's body is a string
  const n: number | undefined = useEntity('notes', id).data?.body;
  return <p>{n}</p>;
}
