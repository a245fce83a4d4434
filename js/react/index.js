// syncore/react: React 18/19 hooks over a SyncClient (or a bare SyncCore), built on
// useSyncExternalStore. Snapshots are the core's frozen objects, so a component re-renders only
// when its own entities, query results or state are different objects.
export { SyncProvider, useSyncClient, useSyncCore } from './context.js';
export { useEntity, useCollection } from './data.js';
export { useMutation } from './mutation.js';
export { useSyncStatus, useOutbox, usePendingMutations, useConflicts } from './status.js';
export { useRemoteData, useMultiRemoteData, useInvalidate, syncTags } from './remote.js';
export { useRemoteChanges } from './changes.js';
export { useOptimisticUpdate } from './optimistic.js';
export { useSyncHistory } from './history.js';
