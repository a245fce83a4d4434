// A typed gradebook written against 'syncore' and 'syncore/react' as an app would import them.
// Checked by `npx tsc -p tests/types --noEmit`; never run.
import type { ReactNode } from 'react';
import { createSyncClient, createSyncCore, type SyncClient, type Entity } from 'syncore';
import {
  SyncProvider, useSyncClient, useSyncCore, useEntity, useCollection, useMutation, useSyncStatus,
  useOutbox, usePendingMutations, useConflicts, useRemoteData, useMultiRemoteData, useInvalidate,
  type RemoteStatus,
} from 'syncore/react';

interface Student extends Entity {
  readonly id: string;
  readonly name: string;
  readonly score: number;
  readonly class: { readonly name: string };
}

interface Dashboard {
  pending: number;
  rows: { id: string; label: string }[];
}

function StudentRow({ id }: { id: string }) {
  const { data: student, pending: unsent, status: loaded } = useEntity<Student>('students', id);
  const waiting: boolean = unsent || loaded === 'loading';
  const { patch, remove, pending, error } = useMutation<Student>('students');
  if (!student) return null;
  const bump = () => {
    const handle = patch(student.id, { score: student.score + 1 });
    const optimistic: Student | undefined = handle.value;
    void handle.result.then((r) => r.status === 'acked' && r.version);
    return optimistic?.score;
  };
  return (
    <li onClick={bump} onDoubleClick={() => remove(id, { priority: 'high' })}>
      {student.name}: {student.score} {pending > 0 || waiting ? '…' : ''} {error ? error.code : ''}
    </li>
  );
}

function Leaderboard({ minScore }: { minScore: number }) {
  const { data, total, ids } = useCollection<Student>('students', {
    where: [['score', 'gte', minScore], ['class.name', 'eq', '4B']],
    orderBy: [['score', 'desc'], 'name'],
    limit: 10,
  });
  const first: Student | undefined = data[0];
  const count: number = total + ids.length;
  return (
    <ol data-count={count} data-top={first?.name}>
      {data.map((s) => <StudentRow key={s.id} id={s.id} />)}
    </ol>
  );
}

function AddStudent() {
  const { create, lastResult } = useMutation<Student>('students');
  const core = useSyncCore();
  return (
    <button onClick={() => create({ name: 'New', score: 0, class: { name: '4B' } }, { id: `s${core.count('students')}` })}>
      add {lastResult?.id}
    </button>
  );
}

function StatusBar() {
  const status = useSyncStatus();
  const client: SyncClient = useSyncClient();
  const online: boolean = status.online;
  return (
    <footer onClick={() => client.sync()} title={status.connection}>
      {online ? status.message : `offline, ${status.pending} pending`}
    </footer>
  );
}

function OutboxPanel() {
  const { pending, deadLetters, retry, discard, edit } = useOutbox();
  const same = usePendingMutations();
  return (
    <ul data-pending={pending.length + same.pending.length}>
      {deadLetters.map((d) => (
        <li key={d.seq}>
          {d.collection}/{d.id}: {d.message ?? d.errorClass}
          <button onClick={() => retry(d.seq)}>retry</button>
          <button onClick={() => discard(d.seq)}>discard</button>
          <button onClick={() => edit(d.seq, { score: 0 })}>reset score</button>
        </li>
      ))}
    </ul>
  );
}

function ConflictPanel() {
  const { conflicts, resolve } = useConflicts();
  return (
    <>
      {conflicts.map((c) => (
        <div key={c.id}>
          {JSON.stringify(c.local)} vs {JSON.stringify(c.remote)}
          <button onClick={() => resolve(c.id, { choice: 'local' })}>keep mine</button>
          <button onClick={() => resolve(c.id, { choice: 'merged', value: { id: c.entityId, score: 0 } })}>merge</button>
        </div>
      ))}
    </>
  );
}

async function fetchDashboard(key: string): Promise<Dashboard> {
  const response = await fetch(key);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as Dashboard;
}

function DashboardPanel({ userId }: { userId: string }) {
  const { data, status, error, refresh } = useRemoteData(`/api/dashboard/${userId}`, fetchDashboard, {
    ttl: 5 * 60_000,
    staleTime: 60_000,
    refreshInterval: 30_000,
    tags: ['dashboard'],
  });
  const { invalidateTag } = useInvalidate();
  const s: RemoteStatus = status;
  if (s === 'loading') return <p>Loading…</p>;
  if (s === 'error') return <p onClick={() => void refresh()}>Error: {String(error)}</p>;
  const rows: Dashboard['rows'] | undefined = data?.rows;
  return <p onClick={() => invalidateTag('dashboard')}>{data?.pending} pending, {rows?.length} rows</p>;
}

function Overview({ userId }: { userId: string }) {
  const { data, status, statuses, errors, refresh } = useMultiRemoteData({
    user: [`/api/user/${userId}`, async (key: string) => ({ name: key })],
    progress: [`/api/progress/${userId}`, async () => ({ done: 3, of: 10 }), { ttl: 1000 }],
  });
  const name: string | undefined = data.user?.name;
  const done: number | undefined = data.progress?.done;
  return (
    <section onClick={() => void refresh()} data-status={status} data-user={statuses.user}>
      {name} {done} {errors.progress ? 'progress failed' : ''}
    </section>
  );
}

export async function main(root: { render(node: ReactNode): void }) {
  const client = await createSyncClient({
    url: 'wss://example.com/sync',
    collections: { students: { strategy: 'manual' } },
  });
  root.render(
    <SyncProvider client={client}>
      <StatusBar />
      <AddStudent />
      <Leaderboard minScore={50} />
      <OutboxPanel />
      <ConflictPanel />
      <DashboardPanel userId="u1" />
      <Overview userId="u1" />
    </SyncProvider>,
  );
  const core = await createSyncCore({ collections: { students: {} } });
  root.render(
    <SyncProvider core={core}>
      <Leaderboard minScore={0} />
    </SyncProvider>,
  );
}

// Users, async resolvers, eviction and persistent storage (issue 12 items 4, 5, 12).
export async function signedIn(token: string) {
  const ann = await createSyncClient({
    url: 'wss://example.com/sync',
    token,
    userId: 'ann',
    persistStorage: true,
    storage: { name: 'app', evictionMarker: null },
    collections: { notes: { strategy: 'custom' } },
  });
  ann.core.setCustomResolver('notes', async ({ local, remote }) => ({ ...(remote as object), ...(local as object) }));
  const resolving: boolean = ann.core.conflicts()[0]?.resolving ?? false;
  const persisted: boolean | null = ann.status.storagePersisted;
  const lost: number = ann.restoreReport.evicted?.lost ?? 0;
  const bob: SyncClient = await ann.switchUser({ userId: 'bob', token: 'tok-bob' });
  return { resolving, persisted, lost, bob };
}

// Who names new entities (issue 16 item 4): the client (UUIDv7, the default) or the server (temp ids).
export async function namedByTheServer(): Promise<'client' | 'server'> {
  const core = await createSyncCore({ collections: { grades: { ids: 'server' }, notes: { ids: 'client' } } });
  return core.idsOf('grades');
}
