// syncore/devtools: an inspector for a SyncClient — the outbox by lane and state, dead letters
// (retry, edit, discard), parked conflicts, live queries with their result counts, a timeline of
// the last events, storage usage and the tab's role. docs/devtools.md.
//   React:      <SyncDevtools client={client} />
//   Any app:    const unmount = mountDevtools(element, client);   (also syncore/devtools/dom, without React)
export { SyncDevtools } from './react.js';
export { mountDevtools } from './mount.js';
export { recordEvents } from './event_log.js';
