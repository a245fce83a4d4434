// syncore/sw and the auto-sync options as an app writes them (docs/background_sync.md); the
// misuses under @ts-expect-error must not compile.
import { createSyncClient, type SyncRoundResult } from 'syncore';
import { installBackgroundSync, flushOutbox, requestBackgroundSync, requestPeriodicSync, type FlushResult } from 'syncore/sw';

export async function page() {
  const client = await createSyncClient({ url: 'wss://example.test/sync', collections: { todos: {} }, autoSyncEnabled: false, syncInterval: 30_000, pauseWhenHidden: true });
  const round: SyncRoundResult = await client.sync();
  if (!round.completed) console.log(round.reason);
  const handle = requestBackgroundSync(client);
  handle.stop();
  const periodic: 'registered' | 'denied' | 'unsupported' = await requestPeriodicSync({ minInterval: 3_600_000 });
  console.log(periodic);
  // @ts-expect-error: syncInterval is a number of milliseconds
  await createSyncClient({ collections: {}, syncInterval: '30s' });
  // @ts-expect-error: autoSyncEnabled is a boolean
  await createSyncClient({ collections: {}, autoSyncEnabled: 'yes' });
}

export function worker() {
  const { flush } = installBackgroundSync({
    url: 'wss://example.test/sync', collections: { todos: {} }, storage: { name: 'app' }, token: async () => 'token',
    onResult: (r) => console.log(r.trigger, r.outcome, r.pushed),
  });
  void flush();
  // @ts-expect-error: the worker needs the sync server's url
  installBackgroundSync({ collections: { todos: {} } });
}

export async function direct(): Promise<FlushResult> {
  const result = await flushOutbox({ url: 'wss://example.test/sync', collections: {}, lockWaitMs: 1000 });
  // @ts-expect-error: not an outcome
  if (result.outcome === 'done') return result;
  return result;
}
