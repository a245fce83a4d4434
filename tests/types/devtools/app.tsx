// syncore/devtools as a TypeScript app uses it; the @ts-expect-error lines must stay errors.
import { createSyncClient, type SyncClient } from 'syncore';
import { SyncDevtools, mountDevtools, recordEvents, type DevtoolsEvent } from 'syncore/devtools';
import { mountDevtools as mountWithoutReact } from 'syncore/devtools/dom';

const client: SyncClient = await createSyncClient({ collections: { todos: {} }, dev: true });
const events: DevtoolsEvent[] = recordEvents(client, { limit: 200 }).entries();
const unmount: () => void = mountDevtools(document.body, client, { events: 50, refreshMs: 200, title: 'sync' });
unmount();
mountWithoutReact(document.body, client)();
const open = client.core.liveQueries().map((q) => `${q.collection}: ${q.count} of ${q.total}`);

export const Panel = () => <SyncDevtools client={client} events={50} className="devtools" style={{ height: 400 }} />;
// @ts-expect-error the client is required
export const Missing = () => <SyncDevtools />;
// @ts-expect-error an element, not a selector
mountDevtools('#devtools', client);
export { events, open };
