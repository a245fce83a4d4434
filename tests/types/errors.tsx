// Misuses the typed README example must refuse: each line under @ts-expect-error has to be a
// type error (tsc fails if it is not). The client registered in example.tsx types the hooks.
import { createSyncCore, createSyncClient, collection, type SyncError, type ValidationIssue, type FileRef, type FileMeta, type OfflineStatus, type FileProgress } from 'syncore';
import { useEntity, useCollection, useMutation, useSyncClient } from 'syncore/react';

interface Student {
  id: string;
  name: string;
  score: number;
  class: { name: string };
}

export async function coreMisuses() {
  const core = await createSyncCore({ collections: { students: collection<Student>() } });
  // @ts-expect-error: a path Student does not have
  core.query({ collection: 'students', where: [['scroe', 'gte', 50]] });
  // @ts-expect-error: a nested path Student does not have
  core.query({ collection: 'students', orderBy: ['class.nme'] });
  // @ts-expect-error: a collection the core was not given
  core.get('teachers', 't1');
  const ada = core.get('students', 's1');
  // @ts-expect-error: Student has no 'age'
  void ada?.age;
  const name: string | undefined = ada?.name;
  // @ts-expect-error: expireAfterMs is a number of milliseconds
  core.mutate({ collection: 'students', op: 'delete', id: 's1', expireAfterMs: '1 day' });
  return name;
}

export function HookMisuses({ id }: { id: string }) {
  // @ts-expect-error: 'grade' is not a registered collection (it is 'grades')
  useEntity('grade', id);
  // @ts-expect-error: the same for useCollection
  useCollection('grade');
  const { data: grade } = useEntity('grades', id);
  // @ts-expect-error: a grade's score is a number
  const label: string | undefined = grade?.score;
  const { create, patch, update } = useMutation('grades');
  // @ts-expect-error: a misspelt field
  create({ student: 's1', scroe: 90 });
  // @ts-expect-error: a field missing (score)
  create({ student: 's1' });
  // @ts-expect-error: the wrong type
  create({ student: 's1', score: '90' });
  // @ts-expect-error: patch: the wrong type
  patch(id, { score: 'ninety' });
  // @ts-expect-error: patch: an unknown field
  patch(id, { points: 90 });
  // @ts-expect-error: patch: the id cannot change
  patch(id, { id: 'g2' });
  // @ts-expect-error: patch: null removes only an optional field (score is required)
  patch(id, { score: null });
  // @ts-expect-error: update takes the whole entity (score missing)
  update(id, { student: 's1' });
  create({ student: 's1', score: 90 }); // the id is optional: the collection assigns one
  patch(id, { score: 91 });
  const { data } = useCollection('grades', { where: [['score', 'gte', 50]], orderBy: ['student'] });
  // @ts-expect-error: a where path grades do not have
  useCollection('grades', { where: [['points', 'gte', 50]] });
  const client = useSyncClient();
  // @ts-expect-error: the registered client has no 'teachers'
  client.collection('teachers');
  // @ts-expect-error: client.collection is typed too
  client.collection('grades').create({ student: 's1', score: false });
  const { error } = useMutation('grades');
  const issues: ReadonlyArray<ValidationIssue> | undefined = (error as SyncError | null)?.issues;
  // @ts-expect-error: VALIDATION, not an unknown code
  const bad: boolean = error?.code === 'VALIDATON';
  return <p title={label}>{data.length} {issues?.length} {String(bad)}</p>;
}

// Attachments (docs/files.md): put a Blob, store the ref; a string is not a file.
export async function fileMisuses() {
  const client = await createSyncClient({ url: 'wss://example.com/sync', collections: { students: {} }, files: { chunkSize: 65_536 } });
  const { ref, result } = await client.files!.put(new Blob(['report']), { name: 'report.txt' });
  const kept: FileRef = ref;
  const meta: FileMeta | null = await client.files!.meta(kept.$file);
  await result;
  // @ts-expect-error: put takes a Blob or a File, not a string
  await client.files!.put('report');
  // @ts-expect-error: 'state' is one of the four states
  const bad: FileMeta['state'] = 'uploading';
  return [meta, bad];
}

// Offline content: get / pin / pinCollection / offlineStatus; download progress has `received`.
export async function offlineFileMisuses() {
  const client = await createSyncClient({ url: 'wss://example.com/sync', collections: { students: {} }, files: true, storageQuotaMB: 100 });
  const files = client.files!;
  const blob: Blob = await files.get('f-1');
  const url: string = await files.url('f-1');
  await files.pin('f-1');
  const stop: () => void = files.pinCollection('students', 'photo');
  const status: OfflineStatus = await files.offlineStatus();
  const used: number = status.usage;
  const progress = (p: FileProgress) => (p.direction === 'download' ? p.received : p.sent);
  // @ts-expect-error: pinCollection names the field that holds the references
  files.pinCollection('students');
  // @ts-expect-error: storageQuotaMB is a number of MB
  await createSyncClient({ collections: {}, files: { storageQuotaMB: '100' } });
  return [blob, url, stop, used, progress];
}
